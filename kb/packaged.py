"""Models fitted offline and shipped in ``kb/data`` (the ranker, the decline model, the query adapter).

One policy for both: a model file that is absent, or was fitted for another feature list than
the code now computes, is not used (None), and the caller falls back to its hand-set rule —
a stale model must never score features it was not fitted on.
"""
from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Callable, Protocol, Sequence, TypeVar


class _Named(Protocol):
    @property
    def names(self) -> tuple[str, ...]: ...


M = TypeVar("M", bound=_Named)


def data_file(file_name: str) -> Traversable | None:
    """``kb/data/<file_name>`` as packaged, or None when the package does not hold it."""
    path = resources.files("kb").joinpath("data", file_name)
    return path if path.is_file() else None


def load_model(file_name: str, from_json: Callable[[str], M], features: Sequence[str]) -> M | None:
    """The model in ``kb/data/<file_name>``, or None when absent or fitted for other features."""
    path = data_file(file_name)
    if path is None:
        return None
    model = from_json(path.read_text(encoding="utf-8"))
    return model if tuple(model.names) == tuple(features) else None
