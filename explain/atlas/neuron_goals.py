"""What each neuron wants: the input that maximises each unit of a layer (activation maximisation).

All units of a layer are optimised together as one batch (image u maximises unit u), with an L2
penalty, random jitter and a periodic blur so the result is a readable stroke pattern rather than
high-frequency noise. Pixels stay in [0, 1], the range every real digit lives in, so "far above
the test-set maximum" is a fair comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from model.network import IMAGE_SIDE, MLP, hidden_index, hidden_name, linear_of, module_of

GOAL_LAYERS = ("hidden1", "hidden2", "logits")  # explain.atlas.activations' names; "hiddenN" for deeper nets


@dataclass(frozen=True)
class GoalSettings:
    steps: int = 256
    lr: float = 0.05
    l2: float = 0.02  # decay towards black: only the pixels a unit needs stay lit
    jitter: int = 2  # pixels of random shift per step
    blur_every: int = 8  # steps between Gaussian blurs
    blur_sigma: float = 0.6
    seed: int = 0


@dataclass(frozen=True)
class NeuronGoals:
    layer: str
    images: np.ndarray  # (units, 28, 28) pixels in [0, 1]: the input each unit wants
    activations: np.ndarray  # (units,) each unit's value on its own image


def goal_layers(model: MLP) -> list[str]:
    return [*[hidden_name(i) for i in range(1, len(model.config.hidden) + 1)], "logits"]


def _layer_output(model: MLP, x: torch.Tensor, layer: str) -> torch.Tensor:
    """The named layer's output with gradients (forward_layers runs under no_grad); stops early."""
    stop = module_of(layer)
    z = (x.reshape(x.shape[0], -1) - model.config.mean) / model.config.std
    for name, module in model.net.named_children():
        z = module(z)
        if name == stop:
            return z
    raise ValueError(f"no layer {layer!r}")  # unreachable after the check in maximise_units


def _pre_activation(model: MLP, x: torch.Tensor, layer: str) -> torch.Tensor:
    """Hidden units are optimised before their ReLU: a dead start (value 0) still has a gradient."""
    if layer == "logits":
        return _layer_output(model, x, layer)
    k = hidden_index(layer)
    below = _layer_output(model, x, hidden_name(k - 1)) if k > 1 else (
        (x.reshape(x.shape[0], -1) - model.config.mean) / model.config.std)
    return model.layer(linear_of(k))(below)


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    r = max(1, int(round(2.5 * sigma)))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def maximise_units(model: MLP, layer: str, settings: GoalSettings | None = None) -> NeuronGoals:
    """For every unit of `layer` the [0, 1] image that drives it highest, optimised as one batch."""
    known = goal_layers(model)
    if layer not in known:
        raise ValueError(f"layer must be one of {known}, got {layer!r}")
    s = settings or GoalSettings()
    if s.steps < 1 or s.lr <= 0:
        raise ValueError(f"steps must be >= 1 and lr > 0, got {s.steps} and {s.lr}")
    units = 10 if layer == "logits" else model.config.hidden[hidden_index(layer) - 1]
    gen = torch.Generator().manual_seed(s.seed)
    x = (0.1 + 0.05 * torch.randn(units, 1, IMAGE_SIDE, IMAGE_SIDE, generator=gen)).clamp_(0, 1).requires_grad_(True)
    opt = torch.optim.Adam([x], lr=s.lr)
    kernel = _gaussian_kernel(s.blur_sigma)
    rows = torch.arange(units)
    for step in range(s.steps):
        dy, dx = (torch.randint(-s.jitter, s.jitter + 1, (2,), generator=gen).tolist() if s.jitter else (0, 0))
        shifted = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
        own = _pre_activation(model, shifted, layer)[rows, rows]  # unit u on image u
        loss = -own.sum() + s.l2 * (x * x).sum()
        # autograd.grad, not backward(): nothing accumulates in the (shared) model's .grad
        (x.grad,) = torch.autograd.grad(loss, x)
        opt.step()
        with torch.no_grad():
            if s.blur_every and (step + 1) % s.blur_every == 0 and step + 1 < s.steps:
                x.copy_(F.conv2d(x, kernel, padding=kernel.shape[-1] // 2))
            x.clamp_(0, 1)
    with torch.no_grad():
        final = _layer_output(model, x.detach(), layer)[rows, rows]
    return NeuronGoals(layer, x.detach()[:, 0].numpy().copy(), final.numpy().copy())
