"""Faithfulness: does removing what a map calls important hurt the model, and adding it help?

On MNIST most pixels are black background; "removing" a pixel by setting it to zero changes
nothing there, so the replacement value is a parameter and always named: zero (black), the mean
training digit (the default, see `default_metrics`), or a blurred copy of the input.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
from captum.metrics import infidelity

from explain.baselines import make_baseline
from explain.metrics.base import Metric, Scored, score_function

REPLACEMENTS = ("zero", "mean", "blur")
STEPS = 28  # 28 pixels per step: 29 points from 0 to all 784 pixels


def _checked(replacement: str) -> str:
    if replacement not in REPLACEMENTS:
        raise ValueError(f"replacement must be one of {list(REPLACEMENTS)}, got {replacement!r}")
    return replacement


def path_images(s: Scored, replacement: str = "mean", insertion: bool = False,
                fractions: np.ndarray | None = None) -> tuple[np.ndarray, torch.Tensor]:
    """The digits along a deletion (or insertion) path in map order, one per fraction of pixels.

    Returns (fractions, images of shape (len(fractions), 1, 28, 28)).
    """
    _checked(replacement)
    fr = np.linspace(0, 1, STEPS + 1) if fractions is None else np.asarray(fractions, dtype=np.float64)
    if fr.ndim != 1 or fr.size == 0 or fr.min() < 0 or fr.max() > 1:
        raise ValueError("fractions must be a non-empty list of numbers in [0, 1]")
    x = s.x.reshape(1, 784)
    fill = make_baseline(replacement, s.x, seed=0).reshape(1, 784)
    values = torch.as_tensor(s.attribution.values, dtype=torch.float64).reshape(784)
    order = torch.argsort(values, descending=True, stable=True)
    counts = torch.from_numpy(np.round(fr * 784)).long()
    # changed[k, p] = 1 when pixel p is among the first counts[k] in the order.
    rank = torch.empty(784, dtype=torch.long)
    rank[order] = torch.arange(784)
    changed = (rank[None, :] < counts[:, None]).float()
    start, end = (fill, x) if insertion else (x, fill)
    return counts.double().numpy() / 784, (start * (1 - changed) + end * changed).reshape(-1, 1, 28, 28)


def curve(s: Scored, replacement: str = "mean", insertion: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(fractions of pixels changed, model score) as the most relevant pixels are deleted (or
    inserted) first, 28 pixels a step; all steps go through the model as one batch."""
    fractions, batch = path_images(s, replacement, insertion)
    return fractions, score_function(s.model, s.attribution.target)(batch).double().numpy()


def auc(fractions: np.ndarray, scores: np.ndarray) -> float:
    return float(np.trapezoid(scores, fractions))


class _CurveAUC(Metric):
    """Area under a deletion or insertion curve, with its replacement value in its name."""

    insertion: ClassVar[bool] = False

    def __init__(self, replacement: str = "mean") -> None:
        self.replacement = _checked(replacement)

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"{'insertion' if self.insertion else 'deletion'}_{self.replacement}"

    @property
    def description(self) -> str:  # type: ignore[override]
        if self.insertion:
            return (f"area under the score curve as the most relevant pixels are restored into a "
                    f"'{self.replacement}' image (higher is better)")
        return (f"area under the score curve as the most relevant pixels are replaced by "
                f"'{self.replacement}' first (lower is better)")

    def __call__(self, s: Scored) -> float:
        return auc(*curve(s, self.replacement, insertion=self.insertion))


class DeletionAUC(_CurveAUC):
    insertion = False
    higher_is_better = False


class InsertionAUC(_CurveAUC):
    insertion = True
    higher_is_better = True


class Infidelity(Metric):
    """Captum's infidelity (Yeh et al. 2019) with Gaussian pixel noise, scale-normalised."""

    name = "infidelity"
    higher_is_better = False
    description = "expected squared error between attribution·noise and the output change it predicts (lower is better)"

    def __init__(self, noise: float = 0.1, samples: int = 16, seed: int = 0) -> None:
        self.noise, self.samples, self.seed = noise, samples, seed

    def __call__(self, s: Scored) -> float:
        from explain.context import private_head
        from explain.core import resolve_target

        _, w = resolve_target(s.model, s.x, s.attribution.target)
        f = private_head(s.model, w)
        gen = torch.Generator().manual_seed(self.seed)
        noise = torch.randn((self.samples, 1, 28, 28), generator=gen) * self.noise
        it = iter(noise)

        def perturb(inputs: torch.Tensor):
            # Captum asks for one batch of `samples` perturbations; we hand out our seeded noise.
            n = torch.stack([next(it) for _ in range(inputs.shape[0])])
            return n, inputs - n

        attr = torch.as_tensor(s.attribution.values, dtype=torch.float32).reshape(1, 1, 28, 28)
        with torch.no_grad():
            value = infidelity(f, perturb, s.x, attr, target=0, n_perturb_samples=self.samples,
                               max_examples_per_batch=self.samples, normalize=True)
        return float(value[0])
