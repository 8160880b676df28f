"""Does an input look like a handwritten digit at all? An out-of-distribution score.

The score is the Mahalanobis distance of the last hidden layer's activations to the nearest class
mean (shared covariance, Lee et al. 2018), computed from the training digits. The threshold is the
training digits' own 99th percentile, so about 1 % of real digits are flagged; the tests measure
that rate on the 10,000 test digits and the rate on made-up non-digits (noise, shapes, letters,
textures). A model always answers one of 0–9; this says when that answer is a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explain.activations import dataset_activations
from model.network import MLP

QUANTILE = 0.99  # of training digits below the threshold


@dataclass(frozen=True)
class DigitLikeness:
    """Class means and the inverse shared covariance of the last hidden layer, and the threshold."""

    means: np.ndarray  # (10, units)
    precision: np.ndarray  # (units, units)
    threshold: float
    layer: str

    def scores(self, model: MLP, x: torch.Tensor) -> np.ndarray:
        """One score per digit (N, 1, 28, 28) or (N, 28, 28): higher is less like a digit."""
        h = dataset_activations(model, torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28))[self.layer]
        d = h[:, None, :] - self.means[None]  # (N, 10, units)
        return np.sqrt(np.einsum("nku,uv,nkv->nk", d, self.precision, d).min(axis=1))

    def flags(self, model: MLP, x: torch.Tensor) -> np.ndarray:
        return self.scores(model, x) > self.threshold


def fit_digit_likeness(model: MLP, images: torch.Tensor, labels: torch.Tensor, quantile: float = QUANTILE
                       ) -> DigitLikeness:
    """Fit on training digits: class means, shared covariance (ridged), threshold at `quantile`."""
    if not 0.5 <= quantile < 1:
        raise ValueError(f"quantile must be in [0.5, 1), got {quantile!r}")
    acts = dataset_activations(model, images)
    layer = list(acts)[-1]
    h, y = acts[layer].astype(np.float64), np.asarray(labels)
    means = np.stack([h[y == c].mean(axis=0) for c in range(10)])
    centred = h - means[y]
    cov = centred.T @ centred / len(h) + 1e-3 * np.eye(h.shape[1])  # ridge: dead units have no variance
    fitted = DigitLikeness(means, np.linalg.inv(cov), float("inf"), layer)
    threshold = float(np.quantile(fitted.scores(model, images), quantile))
    return DigitLikeness(means, fitted.precision, threshold, layer)
