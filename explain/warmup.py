"""One importer for the heavy explainer libraries, and paying every method's one-off costs up front.

Importing captum, shap, lime and sklearn takes seconds, and two threads importing pandas (via shap)
or sklearn at the same moment can see a partially initialised module ("has no attribute 'Series'").
So every heavy import goes through `ensure_imported`, which holds one process-wide lock: a
background importer thread takes the groups one by one, and a page that needs a group before the
importer got to it simply waits for that group (the import itself then is a no-op).
"""

from __future__ import annotations

import importlib
import threading
import time

import torch
from torch import nn
from model.network import IMAGE_SIDE

# Process-wide, like model.rng's lock: serialises imports, holds no data.
IMPORT_LOCK = threading.RLock()
# In the order the app needs them: the fast gradient maps first, then the rest.
IMPORT_GROUPS: dict[str, tuple[str, ...]] = {
    "captum": ("captum.attr",),
    "pandas": ("pandas", "pyarrow"),  # st.dataframe converts through them
    "sklearn": ("sklearn.linear_model",),  # Captum's Lime/KernelShap import it lazily
    "shap": ("shap",),
    "lime": ("lime.lime_image", "skimage.segmentation"),
}


def ensure_imported(*groups: str) -> None:
    """Import these groups (all when none are named) under the one import lock; cheap once done."""
    for group in groups or tuple(IMPORT_GROUPS):
        if group not in IMPORT_GROUPS:
            raise ValueError(f"unknown import group {group!r}; known: {', '.join(IMPORT_GROUPS)}")
        with IMPORT_LOCK:  # one group per hold, so a waiting page gets its turn between groups
            for module in IMPORT_GROUPS[group]:
                importlib.import_module(module)


def imported(*groups: str) -> bool:
    """Whether every module of these groups (all when none are named) is already imported."""
    import sys

    return all(m in sys.modules for g in groups or tuple(IMPORT_GROUPS) for m in IMPORT_GROUPS[g])


def preload_imports() -> None:
    """Import every library the adapters use, in the calling thread (kept for scripts and tests)."""
    ensure_imported()
    from explain.registry import method_names

    method_names()


def warm_up(model: nn.Module, names: list[str] | None = None,
            stop: threading.Event | None = None) -> dict[str, float]:
    """Run each method once on a synthetic stroke; return each method's cold time in ms.

    `stop` (checked between methods) lets a background warm-up end early, e.g. at interpreter exit.
    """
    from explain.core import MethodError, explain_many
    from explain.registry import method_names

    x = torch.zeros(IMAGE_SIDE, IMAGE_SIDE)
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


def import_and_warm_up(model: nn.Module, stop: threading.Event | None = None) -> None:
    """The background importer's whole job: each import group in order, then every method once."""
    for group in IMPORT_GROUPS:
        if stop is not None and stop.is_set():
            return
        ensure_imported(group)
    warm_up(model, None, stop)
