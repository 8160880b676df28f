"""Score every method over many test digits: the dataset leaderboard behind the CLI and the app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from explain.core import MethodError, as_input, explain
from explain.metrics import Metric, Scored, default_metrics
from explain.registry import get_method
from explain.types import Attribution
from explain.sanity import random_map, sobel_map

CONTROLS = ("control_random", "control_sobel")


@dataclass(frozen=True)
class LeaderboardConfig:
    methods: tuple[str, ...]
    n: int = 100
    seed: int = 0
    replacement: str = "mean"
    sensitivity_every: int = 10  # max-sensitivity re-explains the digit 4×: score every k-th digit
    controls: bool = True

    def __post_init__(self) -> None:
        for m in self.methods:
            get_method(m)
        if not 1 <= self.n <= 10_000:
            raise ValueError(f"n must be in 1..10000, got {self.n}")
        if self.sensitivity_every < 1:
            raise ValueError(f"sensitivity_every must be ≥ 1, got {self.sensitivity_every}")


def stratified_indices(labels: torch.Tensor, n: int, seed: int) -> list[int]:
    """n test indices, as equal a share of each class as n allows, drawn by `seed`."""
    gen = torch.Generator().manual_seed(seed)
    per_class = [torch.nonzero(labels == c).reshape(-1) for c in range(10)]
    shuffled = [p[torch.randperm(len(p), generator=gen)] for p in per_class]
    out: list[int] = []
    for c in range(10):
        take = n // 10 + (1 if c < n % 10 else 0)
        out.extend(int(i) for i in shuffled[c][:take])
    return sorted(out)


def score(model: nn.Module, x: torch.Tensor, attribution, metrics: list[Metric]) -> dict[str, float]:
    s = Scored(model, x, attribution)
    return {m.name: float(m(s)) for m in metrics}


def control_attribution(x: torch.Tensor, name: str, seed: int, like: Attribution) -> Attribution:
    """A control map (uniform noise, or the input's Sobel edges) dressed as `like`'s result."""
    if name not in CONTROLS:
        raise ValueError(f"unknown control {name!r}; use one of {list(CONTROLS)}")
    values = random_map(seed) if name == "control_random" else sobel_map(x)
    return replace(like, values=values, method=name, completeness_gap=None, baseline_output=None, runtime_ms=0.0)


def digit_scores(model: nn.Module, x, config: LeaderboardConfig, with_sensitivity: bool
                 ) -> dict[str, dict[str, float] | MethodError]:
    """Every configured method (and control) on one digit: metric name → value, plus runtime_ms."""
    xt = as_input(x)
    metrics = default_metrics(config.replacement, sensitivity=with_sensitivity)
    plain = default_metrics(config.replacement, sensitivity=False)
    out: dict[str, dict[str, float] | MethodError] = {}
    reference = None
    for name in config.methods:
        try:
            start = time.perf_counter()
            a = explain(model, xt, name, seed=config.seed)
            runtime = (time.perf_counter() - start) * 1000
            out[name] = {**score(model, xt, a, metrics), "runtime_ms": runtime}
            reference = reference or a
        except Exception as exc:  # noqa: BLE001 - one failing method must not end a long run
            out[name] = MethodError(name, f"{type(exc).__name__}: {exc}")
    if config.controls:
        like = reference or explain(model, xt, "saliency")
        for name in CONTROLS:
            out[name] = score(model, xt, control_attribution(xt, name, config.seed, like), plain)
    return out


def aggregate(per_digit: list[dict[str, dict[str, float] | MethodError]]) -> list[dict[str, object]]:
    """Mean and 95 % confidence half-width of each metric per method; median runtime; error count."""
    rows = []
    names = list(per_digit[0]) if per_digit else []
    for name in names:
        ok = [d[name] for d in per_digit if isinstance(d.get(name), dict)]
        errors = sum(isinstance(d.get(name), MethodError) for d in per_digit)
        spec = None if name in CONTROLS else get_method(name)
        row: dict[str, object] = {
            "method": name, "library": spec.library if spec else "control", "family": spec.family if spec else "control",
            "n": len(ok), "errors": errors,
        }
        keys = sorted({k for d in ok for k in d if k != "runtime_ms"})
        for k in keys:
            v = np.array([d.get(k, np.nan) for d in ok], dtype=float)
            v = v[~np.isnan(v)]
            row[f"{k}_mean"] = float(v.mean()) if v.size else float("nan")
            row[f"{k}_ci95"] = float(1.96 * v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
        times = [d["runtime_ms"] for d in ok if "runtime_ms" in d]
        row["runtime_ms_median"] = float(np.median(times)) if times else float("nan")
        rows.append(row)
    return rows


def run_leaderboard(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, config: LeaderboardConfig,
                    progress: Callable[[int, int], None] | None = None) -> list[dict[str, object]]:
    indices = stratified_indices(labels, config.n, config.seed)
    per_digit = []
    for k, i in enumerate(indices):
        per_digit.append(digit_scores(model, images[i], config, with_sensitivity=k % config.sensitivity_every == 0))
        if progress:
            progress(k + 1, len(indices))
    return aggregate(per_digit)
