"""What an adapter receives and returns.

Every adapter explains output 0 of `ctx.f`: the shared model's private copy followed by a fixed
linear head that picks one logit (or the difference of two, for contrastive targets). One
convention for all 19 methods, and the caller's model is never touched by hooks.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from explain.baselines import background, make_baseline
from explain.params import Params


class TargetHead(nn.Module):
    """model → one scalar per input: w · logits, with w one-hot or e_a − e_b."""

    def __init__(self, model: nn.Module, weights: torch.Tensor) -> None:
        super().__init__()
        self.model = model
        self.head = nn.Linear(weights.numel(), 1, bias=False)
        with torch.no_grad():
            self.head.weight.copy_(weights.reshape(1, -1))
        self.head.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.model(x))


def private_head(model: nn.Module, weights: torch.Tensor) -> TargetHead:
    """A deep copy of `model` (hooks land on the copy, never on the shared model) with a head."""
    clone = copy.deepcopy(model)
    clone.eval()
    return TargetHead(clone, weights).eval()


@dataclass
class Context:
    f: TargetHead  # explain output 0 of this
    x: torch.Tensor  # (1, 1, 28, 28) pixels in [0, 1]
    params: Params
    seed: int

    def baseline(self) -> torch.Tensor:
        p = self.params
        return make_baseline(p.baseline, self.x, self.seed, getattr(p, "blur_sigma", 3.0))  # type: ignore[attr-defined]

    def background(self) -> torch.Tensor:
        return background(self.params.background_size, self.seed)  # type: ignore[attr-defined]

    @torch.no_grad()
    def output(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.f(inputs)[:, 0]


@dataclass
class Raw:
    """An adapter's answer: the map and, for completeness, the baseline(s) it measured against."""

    values: torch.Tensor | np.ndarray  # anything with 784 elements
    baselines: torch.Tensor | None = None  # (K, 1, 28, 28): gap uses mean f over these
    notes: tuple[str, ...] = field(default_factory=tuple)
