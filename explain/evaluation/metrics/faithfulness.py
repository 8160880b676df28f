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
from explain.context import private_head
from explain.core import resolve_targets
from explain.evaluation.metrics.base import Explained, Metric, Scored, target_probabilities
from model.network import IMAGE_SIDE, N_CLASSES, N_PIXELS

REPLACEMENTS = ("zero", "mean", "blur")  # what a deleted pixel becomes (fixed fills)
# What each replacement means, in words a newcomer reads next to the metric.
FILLS = {"zero": "an all-black picture", "mean": "the mean training digit", "blur": "a blurred copy of the digit"}
STEPS = IMAGE_SIDE  # a row's worth (28 pixels) per step: 29 points from 0 to all 784 pixels


def checked_replacement(replacement: str) -> str:
    if replacement not in REPLACEMENTS:
        raise ValueError(f"replacement must be one of {list(REPLACEMENTS)}, got {replacement!r}")
    return replacement


def _fractions(fractions: np.ndarray | None) -> np.ndarray:
    fr = np.linspace(0, 1, STEPS + 1) if fractions is None else np.asarray(fractions, dtype=np.float64)
    if fr.ndim != 1 or fr.size == 0 or fr.min() < 0 or fr.max() > 1:
        raise ValueError("fractions must be a non-empty list of numbers in [0, 1]")
    return fr


def changed_masks(maps: np.ndarray, fractions: np.ndarray, most_first: bool = True) -> torch.Tensor:
    """(N, F, 784) bool: pixel p is among the first round(f·784) in each map's order."""
    values = torch.as_tensor(maps, dtype=torch.float64).reshape(-1, N_PIXELS)
    order = torch.argsort(values, dim=1, descending=most_first, stable=True)
    rank = torch.empty_like(order, dtype=torch.int16)
    rank.scatter_(1, order, torch.arange(N_PIXELS, dtype=torch.int16).expand_as(order).contiguous())
    counts = torch.from_numpy(np.round(fractions * N_PIXELS)).to(torch.int16)
    return rank[:, None, :] < counts[None, :, None]


def path_batch(e: Explained, replacement: str = "mean", insertion: bool = False,
               fractions: np.ndarray | None = None) -> tuple[np.ndarray, torch.Tensor]:
    """The digits along each deletion (or insertion) path in map order: (fractions, (N, F, 1, 28, 28))."""
    checked_replacement(replacement)
    fr = _fractions(fractions)
    x = e.x.reshape(-1, 1, N_PIXELS)
    fill = make_baseline(replacement, e.x, seed=0).reshape(-1, 1, N_PIXELS)
    # The same pixel order serves deletion and insertion under every replacement: sort once per batch.
    key = ("changed_masks", fr.tobytes())
    if key not in e.memo:
        e.memo[key] = changed_masks(e.maps, fr)
    changed = e.memo[key]
    start, end = (fill, x) if insertion else (x, fill)
    images = torch.where(changed, end, start)  # one pass, no float masks (the curves' main cost)
    counts = np.round(fr * N_PIXELS) / N_PIXELS
    return counts, images.reshape(x.shape[0], len(fr), 1, IMAGE_SIDE, IMAGE_SIDE)


def path_images(s: Scored, replacement: str = "mean", insertion: bool = False,
                fractions: np.ndarray | None = None) -> tuple[np.ndarray, torch.Tensor]:
    """One digit's path: (fractions, images (F, 1, 28, 28))."""
    fr, images = path_batch(s.as_batch(), replacement, insertion, fractions)
    return fr, images[0]


@torch.no_grad()
def path_scores(e: Explained, images: torch.Tensor) -> np.ndarray:
    """(N, F, 1, 28, 28) path images → (N, F) confidence in each digit's explained target."""
    n, f = images.shape[:2]
    logits = e.model(images.reshape(n * f, 1, IMAGE_SIDE, IMAGE_SIDE))
    targets = [t for t in e.batch.targets for _ in range(f)]
    return target_probabilities(logits, targets).double().reshape(n, f).numpy()


def curves(e: Explained, replacement: str = "mean", insertion: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(fractions, scores (N, F)) as the most relevant pixels are deleted (or inserted) first,
    28 pixels a step; every step of every digit goes through the model as one batch."""
    fractions, images = path_batch(e, replacement, insertion)
    return fractions, path_scores(e, images)


def curve(s: Scored, replacement: str = "mean", insertion: bool = False) -> tuple[np.ndarray, np.ndarray]:
    fractions, scores = curves(s.as_batch(), replacement, insertion)
    return fractions, scores[0]


def auc(fractions: np.ndarray, scores: np.ndarray) -> np.ndarray | float:
    return np.trapezoid(scores, fractions, axis=-1)


class CurveAUC(Metric):
    """Area under a deletion or insertion curve, with its replacement value in its name."""

    insertion: ClassVar[bool] = False

    def __init__(self, replacement: str = "mean") -> None:
        self.replacement = checked_replacement(replacement)

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"{'insertion' if self.insertion else 'deletion'}_{self.replacement}"

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"{'Insertion' if self.insertion else 'Deletion'} AUC ({self.replacement} fill)"

    @property
    def description(self) -> str:  # type: ignore[override]
        if self.insertion:
            return (f"the model's average confidence while the map's most relevant pixels are put back, most "
                    f"relevant first, into {FILLS[self.replacement]}")
        return (f"the model's average confidence while the map's most relevant pixels are deleted (taken from "
                f"{FILLS[self.replacement]}), most relevant first: a good map makes it fall fast")

    def scores(self, e: Explained) -> np.ndarray:
        return auc(*curves(e, self.replacement, insertion=self.insertion))


class DeletionAUC(CurveAUC):
    insertion = False
    higher_is_better = False


class InsertionAUC(CurveAUC):
    insertion = True
    higher_is_better = True


class Infidelity(Metric):
    """Captum's infidelity (Yeh et al. 2019) with Gaussian pixel noise, scale-normalised."""

    name = "infidelity"
    label = "Infidelity"
    higher_is_better = False
    description = ("how badly the map predicts what small random pixel noise does to the output: the mean squared "
                   "error between map·noise and the real change (Yeh et al. 2019)")

    def __init__(self, noise: float = 0.1, samples: int = 16, seed: int = 0) -> None:
        self.noise, self.samples, self.seed = noise, samples, seed

    def scores(self, e: Explained) -> np.ndarray:
        _, rows = resolve_targets(torch.zeros(len(e.batch), N_CLASSES), list(e.batch.targets))
        heads, column = torch.unique(rows, dim=0, return_inverse=True)
        f = private_head(e.model, heads)
        gen = torch.Generator().manual_seed(self.seed)
        # The same seeded noise for every digit: a digit's score never depends on its batch-mates.
        noise = torch.randn((self.samples, 1, IMAGE_SIDE, IMAGE_SIDE), generator=gen) * self.noise

        def perturb(inputs: torch.Tensor):
            # One call (max_examples_per_batch below): Captum repeats each digit `samples` times,
            # digit-major, and asks for their perturbations.
            n = noise.repeat(len(e.batch), 1, 1, 1)
            return n, inputs - n

        attr = torch.as_tensor(e.maps, dtype=torch.float32).reshape(e.x.shape)
        with torch.no_grad():
            value = infidelity(f, perturb, e.x, attr, target=column, n_perturb_samples=self.samples,
                               max_examples_per_batch=len(e.batch) * self.samples, normalize=True)
        return value.double().numpy()
