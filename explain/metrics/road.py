"""ROAD (Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy for Attribution Methods"):
remove pixels by noisy linear imputation instead of a fixed fill, so the model cannot tell from the
shape of the hole which pixels were removed.

Each removed pixel becomes the weighted mean of its 8 neighbours (1/6 direct, 1/12 diagonal), the
known pixels held fixed, plus N(0, 0.01²) noise: Quantus's `noisy_linear_imputation`, which solves
one sparse system per image. Here every image of every digit and fraction is solved at once by
conjugate gradients on the masked stencil (the system is symmetric positive definite while one
pixel is kept), and a test checks it against Quantus's solver.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from explain.metrics.base import Explained, Metric
from explain.metrics.faithfulness import auc, changed_masks, path_scores
from model.network import IMAGE_SIDE, N_PIXELS

FRACTIONS = np.round(np.arange(0.1, 0.91, 0.1), 2)  # ROAD's removal fractions: 10 … 90 %
NOISE = 0.01
CG_STEPS = 80  # residual below 1e-6 of the right-hand side on 28×28 holes (checked against Quantus)
_STENCIL = torch.tensor([[1 / 12, 1 / 6, 1 / 12], [1 / 6, 0.0, 1 / 6], [1 / 12, 1 / 6, 1 / 12]]).reshape(1, 1, 3, 3)


def _neighbour_sum(v: torch.Tensor) -> torch.Tensor:
    return F.conv2d(v.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE), _STENCIL.to(v.dtype), padding=1).reshape(v.shape)


def impute(x: torch.Tensor, removed: torch.Tensor, noise: float = NOISE, seed: int = 0) -> torch.Tensor:
    """Noisy linear imputation of the `removed` pixels of each image: x, removed (M, 784) → (M, 784)."""
    x, keep = x.to(torch.float64), (~removed).to(torch.float64)
    weight = _neighbour_sum(torch.ones_like(x))  # Σ of in-image neighbour weights per pixel
    known = x * keep
    b = _neighbour_sum(known) * (1 - keep)  # the known neighbours' pull on each removed pixel

    def apply(v: torch.Tensor) -> torch.Tensor:  # A v on the removed pixels: (weight − W) v
        v = v * (1 - keep)
        return (weight * v - _neighbour_sum(v)) * (1 - keep)

    v = torch.zeros_like(x)
    r = b.clone()
    p = r.clone()
    rr = (r * r).sum(dim=1, keepdim=True)
    for _ in range(CG_STEPS):
        ap = apply(p)
        alpha = rr / (p * ap).sum(dim=1, keepdim=True).clamp_min(1e-30)
        v = v + alpha * p
        r = r - alpha * ap
        rr_new = (r * r).sum(dim=1, keepdim=True)
        p = r + (rr_new / rr.clamp_min(1e-30)) * p
        rr = rr_new
    gen = torch.Generator().manual_seed(seed)
    jitter = torch.randn(x.shape, generator=gen, dtype=torch.float64) * noise
    return (known + (v + jitter) * (1 - keep)).to(torch.float32)


def road_curves(e: Explained, most_relevant_first: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(fractions, scores (N, F)): the model's confidence as ROAD removes each map's most (or least)
    relevant pixels first."""
    n, f = len(e.batch), len(FRACTIONS)
    removed = changed_masks(e.maps, FRACTIONS, most_first=most_relevant_first).reshape(n * f, N_PIXELS)
    x = e.x.reshape(n, 1, N_PIXELS).expand(n, f, N_PIXELS).reshape(n * f, N_PIXELS)
    images = impute(x, removed, seed=e.batch.seed).reshape(n, f, 1, IMAGE_SIDE, IMAGE_SIDE)
    return FRACTIONS, path_scores(e, images)


class RoadAUC(Metric):
    """Area under the ROAD curve over 10–90 % removed, most relevant first (lower is better) or
    least relevant first (higher is better)."""

    most_relevant_first: ClassVar[bool] = True

    def scores(self, e: Explained) -> np.ndarray:
        fr, sc = road_curves(e, self.most_relevant_first)
        return auc(fr, sc) / (fr[-1] - fr[0])  # mean confidence over the removal range


class RoadMoRF(RoadAUC):
    name = "road_morf"
    label = "ROAD, most relevant first"
    higher_is_better = False
    most_relevant_first = True
    description = "model confidence as the most relevant pixels are imputed away (ROAD; lower is better)"


class RoadLeRF(RoadAUC):
    name = "road_lerf"
    label = "ROAD, least relevant first"
    higher_is_better = True
    most_relevant_first = False
    description = "model confidence as the least relevant pixels are imputed away (ROAD; higher is better)"
