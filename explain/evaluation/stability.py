"""Explanation robustness: how far each method's map moves under a small change that keeps the prediction.

For a handful of noisy copies of the digit (uniform noise of ±radius, seeded, kept only if the
model's prediction does not change), each method's map is compared with the map of the clean
digit by top-k overlap and Spearman rank correlation, next to Captum's max-sensitivity. A method
whose map moves although the model's answer did not is explaining noise. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from explain.core import as_input, explain_batch
from explain.evaluation.agreement import spearman, top_k_overlap
from explain.evaluation.metrics.base import Scored
from explain.evaluation.metrics.robustness import MaxSensitivity
from explain.registry import get_method
from model.network import IMAGE_SIDE


@dataclass(frozen=True)
class StabilityConfig:
    radius: float = 0.02  # L∞ size of the noise (the radius max-sensitivity uses too)
    samples: int = 4  # noisy copies that keep the prediction
    fraction: float = 0.1  # top-k overlap over this share of the pixels
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.radius, int | float) or not 0 < self.radius <= 0.5:
            raise ValueError(f"radius must be in (0, 0.5], got {self.radius!r}")
        if not isinstance(self.samples, int) or not 1 <= self.samples <= 64:
            raise ValueError(f"samples must be an integer in 1..64, got {self.samples!r}")
        if not 0 < self.fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {self.fraction!r}")


@dataclass(frozen=True)
class StabilityRow:
    method: str
    display: str
    top_k_overlap: float  # mean over the noisy copies, 1 = same top pixels
    spearman: float  # mean rank correlation with the clean map, 1 = same order
    max_sensitivity: float  # Captum's sensitivity_max (lower is steadier)
    samples: int

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "display": self.display, "top_k_overlap": self.top_k_overlap,
                "spearman": self.spearman, "max_sensitivity": self.max_sensitivity, "samples": self.samples}


def keeping_perturbations(model: nn.Module, x: Any, config: StabilityConfig) -> torch.Tensor:
    """Up to `samples` noisy copies (K, 1, 28, 28) in [0, 1] that the model still reads as x."""
    xt = as_input(x)
    gen = torch.Generator().manual_seed(config.seed)
    pool = config.samples * 4  # drawn in one batch; most keep the prediction at this radius
    noise = (torch.rand((pool, 1, IMAGE_SIDE, IMAGE_SIDE), generator=gen) * 2 - 1) * config.radius
    noisy = (xt + noise).clamp(0, 1)
    with torch.no_grad():
        keep = model(noisy).argmax(1) == model(xt).argmax(1)
    return noisy[keep][: config.samples]


def map_stability(model: nn.Module, x: Any, methods: list[str], config: StabilityConfig | None = None
                  ) -> list[StabilityRow]:
    """Per method: top-k overlap, rank correlation and max-sensitivity of its map under small noise."""
    config = config or StabilityConfig()
    xt = as_input(x)
    copies = keeping_perturbations(model, xt, config)
    if copies.shape[0] == 0:
        raise ValueError(f"every perturbation of radius {config.radius} changed the prediction; use a smaller one")
    rows = []
    batch = torch.cat([xt, copies])
    for name in methods:
        spec = get_method(name)
        # The clean digit and its noisy copies in one batched call, all explaining the clean
        # prediction (the copies keep it, so each map answers the same question).
        maps = explain_batch(model, batch, name, None, None, config.seed)
        clean, moved = maps.values[0], maps.values[1:]
        rows.append(StabilityRow(
            spec.name, spec.display,
            float(np.mean([top_k_overlap(clean, m, config.fraction) for m in moved])),
            float(np.mean([spearman(clean, m) for m in moved])),
            float(MaxSensitivity(config.radius, config.samples)(Scored(model, xt, maps[0]))),
            int(copies.shape[0]),
        ))
    return rows
