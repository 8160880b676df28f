"""Adversarial attacks with `captum.robust`: FGSM, PGD (Madry et al.) and the minimal flipping ε.

PGD is set as Madry et al. do: a random start in the ε-ball and `steps` steps of 2.5·ε/steps.
A badly set PGD can be weaker than one FGSM step (see shared notes), and captum's `PGD.perturb`
cannot start from the FGSM point, so per digit we keep whichever of PGD and the one-step attack
(FGSM for L∞, one full-size step for L2) fooled the model. Along an ε curve a digit fooled at a
smaller ε stays fooled at every larger one (its adversarial lies inside the larger ball too),
so accuracy never rises with ε. Everything is batched over digits. No Streamlit here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from captum.robust import FGSM, PGD, MinParamPerturbation
from torch import nn

from explain.context import replicate
from explain.core import seeded
from explain.stopping import ShouldStop, stopped
from model.network import IMAGE_SIDE

ATTACKS = ("fgsm", "pgd")
NORMS = {"linf": "Linf", "l2": "L2"}
MAX_EPS = {"linf": 1.0, "l2": 28.0}  # beyond these the ball holds every image


@dataclass(frozen=True)
class AttackConfig:
    attack: str = "pgd"  # "fgsm" (L∞ only) or "pgd"
    norm: str = "linf"  # "linf" or "l2"
    steps: int = 40  # PGD steps
    step_factor: float = 2.5  # PGD step size = step_factor · ε / steps (Madry et al.)
    random_start: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        if self.attack not in ATTACKS:
            raise ValueError(f"attack must be one of {ATTACKS}, got {self.attack!r}")
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {tuple(NORMS)}, got {self.norm!r}")
        if self.attack == "fgsm" and self.norm != "linf":
            raise ValueError(f"FGSM is an L∞ attack; norm {self.norm!r} needs --attack pgd")
        if not isinstance(self.steps, int) or isinstance(self.steps, bool) or not 1 <= self.steps <= 1000:
            raise ValueError(f"steps must be an integer in 1..1000, got {self.steps!r}")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be an integer in 0..2**32-1, got {self.seed!r}")


def check_eps(eps: Any, norm: str) -> float:
    ok = isinstance(eps, int | float | np.floating) and not isinstance(eps, bool) and math.isfinite(eps)
    if not ok or not 0 <= float(eps) <= MAX_EPS[norm]:
        raise ValueError(f"eps must be a number in [0, {MAX_EPS[norm]:g}] for the {norm} norm, got {eps!r}")
    return float(eps)


def _loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    # captum's default loss is −log(output), meant for probabilities; the model returns logits.
    # One summed loss (shape (1,)), not one per digit: captum differentiates each element it is
    # given separately (torch.unbind), which made a 1,000-digit step 3× slower. The digits are
    # independent, so the gradient of the sum is each digit's own gradient.
    return F.cross_entropy(logits, target, reduction="sum").reshape(1)


class _PGD(PGD):
    """captum's PGD with its L2 random start fixed for batches.

    captum 0.9 scales the random direction by a radius of shape (N,) that it never reshapes to
    (N, 1, 1, 1), so an L2 random start fails for any batch of images; here the radius broadcasts.
    """

    def _random_point(self, center: torch.Tensor, radius: float, norm: str, mask: torch.Tensor | int
                      ) -> torch.Tensor:
        if norm != "L2":
            return super()._random_point(center, radius, norm, mask)
        u = F.normalize(torch.randn_like(center).reshape(center.shape[0], -1)).reshape(center.shape)
        r = torch.rand(center.shape[0]) ** (1.0 / center[0].numel()) * radius
        return center + r.reshape(-1, *([1] * (center.dim() - 1))) * u * mask


def _fooled(f: nn.Module, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return f(x).argmax(1) != labels


def perturb(model: nn.Module, x: torch.Tensor, labels: torch.Tensor, eps: float, config: AttackConfig
            ) -> torch.Tensor:
    """Untargeted adversarial images for a batch (N, 1, 28, 28) against `labels` at radius eps."""
    eps = check_eps(eps, config.norm)
    f = replicate(model).eval()
    x = x.detach().reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE).to(torch.float32)
    labels = torch.as_tensor(labels, dtype=torch.int64).reshape(-1)
    with torch.enable_grad():
        one_step = (FGSM(f, _loss, 0.0, 1.0).perturb(x, epsilon=eps, target=labels) if config.norm == "linf"
                    else _PGD(f, _loss, 0.0, 1.0).perturb(x, radius=eps, step_size=eps, step_num=1,
                                                         target=labels, norm="L2"))
        if config.attack == "fgsm":
            return one_step.detach()
        with seeded(config.seed, True):  # captum draws the random start from the global generator
            multi = _PGD(f, _loss, 0.0, 1.0).perturb(
                x, radius=eps, step_size=config.step_factor * eps / config.steps, step_num=config.steps,
                target=labels, random_start=config.random_start, norm=NORMS[config.norm])
    keep_one_step = ~_fooled(f, multi, labels) & _fooled(f, one_step, labels)
    return torch.where(keep_one_step[:, None, None, None], one_step, multi).detach()


@dataclass(frozen=True)
class AttackCurve:
    attack: str
    norm: str
    eps: list[float]
    accuracy: list[float]
    n: int
    runtime_ms: float
    cut: list[float] = field(default_factory=list)  # radii not attacked: `should_stop` said stop first

    def to_dict(self) -> dict[str, Any]:
        out = {"attack": self.attack, "norm": self.norm, "eps": self.eps, "accuracy": self.accuracy,
               "n": self.n, "runtime_ms": self.runtime_ms}
        return out | ({"cut": self.cut} if self.cut else {})


def accuracy_curve(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: Sequence[float],
                   config: AttackConfig, should_stop: ShouldStop | None = None) -> AttackCurve:
    """Accuracy under attack at each ε (sorted ascending), every digit attacked in one batch per ε.
    `should_stop` is asked before each radius; the radii it cuts are listed in `cut`."""
    if len(eps) == 0:
        raise ValueError("eps must name at least one radius")
    radii = sorted({check_eps(e, config.norm) for e in eps})
    x = images.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE).to(torch.float32)
    y = torch.as_tensor(labels, dtype=torch.int64).reshape(-1)
    if x.shape[0] == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(f"need as many labels as images (at least one), got {x.shape[0]} and {y.shape[0]}")
    start = time.perf_counter()
    f = replicate(model).eval()
    fooled = _fooled(f, x, y)  # already wrong without an attack: wrong at every ε
    acc: list[float] = []
    for k, r in enumerate(radii):
        if stopped(should_stop):
            return AttackCurve(config.attack, config.norm, radii[:k], acc, int(x.shape[0]),
                               (time.perf_counter() - start) * 1000.0, radii[k:])
        # Only digits still standing are attacked: one fooled at a smaller ε stays fooled (its
        # adversarial lies in this ball too), which also saves most of the work at large ε.
        alive = (~fooled).nonzero().reshape(-1)
        if alive.numel():
            fooled[alive] = _fooled(f, perturb(f, x[alive], y[alive], r, config), y[alive])
        acc.append(1.0 - float(fooled.float().mean()))
    return AttackCurve(config.attack, config.norm, radii, acc, int(x.shape[0]),
                       (time.perf_counter() - start) * 1000.0)


@dataclass(frozen=True)
class Adversarial:
    original: np.ndarray  # (28, 28)
    image: np.ndarray  # (28, 28)
    eps: float
    label: int  # the class attacked (the prediction before the attack)
    probs_before: np.ndarray
    probs_after: np.ndarray

    @property
    def prediction(self) -> int:
        return int(self.probs_after.argmax())

    @property
    def flipped(self) -> bool:
        return self.prediction != self.label

    def to_dict(self) -> dict[str, Any]:
        d = self.image - self.original
        return {"eps": self.eps, "label": self.label, "prediction": self.prediction, "flipped": self.flipped,
                "probs_before": self.probs_before.tolist(), "probs_after": self.probs_after.tolist(),
                "linf": float(np.abs(d).max()), "l2": float(np.linalg.norm(d))}


def attack_digit(model: nn.Module, x: Any, eps: float, config: AttackConfig) -> Adversarial:
    """Attack one digit's current prediction at radius eps."""
    from explain.core import as_input

    xt = as_input(x)
    with torch.no_grad():
        before = torch.softmax(model(xt), 1)[0]
    label = int(before.argmax())
    adv = perturb(model, xt, torch.tensor([label]), eps, config)
    with torch.no_grad():
        after = torch.softmax(model(adv), 1)[0]
    return Adversarial(xt[0, 0].numpy().astype(np.float64), adv[0, 0].numpy().astype(np.float64), float(eps),
                       label, before.numpy().astype(np.float64), after.numpy().astype(np.float64))


def minimal_eps(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, config: AttackConfig,
                eps_max: float = 0.5, eps_step: float = 0.005) -> np.ndarray:
    """Per digit, the smallest ε (to `eps_step`) that flips it: captum's MinParamPerturbation,
    binary search, one digit at a time. 0 for digits already wrong; nan where eps_max is not enough."""
    eps_max = check_eps(eps_max, config.norm)
    if not 0 < eps_step <= eps_max:
        raise ValueError(f"eps_step must be in (0, eps_max], got {eps_step!r}")
    f = replicate(model).eval()
    x = images.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE).to(torch.float32)
    y = torch.as_tensor(labels, dtype=torch.int64).reshape(-1)
    wrong = _fooled(f, x, y)
    out = np.full(x.shape[0], np.nan)
    for i in range(x.shape[0]):
        if wrong[i]:
            out[i] = 0.0
            continue
        yi = y[i : i + 1]
        cfg = AttackConfig(config.attack, config.norm, config.steps, config.step_factor, config.random_start,
                           (config.seed + i) % 2**32)

        def attack(inp: torch.Tensor, epsilon: float, yi=yi, cfg=cfg) -> torch.Tensor:
            return perturb(f, inp, yi, epsilon, cfg)

        search = MinParamPerturbation(f, attack, "epsilon", arg_min=0.0, arg_max=eps_max + eps_step,
                                      arg_step=eps_step, mode="binary")
        with torch.no_grad():
            _, found = search.evaluate(x[i : i + 1], target=yi)
        if found is not None:
            out[i] = float(found)
    return out
