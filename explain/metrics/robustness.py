"""Robustness: how much a map changes when the digit changes imperceptibly (Captum sensitivity_max)."""

from __future__ import annotations

import numpy as np
import torch
from captum.metrics import sensitivity_max

from explain.metrics.base import Metric, Scored


class MaxSensitivity(Metric):
    name = "max_sensitivity"
    higher_is_better = False
    description = ("largest relative change ‖Δmap‖ / ‖map‖ over uniform input noise of ±0.02 "
                   "(Yeh et al. 2019; lower is better)")

    def __init__(self, radius: float = 0.02, samples: int = 4) -> None:
        self.radius, self.samples = radius, samples

    def __call__(self, s: Scored) -> float:
        from explain.core import explain

        a = s.attribution

        def explanation(inputs):
            batch = inputs[0] if isinstance(inputs, tuple) else inputs  # Captum passes a 1-tuple
            maps = np.stack([explain(s.model, xi.clamp(0, 1), a.method, a.target, a.params, a.seed).values
                             for xi in batch])
            out = torch.from_numpy(maps).float().reshape(batch.shape)
            return (out,) if isinstance(inputs, tuple) else out

        gen = torch.Generator().manual_seed(a.seed)

        def perturb(inputs: torch.Tensor, radius: float) -> torch.Tensor:
            noise = (torch.rand(inputs.shape, generator=gen) * 2 - 1) * radius
            return (inputs + noise).clamp(0, 1)

        value = sensitivity_max(explanation, s.x, perturb_func=perturb, perturb_radius=self.radius,
                                n_perturb_samples=self.samples, max_examples_per_batch=self.samples)
        return float(value[0])
