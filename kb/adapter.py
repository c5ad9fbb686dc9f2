"""A query-side adapter for the e5 embeddings, learned from question→article pairs.

multilingual-e5-small places 防空洞能开店吗 far from 人民防空工程平时由…使用: the statute's words are
not the citizen's. Fine-tuning the model is out of reach (CPU only, and its weights could not ship
with the code), but a linear map on the *question* side can be learned in a minute and shipped as
a 384×384 matrix: a question's vector ``q`` becomes ``normalise(q + q·W)`` before it is compared
with the article texts. The articles' vectors are untouched, so nothing is re-embedded and an
amended article is searched at once.

``W`` is fitted by ``bench/fit_adapter.py`` (softmax over every article, the gold articles
sharing the mass, L2 towards the identity map) on the packaged question views and the labelled
development sets, and packaged as ``kb/data/query_adapter.npz`` with the vector space it was
fitted in. It is used only on an index whose embedder lives in that space (``kb.embed.vector_space``)
and only for the article-text channel; question views are questions, compared as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from kb.packaged import data_file

FILE_NAME = "query_adapter.npz"


@dataclass(frozen=True)
class QueryAdapter:
    space: str  # kb.embed.vector_space of the model it was fitted for
    weights: np.ndarray  # (dim, dim): q -> q + q @ weights

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0])

    def fits(self, space: str, dim: int) -> bool:
        return space == self.space and dim == self.dim

    def apply(self, vec: np.ndarray) -> np.ndarray:
        """The adapted, unit-length query vector (one vector or a row per question)."""
        v = np.asarray(vec, np.float32)
        out = v + v @ self.weights
        norm = np.linalg.norm(out, axis=-1, keepdims=True)
        return (out / np.maximum(norm, 1e-12)).astype(np.float32)

    def save(self, path) -> None:
        np.savez_compressed(path, weights=self.weights.astype(np.float16), space=np.array(self.space))

    @classmethod
    def load(cls, path) -> "QueryAdapter":
        with np.load(path, allow_pickle=False) as d:
            return cls(str(d["space"]), d["weights"].astype(np.float32))


@lru_cache(maxsize=1)
def default_adapter() -> QueryAdapter | None:
    """The packaged adapter, or None when there is none."""
    path = data_file(FILE_NAME)
    if path is None:
        return None
    with resources.as_file(path) as p:
        return QueryAdapter.load(p)


def adapter_for(model_id: str, dim: int) -> QueryAdapter | None:
    """The packaged adapter if it was fitted in this model's vector space, else None."""
    from kb.embed import vector_space

    adapter = default_adapter()
    return adapter if adapter is not None and adapter.fits(vector_space(model_id), dim) else None
