"""Across training seeds: one method's map of one digit from several models that differ only in seed,
and its per-pixel mean and standard deviation — how much of a map is the data and how much the luck of
the initialisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from explain.core import as_input, explain_batch


@dataclass(frozen=True)
class SeedSpread:
    maps: np.ndarray  # (S, 28, 28) one map per model
    mean: np.ndarray  # (28, 28)
    std: np.ndarray  # (28, 28) population std across the S models
    predictions: np.ndarray  # (S,) each model's predicted class
    target: int  # the class every map explains

    @property
    def relative_spread(self) -> float:
        """Mean std over the mean |mean| of the pixels: ~0 when every seed draws the same map."""
        scale = float(np.abs(self.mean).mean())
        return float(self.std.mean() / scale) if scale > 0 else float("nan")


def seed_spread(models: Sequence[nn.Module], x: np.ndarray | torch.Tensor, method: str, target: int | None = None,
                seed: int = 0) -> SeedSpread:
    """Explain `x` with `method` on each model for one common target (default: the class most models
    predict), then the per-pixel mean and std. One batched call per model (their weights differ)."""
    if len(models) < 2:
        raise ValueError(f"a spread needs at least 2 models, got {len(models)}")
    xt = as_input(x)
    with torch.no_grad():
        preds = np.array([int(m(xt).argmax(dim=1)) for m in models], dtype=np.int64)
    if target is None:
        target = int(np.bincount(preds, minlength=10).argmax())
    maps = np.stack([explain_batch(m, xt, method, [target], seed=seed).values[0] for m in models])
    return SeedSpread(maps, maps.mean(axis=0), maps.std(axis=0), preds, int(target))
