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

from explain.evaluation.metrics.base import Explained, Metric
from explain.evaluation.metrics.faithfulness import auc, changed_masks, path_scores
from model.network import IMAGE_SIDE, N_PIXELS

FRACTIONS = np.round(np.arange(0.1, 0.91, 0.1), 2)  # ROAD's removal fractions: 10 … 90 %
NOISE = 0.01
CG_STEPS = 60  # Jacobi-preconditioned: within 1e-3 of Quantus's exact solve on clustered holes (tests)
DIRECT, DIAGONAL = 1 / 6, 1 / 12


def _neighbour_sum(v: torch.Tensor) -> torch.Tensor:
    """Σ weight · neighbour over the 8 neighbours inside the image (shifted sums: a 3×3 conv2d on
    one channel was ~15× slower on this CPU)."""
    p = F.pad(v.reshape(-1, IMAGE_SIDE, IMAGE_SIDE), (1, 1, 1, 1))
    s = IMAGE_SIDE
    direct = p[:, :s, 1:-1] + p[:, 2:, 1:-1] + p[:, 1:-1, :s] + p[:, 1:-1, 2:]
    diagonal = p[:, :s, :s] + p[:, :s, 2:] + p[:, 2:, :s] + p[:, 2:, 2:]
    return (DIRECT * direct + DIAGONAL * diagonal).reshape(v.shape)


def impute(x: torch.Tensor, removed: torch.Tensor, noise: float = NOISE, seed: int = 0, per_digit: int = 0
           ) -> torch.Tensor:
    """Noisy linear imputation of the `removed` pixels of each image: x, removed (M, 784) → (M, 784).
    With `per_digit` = k, the rows are digits × k images each, and every digit gets the same k noise
    draws (a digit's scores never depend on its batch-mates)."""
    x, keep = x.to(torch.float32), (~removed).to(torch.float32)
    hole = 1 - keep
    weight = _neighbour_sum(torch.ones_like(x))  # Σ of in-image neighbour weights per pixel
    known = x * keep
    b = _neighbour_sum(known) * hole  # the known neighbours' pull on each removed pixel

    def apply(v: torch.Tensor) -> torch.Tensor:  # A v on the removed pixels: (weight − W) v
        return (weight * v - _neighbour_sum(v)) * hole

    # Conjugate gradients with the diagonal (Jacobi) preconditioner, all images at once.
    v = torch.zeros_like(x)
    r = b.clone()
    z = r / weight
    p = z.clone()
    rz = (r * z).sum(dim=1, keepdim=True)
    for _ in range(CG_STEPS):
        ap = apply(p)
        alpha = rz / (p * ap).sum(dim=1, keepdim=True).clamp_min(1e-30)
        v = v + alpha * p
        r = r - alpha * ap
        z = r / weight
        rz_new = (r * z).sum(dim=1, keepdim=True)
        p = z + (rz_new / rz.clamp_min(1e-30)) * p
        rz = rz_new
    gen = torch.Generator().manual_seed(seed)
    rows = per_digit or x.shape[0]
    jitter = (torch.randn((rows, x.shape[1]), generator=gen) * noise).repeat(x.shape[0] // rows, 1)
    return known + (v + jitter) * hole


def road_curves(e: Explained, most_relevant_first: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(fractions, scores (N, F)): the model's confidence as ROAD removes each map's most (or least)
    relevant pixels first."""
    n, f = len(e.batch), len(FRACTIONS)
    removed = changed_masks(e.maps, FRACTIONS, most_first=most_relevant_first).reshape(n * f, N_PIXELS)
    x = e.x.reshape(n, 1, N_PIXELS).expand(n, f, N_PIXELS).reshape(n * f, N_PIXELS)
    images = impute(x, removed, seed=e.batch.seed, per_digit=f).reshape(n, f, 1, IMAGE_SIDE, IMAGE_SIDE)
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
    description = ("the model's confidence while the most relevant pixels are filled in from their neighbours "
                   "(ROAD, Rong et al. 2022: the hole's shape gives nothing away)")


class RoadLeRF(RoadAUC):
    name = "road_lerf"
    label = "ROAD, least relevant first"
    higher_is_better = True
    most_relevant_first = False
    description = ("the model's confidence while the least relevant pixels are filled in from their neighbours "
                   "(ROAD): a good map leaves the answer standing")
