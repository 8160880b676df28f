"""Paying every method's one-off costs up front: the background importer's whole job.

The imports themselves go through explain/imports.py (a leaf module: the registry and the adapters
import it, and this module imports them).
"""

from __future__ import annotations

import threading
import time

import torch
from torch import nn

from explain.core import MethodError, explain_many
from explain.imports import IMPORT_GROUPS, ensure_imported
from explain.registry import method_names
from model.network import IMAGE_SIDE


def preload_imports() -> None:
    """Import every library the adapters use, in the calling thread (kept for scripts and tests)."""
    ensure_imported()
    method_names()


def warm_up(model: nn.Module, names: list[str] | None = None,
            stop: threading.Event | None = None) -> dict[str, float]:
    """Run each method once on a synthetic stroke; return each method's cold time in ms.

    `stop` (checked between methods) lets a background warm-up end early, e.g. at interpreter exit.
    """
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


def import_and_warm_up(model: nn.Module, stop: threading.Event | None = None, first_calls: bool = True) -> None:
    """The background importer's whole job: each import group in order, then (with `first_calls`) every
    method once."""
    for group in IMPORT_GROUPS:
        if stop is not None and stop.is_set():
            return
        ensure_imported(group)
    if first_calls:
        warm_up(model, None, stop)
