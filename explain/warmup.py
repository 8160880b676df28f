"""Pay every method's one-off costs up front (lazy imports, numba, the training background).

Captum's Lime/KernelShap import sklearn on first use (~1 s) and the background set reads the
60,000 training digits; a user should never wait for those on a first click.
"""

from __future__ import annotations

import threading
import time

import torch
from torch import nn

from explain.core import MethodError, explain_many
from explain.registry import method_names


def preload_imports() -> None:
    """Import every library the adapters use, in the calling thread.

    Two threads importing pandas (via shap) or sklearn at the same moment can see a partially
    initialised module ("has no attribute 'Series'"): the app calls this before it starts the
    background warm-up, so the warm-up thread never imports anything new.
    """
    import pandas  # noqa: F401
    import sklearn.linear_model  # noqa: F401  (Captum's Lime/KernelShap import it lazily)

    method_names()  # imports captum.attr, shap and lime through the adapter modules


def warm_up(model: nn.Module, names: list[str] | None = None,
            stop: threading.Event | None = None) -> dict[str, float]:
    """Run each method once on a synthetic stroke; return each method's cold time in ms.

    `stop` (checked between methods) lets a background warm-up end early, e.g. at interpreter exit.
    """
    x = torch.zeros(28, 28)
    x[6:22, 12:16] = 1.0  # a thick "1": enough ink for every method to do real work
    times: dict[str, float] = {}
    for name in names or method_names():
        if stop is not None and stop.is_set():
            break
        start = time.perf_counter()
        result = explain_many(model, x, [name])[name]
        times[name] = (time.perf_counter() - start) * 1000.0
        if isinstance(result, MethodError):
            raise RuntimeError(f"warm-up of {name} failed: {result.error}")
    return times
