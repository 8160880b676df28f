"""What an adapter receives and returns.

Every adapter explains a batch through `ctx.f`: the shared model's private copy followed by a fixed
linear head with one column per distinct target (a one-hot row picks a logit, e_a − e_b a
contrast). Digit i is explained through column `ctx.target[i]`, which Captum takes as a per-example
`target`. One convention for all methods, and the caller's model is never touched by hooks.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from explain.baselines import background, make_baseline
from explain.params import BACKGROUND, Params
from model.network import IMAGE_SIDE


# Never modified: `replicate` gives every call its own copy with its own weights.
_HEAD_TEMPLATE = nn.Linear(10, 1, bias=False).requires_grad_(False)


class TargetHead(nn.Module):
    """model → one scalar per input and head row: logits @ W.T, each row of W one-hot or e_a − e_b."""

    def __init__(self, model: nn.Module, weights: torch.Tensor) -> None:
        super().__init__()
        self.model = model
        # A copy of a template instead of nn.Linear(...): no Kaiming initialisation to throw away.
        self.head = replicate(_HEAD_TEMPLATE)
        self.head._parameters["weight"] = weights.detach().reshape(-1, 10).to(torch.float32).clone()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.model(x))


def replicate(module: nn.Module) -> nn.Module:
    """A private copy of `module`: new module objects, fresh hook registries, cloned weights.

    Captum and shap attach hooks and attributes to modules, and Captum's LRP even writes the
    weights back in place (`load_state_dict`) when it finishes, which breaks any other thread's
    autograd graph on shared tensors. Cloning the tensors directly costs ~0.03 ms for this MLP;
    `copy.deepcopy` did the same in 0.35 ms, more than a whole Saliency map. It writes
    `nn.Module`'s private dictionaries; `tests/test_explain_api.py` fails loudly if a torch upgrade
    renames them.
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


def private_model(model: nn.Module) -> nn.Module:
    """`model`'s private replica in eval mode: hooks land there, never on the shared model."""
    clone = replicate(model)
    if clone.training:
        clone.eval()
    return clone


def head_on(replica: nn.Module, weights: torch.Tensor) -> TargetHead:
    """A head over a model that is already private to this call."""
    head = TargetHead(replica, weights)
    head.training = False  # its only children are already in eval mode
    return head


def private_head(model: nn.Module, weights: torch.Tensor) -> TargetHead:
    """`model`'s private replica with a head."""
    return head_on(private_model(model), weights)


@dataclass
class Context:
    """One batch to explain: N digits, each through one column of the head."""

    f: TargetHead  # outputs (M, K): one column per distinct target
    x: torch.Tensor  # (N, 1, 28, 28) pixels in [0, 1]
    target: torch.Tensor  # (N,) int64: the column of f that explains digit i
    params: Params
    seed: int

    @property
    def n(self) -> int:
        return self.x.shape[0]

    def baseline(self) -> torch.Tensor:
        """One reference per digit, (N, 1, 28, 28)."""
        p = self.params
        return make_baseline(p.baseline, self.x, self.seed, getattr(p, "blur_sigma", 3.0))  # type: ignore[attr-defined]

    def background(self) -> torch.Tensor:
        return background(self.params.background_size, self.seed)  # type: ignore[attr-defined]

    def uses_background(self) -> bool:
        return getattr(self.params, "baseline", None) == BACKGROUND

    def references(self) -> torch.Tensor:
        """What a background method compares with: K training digits shared by all digits
        (B, 1, 28, 28), or one reference per digit (N, 1, 28, 28)."""
        return self.background() if self.uses_background() else self.baseline()

    @torch.no_grad()
    def output(self, inputs: torch.Tensor, target: torch.Tensor | None = None) -> torch.Tensor:
        """f's column `target[m]` on input m (default: each digit's own column; inputs aligned with x)."""
        t = self.target if target is None else target
        return self.f(inputs).gather(1, t.reshape(-1, 1))[:, 0]

    @torch.no_grad()
    def outputs_per_digit(self, inputs: torch.Tensor) -> torch.Tensor:
        """(S, N, …) inputs → (S, N) outputs, digit n's column for every row of column n."""
        s = inputs.shape[0]
        return self.output(inputs.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE), self.target.repeat(s)).reshape(s, self.n)

    def chunk(self, start: int, stop: int) -> Context:
        """Digits start..stop−1 through the same head."""
        return Context(f=self.f, x=self.x[start:stop], target=self.target[start:stop], params=self.params,
                       seed=self.seed)

    def column_head(self, column: int) -> TargetHead:
        """A one-output head for one column, on the same private replica (for libraries that explain
        a single-output model)."""
        return head_on(self.f.model, self.f.head.weight[column].reshape(1, 10))

    def digit(self, i: int) -> Context:
        """Digit i alone, through a one-column head (for adapters whose library explains one
        example at a time)."""
        return Context(f=self.column_head(int(self.target[i])), x=self.x[i : i + 1],
                       target=torch.zeros(1, dtype=torch.long), params=self.params, seed=self.seed)


@dataclass
class Raw:
    """An adapter's answer: the maps (N, …) and what completeness is measured against.

    `references`: one reference per digit (N, 1, 28, 28), or, when `shared`, K digits (K, 1, 28, 28)
    every digit is compared with (the gap then uses the mean output over them).
    """

    values: torch.Tensor | np.ndarray
    references: torch.Tensor | None = None
    shared: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
