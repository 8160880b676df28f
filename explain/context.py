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


# Never modified: `replicate` gives every call its own copy with its own weights.
_HEAD_TEMPLATE = nn.Linear(10, 1, bias=False).requires_grad_(False)


class TargetHead(nn.Module):
    """model → one scalar per input: w · logits, with w one-hot or e_a − e_b."""

    def __init__(self, model: nn.Module, weights: torch.Tensor) -> None:
        super().__init__()
        self.model = model
        # A copy of a template instead of nn.Linear(...): no Kaiming initialisation to throw away.
        self.head = replicate(_HEAD_TEMPLATE)
        self.head._parameters["weight"] = weights.detach().reshape(1, -1).to(torch.float32).clone()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.model(x))


def replicate(module: nn.Module) -> nn.Module:
    """A private copy of `module`: new module objects, fresh hook registries, cloned weights.

    Captum and shap attach hooks and attributes to modules, and Captum's LRP even writes the
    weights back in place (`load_state_dict`) when it finishes, which breaks any other thread's
    autograd graph on shared tensors. Cloning the tensors directly costs ~0.03 ms for this MLP;
    `copy.deepcopy` did the same in 0.35 ms, more than a whole Saliency map.
    """
    clone = copy.copy(module)  # a new __dict__ whose values are the original's
    state = clone.__dict__  # written directly: nn.Module.__setattr__ is slow and not needed here
    for name, value in vars(module).items():
        if "hook" in name and isinstance(value, dict | set):
            state[name] = type(value)()  # empty registries: no hook is ever shared
    # Plain tensors, no autograd on weights: explanations differentiate with respect to inputs only.
    state["_parameters"] = {k: None if p is None else p.detach().clone() for k, p in module._parameters.items()}
    state["_buffers"] = {k: None if b is None else b.detach().clone() for k, b in module._buffers.items()}
    state["_modules"] = {k: (replicate(m) if m is not None else None) for k, m in module._modules.items()}
    return clone


def private_head(model: nn.Module, weights: torch.Tensor) -> TargetHead:
    """`model`'s private replica (hooks land there, never on the shared model) with a head."""
    clone = replicate(model)
    if clone.training:
        clone.eval()
    head = TargetHead(clone, weights)
    head.training = False  # its only children are already in eval mode
    return head


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
