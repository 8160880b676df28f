"""TracIn over every training digit, exact for an MLP and fast for a new input.

TracIn (Pruthi et al. 2020) scores a training example z for a test input z' as
Σ_checkpoints lr · ∇L(z) · ∇L(z') over all weights. For a linear layer one example's weight gradient is an
outer product δ aᵀ (δ = ∂L/∂ its outputs, a = its input), so the dot product of two such gradients is
(δ·δ')(a·a' + 1) — the + 1 is the bias. Per checkpoint we keep δ and a of every linear layer for every
training digit (what does not depend on the input); a new input then costs one forward/backward and a few
matrix–vector products over the 60,000 rows. The result is Captum's `TracInCP` over all layers (the known-answer
test checks it), not the last-layer-only approximation of `TracInCPFast`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from model.network import MLP

BLOCK = 8192  # digits per forward/backward while precomputing


@dataclass(frozen=True)
class LayerFactors:
    """One checkpoint's per-example factors: per linear layer l, δ_l (N, out_l) and its input a_l (N, in_l);
    the first layer's input (normalised pixels) is shared by all checkpoints and kept once by TracInIndex."""

    deltas: tuple[torch.Tensor, ...]
    inputs: tuple[torch.Tensor, ...]  # inputs of layers 2.. (layer 1's is the pixels)
    lr: float


def gradient_factors(model: MLP, x: torch.Tensor, y: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """δ of every linear layer and the input of every linear layer after the first, for a batch: one forward
    and one backward with the summed loss (examples do not interact, so ∂(Σ L)/∂z is each example's own δ)."""
    a = ((x.reshape(x.shape[0], -1) - model.config.mean) / model.config.std).detach()
    outs, inputs = [], []
    with torch.enable_grad():
        # The app's models have requires_grad off (shared, read-only): a graph from the input still reaches
        # every layer's output, and no weight gradient is ever computed or stored on the shared model.
        z = a.requires_grad_(True)
        for layer in model.net.children():
            if isinstance(layer, nn.Linear):
                if outs:
                    inputs.append(z.detach())
                z = layer(z)
                outs.append(z)
            else:
                z = layer(z)
        loss = F.cross_entropy(z, y, reduction="sum")
        deltas = torch.autograd.grad(loss, outs)
    return [d.detach() for d in deltas], inputs


def _factors(model: MLP, images: torch.Tensor, labels: torch.Tensor, lr: float,
             on_block: Callable[[int], None] | None = None) -> LayerFactors:
    deltas: list[list[torch.Tensor]] = []
    inputs: list[list[torch.Tensor]] = []
    for i in range(0, images.shape[0], BLOCK):
        if on_block is not None:
            on_block(i)
        d, a = gradient_factors(model, images[i : i + BLOCK], labels[i : i + BLOCK])
        deltas.append(d)
        inputs.append(a)
    return LayerFactors(tuple(torch.cat(col) for col in zip(*deltas)),
                        tuple(torch.cat(col) for col in zip(*inputs)), float(lr))


class TracInIndex:
    """Precomputed factors of a checkpoint set over a fixed set of training digits; answers many inputs.

    `models` are the checkpoints in order (the last one the model being explained), `lrs` their weights;
    `on_progress(fraction)` is called before each block of digits (an app's progress bar, where Cancel lands)."""

    def __init__(self, models: list[MLP], lrs: list[float], images: torch.Tensor, labels: torch.Tensor,
                 on_progress: Callable[[float], None] | None = None) -> None:
        if len(models) != len(lrs) or not models:
            raise ValueError(f"need one learning-rate factor per checkpoint, got {len(models)} and {len(lrs)}")
        configs = {(m.config.hidden, m.config.mean, m.config.std) for m in models}
        if len(configs) != 1:
            raise ValueError(f"the checkpoints must share one architecture and normalisation, got {sorted(configs)}")
        self.models = [m.eval() for m in models]
        self.labels = labels.long()
        self.n = int(labels.shape[0])
        self._pixels = images.reshape(self.n, -1).float()
        cfg = models[0].config
        self._mean, self._std = float(cfg.mean), float(cfg.std)
        self._pixel_sums = self._pixels.sum(dim=1)
        blocks = -(-self.n // BLOCK)

        def block_hook(k: int) -> Callable[[int], None] | None:
            if on_progress is None:
                return None
            return lambda i: on_progress((k * blocks + i // BLOCK) / (len(self.models) * blocks))

        with torch.no_grad():
            self.factors = [_factors(m, self._pixels, self.labels, lr, block_hook(k))
                            for k, (m, lr) in enumerate(zip(self.models, lrs))]

    def _first_dots(self, q: torch.Tensor) -> torch.Tensor:
        """Normalised-pixel dot products (B, N) from the raw pixels, so no normalised copy is kept:
        ((x−m)/s)·((x'−m)/s) = (x·x' − m Σx − m Σx' + D m²) / s²."""
        d = q.shape[1]
        m, s = self._mean, self._std
        dots = q @ self._pixels.T
        dots -= m * self._pixel_sums[None]
        dots -= (m * q.sum(dim=1) - d * m * m)[:, None]
        return dots / (s * s)

    @torch.no_grad()
    def scores(self, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """TracIn scores (B, N) of every training digit for inputs x (B, 28, 28) with labels `targets` (B,):
        > 0 a proponent (its training steps lowered the loss of x for that label), < 0 an opponent."""
        q = x.reshape(x.shape[0], -1).float()
        first = self._first_dots(q)  # the same for every checkpoint
        total = torch.zeros(q.shape[0], self.n)
        for model, f in zip(self.models, self.factors):
            dq, aq = gradient_factors(model, q, targets.long())
            for layer, (d, d_train) in enumerate(zip(dq, f.deltas)):
                a_dots = first if layer == 0 else aq[layer - 1] @ f.inputs[layer - 1].T
                total += f.lr * (d @ d_train.T) * (a_dots + 1.0)
        return total

    @torch.no_grad()
    def self_influence(self) -> torch.Tensor:
        """Σ lr ‖∇L(z)‖² of every training digit under its own label (high: surprising, often mislabelled)."""
        first = self._pixel_norms()
        total = torch.zeros(self.n)
        for f in self.factors:
            for layer, d in enumerate(f.deltas):
                a_sq = first if layer == 0 else (f.inputs[layer - 1] ** 2).sum(dim=1)
                total += f.lr * (d**2).sum(dim=1) * (a_sq + 1.0)
        return total

    def _pixel_norms(self) -> torch.Tensor:
        z = (self._pixels - self._mean) / self._std
        return (z**2).sum(dim=1)


@torch.no_grad()
def self_influence_of(models: list[MLP], lrs: list[float], images: torch.Tensor, labels: torch.Tensor
                      ) -> torch.Tensor:
    """Self-influence of digits that need no index (e.g. the test set under its given labels), batched."""
    x = images.reshape(images.shape[0], -1).float()
    m, s = models[0].config.mean, models[0].config.std
    first = (((x - m) / s) ** 2).sum(dim=1)
    total = torch.zeros(x.shape[0])
    for model, lr in zip(models, lrs):
        for i in range(0, x.shape[0], BLOCK):
            ds, ins = gradient_factors(model, x[i : i + BLOCK], labels[i : i + BLOCK].long())
            for layer, d in enumerate(ds):
                a_sq = first[i : i + BLOCK] if layer == 0 else (ins[layer - 1] ** 2).sum(dim=1)
                total[i : i + BLOCK] += lr * (d**2).sum(dim=1) * (a_sq + 1.0)
    return total
