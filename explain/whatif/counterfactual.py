"""Counterfactuals: the smallest change that makes the model say class C, and the nearest real C.

A margin loss (how far log p(C) / (1 − p(C)) is below the asked-for odds) plus a distance penalty
λ·dist(δ) is minimised with Adam over δ, pixels kept in [0, 1]. λ is found by a batched search:
each round optimises K candidate weights as one batch of K copies, keeps the largest λ that
still reached p ≥ min_prob (a larger penalty means a smaller change) and narrows the log-range
between it and the smallest failing λ above it. Among every iterate that reached the target, the
one nearest to the input (in the chosen norm) is returned. No Streamlit here.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from explain.context import replicate
from model.network import IMAGE_SIDE

NORMS = ("l2", "l1")
CHANGED = 0.05  # a pixel counts as changed when it moves by more than this
STROKE_RADIUS = 2  # "pen" mode: ink may change only within this many pixels of the strokes
INK = 0.1  # a pixel brighter than this is part of a stroke


def _check(value: Any, ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"{what}, got {value!r}")


def check_class(c: Any, what: str = "class") -> int:
    _check(c, not isinstance(c, bool) and isinstance(c, int | np.integer) and 0 <= int(c) <= 9,
           f"{what} must be a digit 0–9")
    return int(c)


@dataclass(frozen=True)
class CounterfactualConfig:
    target: int  # the class C the model should say
    min_prob: float = 0.5  # ... with at least this probability
    norm: str = "l2"  # "l2": ‖δ‖² penalty (spread out); "l1": ‖δ‖₁ (sparse)
    near_strokes: bool = False  # change only pixels within STROKE_RADIUS px of the existing ink
    seed: int = 0  # the tiny random start that breaks ties between pixels
    steps: int = 100  # Adam steps per search round
    lr: float = 0.03
    candidates: int = 12  # penalty weights tried at once (one batch)
    rounds: int = 2  # search rounds, each narrowing the range of weights
    weight_range: tuple[float, float] = (1e-3, 10.0)  # initial log-range of the penalty weight

    def __post_init__(self) -> None:
        check_class(self.target, "target class")
        p = self.min_prob
        _check(p, isinstance(p, int | float) and not isinstance(p, bool) and 0.1 <= p <= 0.99,
               "min_prob must be a number in [0.1, 0.99]")
        _check(self.norm, self.norm in NORMS, f"norm must be one of {NORMS}")
        _check(self.seed, isinstance(self.seed, int) and 0 <= self.seed < 2**32, "seed must be in 0..2**32-1")
        for name in ("steps", "candidates", "rounds"):
            v = getattr(self, name)
            _check(v, isinstance(v, int) and 1 <= v <= 5000, f"{name} must be an integer in 1..5000")


@dataclass(frozen=True)
class Counterfactual:
    original: np.ndarray  # (28, 28) in [0, 1]
    image: np.ndarray  # (28, 28) in [0, 1]
    config: CounterfactualConfig
    success: bool  # the model says `target` with p ≥ min_prob
    probs_before: np.ndarray  # (10,)
    probs_after: np.ndarray  # (10,)
    weight: float  # the penalty weight of the returned iterate (nan if none succeeded)
    runtime_ms: float

    @property
    def difference(self) -> np.ndarray:
        return self.image - self.original

    @property
    def prediction(self) -> int:
        return int(self.probs_after.argmax())

    @property
    def probability(self) -> float:
        return float(self.probs_after[self.config.target])

    @property
    def l2(self) -> float:
        return float(np.linalg.norm(self.difference))

    @property
    def l1(self) -> float:
        return float(np.abs(self.difference).sum())

    @property
    def changed_pixels(self) -> int:
        return int((np.abs(self.difference) > CHANGED).sum())

    def to_dict(self, with_image: bool = True) -> dict[str, Any]:
        out = {"target": self.config.target, "success": self.success, "prediction": self.prediction,
               "probability": self.probability, "probs_before": self.probs_before.tolist(),
               "probs_after": self.probs_after.tolist(), "l2": self.l2, "l1": self.l1,
               "changed_pixels": self.changed_pixels, "weight": self.weight, "runtime_ms": self.runtime_ms,
               "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.config).items()}}
        if with_image:
            out["image"] = self.image.tolist()
        return out


def as_digit(x: Any) -> torch.Tensor:
    """One digit as (1, 1, 28, 28) float32 in [0, 1]; ValueError/TypeError on anything else."""
    from explain.core import as_input

    return as_input(x)


def stroke_mask(x: torch.Tensor, radius: int = STROKE_RADIUS) -> torch.Tensor:
    """1 where a pixel lies within `radius` px (Chebyshev) of ink, else 0; shape of x."""
    ink = (x > INK).to(x.dtype)
    return F.max_pool2d(ink, kernel_size=2 * radius + 1, stride=1, padding=radius)


def _log_odds_gap(logits: torch.Tensor, target: int, min_prob: float) -> torch.Tensor:
    """How far log p(C)/(1 − p(C)) is below log(min_prob/(1 − min_prob)); ≤ 0 means reached."""
    others = torch.cat([logits[:, :target], logits[:, target + 1:]], dim=1)
    odds = logits[:, target] - torch.logsumexp(others, dim=1)
    return math.log(min_prob / (1 - min_prob)) - odds


def _distance(delta: torch.Tensor, norm: str) -> torch.Tensor:
    flat = delta.reshape(delta.shape[0], -1)
    return flat.pow(2).sum(1) if norm == "l2" else flat.abs().sum(1)


def _round(f: nn.Module, x: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor, cfg: CounterfactualConfig,
           gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Optimise one δ per weight (one batch); per weight: reached?, best distance, best image."""
    k = weights.shape[0]
    delta = ((torch.rand((k, *x.shape[1:]), generator=gen) - 0.5) * 0.02 * mask).requires_grad_(True)
    opt = torch.optim.Adam([delta], lr=cfg.lr)
    lo, hi = -x, 1 - x  # x + δ stays in [0, 1]
    best_d = torch.full((k,), math.inf)
    best_img = x.expand(k, -1, -1, -1).clone()
    margin = 0.05  # aim slightly past the threshold so float noise cannot undo success
    for _ in range(cfg.steps + 1):
        img = x + delta
        logits = f(img)
        gap = _log_odds_gap(logits, cfg.target, cfg.min_prob)
        with torch.no_grad():
            d = _distance(delta, cfg.norm)
            better = (gap <= 0) & (d < best_d)
            best_d = torch.where(better, d, best_d)
            best_img[better] = img[better].detach()
        loss = (F.relu(gap + margin) + weights * _distance(delta, cfg.norm)).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            delta.mul_(mask)
            delta.copy_(torch.maximum(torch.minimum(delta, hi), lo))
    return torch.isfinite(best_d), best_d, best_img


def counterfactual(model: nn.Module, x: Any, config: CounterfactualConfig) -> Counterfactual:
    """The smallest change found that makes `model` say `config.target` with p ≥ `config.min_prob`."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(config, CounterfactualConfig):
        raise TypeError(f"config must be a CounterfactualConfig, got {type(config).__name__}")
    xt = as_digit(x)
    start = time.perf_counter()
    f = replicate(model).eval()  # a private copy: no autograd state on the caller's model
    mask = stroke_mask(xt) if config.near_strokes else torch.ones_like(xt)
    gen = torch.Generator().manual_seed(config.seed)
    lo, hi = (math.log10(w) for w in config.weight_range)
    best_d, best_img, best_w = math.inf, xt[0], math.nan
    with torch.enable_grad():
        for _ in range(config.rounds):
            weights = torch.logspace(lo, hi, config.candidates)
            ok, dist, imgs = _round(f, xt, mask, weights, config, gen)
            if ok.any():
                i = int(torch.argmin(dist))
                if float(dist[i]) < best_d:
                    best_d, best_img, best_w = float(dist[i]), imgs[i], float(weights[i])
                # Narrow to the largest weight that reached the target and the next one up.
                j = int(ok.nonzero().max())
                step = (hi - lo) / max(config.candidates - 1, 1)
                lo, hi = lo + j * step, lo + (j + 1) * step if j + 1 < config.candidates else hi + 2 * step
            else:  # nothing reached it: the penalty is too strong everywhere, go lower
                lo, hi = lo - (hi - lo), lo
    with torch.no_grad():
        before = torch.softmax(f(xt), 1)[0]
        after = torch.softmax(f(best_img[None]), 1)[0]
    success = bool(math.isfinite(best_d))
    return Counterfactual(
        original=xt[0, 0].numpy().astype(np.float64), image=best_img[0].detach().numpy().astype(np.float64),
        config=config, success=success and float(after[config.target]) >= config.min_prob,
        probs_before=before.numpy().astype(np.float64), probs_after=after.numpy().astype(np.float64),
        weight=best_w, runtime_ms=(time.perf_counter() - start) * 1000.0,
    )


@dataclass(frozen=True)
class NearestDigit:
    index: int  # in the training split
    image: np.ndarray  # (28, 28)
    label: int
    l2: float


def nearest_of_class(x: Any, cls: int, images: torch.Tensor, labels: torch.Tensor) -> NearestDigit:
    """The digit of class `cls` among `images` closest to x in pixel-space L2 (one matmul)."""
    cls = check_class(cls, "class")
    xt = as_digit(x).reshape(1, -1).to(torch.float64)
    idx = torch.nonzero(labels == cls).reshape(-1)
    if idx.numel() == 0:
        raise ValueError(f"no digit of class {cls} to compare with")
    pool = images[idx].reshape(idx.numel(), -1).to(torch.float64)
    # ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b for every candidate at once.
    d2 = (pool.pow(2).sum(1) + xt.pow(2).sum() - 2.0 * (pool @ xt.T).reshape(-1)).clamp_min(0)
    j = int(torch.argmin(d2))
    return NearestDigit(int(idx[j]), images[idx[j]].reshape(IMAGE_SIDE, IMAGE_SIDE).numpy().astype(np.float64), cls,
                        float(d2[j].sqrt()))
