"""Sanity checks (Adebayo et al. 2018): does a map depend on the model and on the class at all?

Randomising the weights should change a faithful map beyond recognition; a method whose map
barely changes is mostly showing the input (an edge detector would do as well). Control maps
(random noise, a Sobel edge map) give every metric a floor to beat.

What the checks find on the bundled MLP is measured where it is shown, not written here: the
Evaluate page's Sanity tab runs `cascade_many` over 100 test digits with 95 % intervals, and the
tests check the order the paper predicts (gradient methods fall further than Guided Backprop). In an
MLP the first layer is where the image structure lives, so randomising it drops every method.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage
from skimage.metrics import structural_similarity
from torch import nn

from explain.core import as_input, explain
from explain.evaluation.agreement import spearman
from explain.stopping import ShouldStop, stopped
from model.network import IMAGE_SIDE, MLP


@dataclass(frozen=True, eq=False)
class SanityRow:
    method: str
    randomised: str  # e.g. "out", "out+fc2", or "random logit"
    spearman: float  # rank correlation of the signed map with the original
    spearman_abs: float  # the same on |map|: on MNIST dominated by where the ink is for ×input methods
    ssim: float  # structural similarity of the min-max normalised |maps|
    values: np.ndarray | None = None  # the map after randomisation


def linear_layers_top_down(model: MLP) -> list[str]:
    """The network's Linear layers from the output back to the input: the cascade's order."""
    return [name for name, m in reversed(list(model.net.named_children())) if isinstance(m, nn.Linear)]


def randomised(model: MLP, layers: list[str], seed: int = 0) -> MLP:
    """A copy of `model` with `layers` re-initialised as PyTorch initialises a fresh Linear."""
    clone = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name in layers:
            layer = clone.layer(name)
            if not isinstance(layer, nn.Linear):
                raise ValueError(f"layer {name!r} is not a Linear layer")
            bound = 1.0 / math.sqrt(layer.in_features)
            layer.weight.uniform_(-bound, bound, generator=gen)
            layer.bias.uniform_(-bound, bound, generator=gen)
    return clone.eval()


def _norm_abs(values: np.ndarray) -> np.ndarray:
    a = np.abs(values)
    span = a.max() - a.min()
    return (a - a.min()) / span if span > 0 else np.zeros_like(a)


def similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(Spearman of a vs b, Spearman of |a| vs |b|, SSIM of the normalised |maps|)."""
    ssim = structural_similarity(_norm_abs(a), _norm_abs(b), data_range=1.0, win_size=7)
    return spearman(a, b), spearman(np.abs(a), np.abs(b)), float(ssim)


def cascade(model: MLP, x, method: str, target: int | None = None, seed: int = 0,
            independent: bool = False) -> list[SanityRow]:
    """Randomise layers top-down, cumulatively (or one at a time if `independent`); compare maps.

    The target stays the class explained on the trained model, so only the weights change.
    """
    xt = as_input(x)
    original = explain(model, xt, method, target, seed=seed)
    rows: list[SanityRow] = []
    layers = linear_layers_top_down(model)
    for k, name in enumerate(layers, start=1):
        chosen = [name] if independent else layers[:k]
        rand = randomised(model, chosen, seed=seed + k).requires_grad_(False)
        values = explain(rand, xt, method, original.target, seed=seed).values
        rows.append(SanityRow(method, "+".join(chosen), *similarity(original.values, values), values=values))
    return rows


def random_logit(model: MLP, x, method: str, seed: int = 0) -> SanityRow:
    """Explain a random class other than the predicted one; a class-sensitive map should change."""
    xt = as_input(x)
    original = explain(model, xt, method, None, seed=seed)
    others = [c for c in range(10) if c != original.target]
    other = others[np.random.default_rng(seed).integers(len(others))]
    values = explain(model, xt, method, other, seed=seed).values
    return SanityRow(method, f"random logit ({other})", *similarity(original.values, values), values=values)


def random_map(seed: int = 0) -> np.ndarray:
    """Control: a map of uniform noise in [−1, 1]."""
    return np.random.default_rng(seed).uniform(-1, 1, size=(IMAGE_SIDE, IMAGE_SIDE))


def sobel_map(x) -> np.ndarray:
    """Control: the input's edge magnitude, a map that knows nothing about the model."""
    img = as_input(x).reshape(IMAGE_SIDE, IMAGE_SIDE).numpy().astype(np.float64)
    return np.hypot(ndimage.sobel(img, axis=0), ndimage.sobel(img, axis=1))


@dataclass(frozen=True)
class CascadeSummary:
    """Cascading randomisation over many digits: per step, the mean signed Spearman with the
    trained model's maps and its 95 % confidence half-width."""

    method: str
    steps: tuple[str, ...]  # e.g. ("out", "out+fc2", "out+fc2+fc1")
    mean: np.ndarray
    ci95: np.ndarray
    n: int
    cut: tuple[str, ...] = ()  # steps not computed: `should_stop` said stop first


def cascade_many(model: MLP, x: torch.Tensor, method: str, seed: int = 0, independent: bool = False,
                 should_stop: ShouldStop | None = None) -> CascadeSummary:
    """`cascade` for N digits (N, 1, 28, 28), one `explain_batch` per randomisation step.
    `should_stop` is asked before each step; the steps it cuts are named in `cut`."""
    from explain.core import explain_batch
    from explain.evaluation.agreement import unit_ranks

    original = explain_batch(model, x, method, seed=seed)
    targets = list(original.targets)
    layers = linear_layers_top_down(model)
    base = unit_ranks(original.values)
    steps, means, cis = [], [], []
    cut: list[str] = []
    for k, name in enumerate(layers, start=1):
        chosen = [name] if independent else layers[:k]
        if cut or stopped(should_stop):
            cut.append("+".join(chosen))
            continue
        rand = randomised(model, chosen, seed=seed + k).requires_grad_(False)
        rho = (unit_ranks(explain_batch(rand, x, method, targets, seed=seed).values) * base).sum(axis=1)
        steps.append("+".join(chosen))
        means.append(rho.mean())
        cis.append(1.96 * rho.std(ddof=1) / np.sqrt(len(rho)) if len(rho) > 1 else np.nan)
    return CascadeSummary(method, tuple(steps), np.array(means), np.array(cis), len(x), tuple(cut))
