"""Robustness: how much a map changes when the digit changes imperceptibly (max-sensitivity)."""

from __future__ import annotations

import numpy as np
import torch

from explain.evaluation.metrics.base import Explained, Metric


class MaxSensitivity(Metric):
    """max over noisy copies of ‖map(x + δ) − map(x)‖ / ‖map(x)‖ (Yeh et al. 2019), as Captum's
    `sensitivity_max` defines it, with every noisy copy of the whole batch re-explained at once."""

    name = "max_sensitivity"
    label = "Max-sensitivity"
    higher_is_better = False
    re_explains = True
    description = ("the largest relative change of the map, ‖Δmap‖ / ‖map‖, when the input gets invisible "
                   "noise of ±0.02 per pixel (Yeh et al. 2019): a stable map barely moves")

    def __init__(self, radius: float = 0.02, samples: int = 4) -> None:
        self.radius, self.samples = radius, samples

    def scores(self, e: Explained) -> np.ndarray:
        from explain.core import explain_batch  # metrics sit below the verb; this one calls it back

        b = e.batch
        gen = torch.Generator().manual_seed(b.seed)
        # The same noise for every digit: a digit's score never depends on its batch-mates.
        noise = (torch.rand((self.samples, 1, *e.x.shape[1:]), generator=gen) * 2 - 1) * self.radius
        norm = np.linalg.norm(e.maps, axis=1)
        worst = np.zeros(len(b))
        for delta in noise:
            again = explain_batch(e.model, (e.x + delta).clamp(0, 1), b.method, list(b.targets), b.params, b.seed)
            change = np.linalg.norm(again.values.reshape(len(b), -1) - e.maps, axis=1)
            worst = np.maximum(worst, change / np.where(norm == 0, 1, norm))
        return worst
