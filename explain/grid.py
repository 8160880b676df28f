"""Many methods over many digits, one `explain_batch` per method, under a time budget: what the
Compare page's digits × methods grid runs. The budget is checked between methods, so a request
stops with what it finished and says which methods it cut."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from explain.core import explain_batch
from explain.types import BatchAttribution


@dataclass
class GridResult:
    done: dict[str, BatchAttribution] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    cut: list[str] = field(default_factory=list)  # not run: the time budget ran out first
    seconds: float = 0.0


def explain_grid(model: nn.Module, x: Any, methods: list[str], params: dict[str, dict] | None = None, seed: int = 0,
                 budget_s: float = 30.0, progress: Callable[[str, int, int], None] | None = None,
                 run: Callable[..., BatchAttribution] = explain_batch) -> GridResult:
    """Each method on all digits (each explained for its predicted class) while the budget lasts.
    `run` is `explain_batch` or a caching wrapper with its signature."""
    if budget_s <= 0:
        raise ValueError(f"budget_s must be positive, got {budget_s!r}")
    out = GridResult()
    start = time.perf_counter()
    for k, name in enumerate(methods):
        if time.perf_counter() - start > budget_s:
            out.cut = methods[k:]
            break
        if progress:
            progress(name, k, len(methods))
        try:
            out.done[name] = run(model, x, name, None, (params or {}).get(name), seed)
        except Exception as exc:  # noqa: BLE001 - shown in that method's place
            out.errors[name] = f"{type(exc).__name__}: {exc}"
    out.seconds = time.perf_counter() - start
    return out


def seed_spread(model: nn.Module, x: Any, method: str, params: dict | None = None, seeds: int = 5
                ) -> tuple[Any, Any]:
    """A stochastic method's per-pixel mean and standard deviation over seeds 0..seeds−1 for one digit."""
    import numpy as np

    from explain.core import as_input

    if seeds < 2:
        raise ValueError(f"seeds must be at least 2, got {seeds!r}")
    xt = as_input(x)
    maps = np.stack([explain_batch(model, xt, method, None, params, s).values[0] for s in range(seeds)])
    return maps.mean(axis=0), maps.std(axis=0, ddof=1)
