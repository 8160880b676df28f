"""The known-answer score: how much of each method's attribution lands on a planted shortcut.

For test digits of the shortcut's class, marked, each method explains that class; per digit we take the
share of absolute attribution on the marked pixels (chance: the marked pixels' share of the image) and
whether at least half of the top-k pixels (k = the number of marked pixels) are marked ("found it";
chance from the hypergeometric distribution). Means get bootstrap 95 % intervals over digits, the same
resampled digits for every method. Every method runs once, batched, over all the digits.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from scipy.stats import hypergeom
from torch import nn

from explain.core import explain_batch
from explain.evaluation.leaderboard import CONTROLS, control_batch, control_maps, score_batch
from explain.evaluation.metrics import DeletionAUC, InsertionAUC
from explain.registry import get_method, method_names
from explain.types import BatchAttribution
from model.constants import N_PIXELS
from model.data import Split
from model.shortcut import Shortcut

BOOTSTRAP = 500


@dataclass(frozen=True)
class KnownConfig:
    """Which digits and methods: `n` test digits of the shortcut's class (seeded draw), every method
    when `methods` is None, and the two control maps when `controls`."""

    n: int = 100
    seed: int = 0
    methods: tuple[str, ...] | None = None
    controls: bool = True
    resamples: int = BOOTSTRAP

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or not 2 <= self.n <= 1000:
            raise ValueError(f"n must be an integer in 2..1000, got {self.n!r}")
        if self.methods is not None:
            object.__setattr__(self, "methods", tuple(get_method(m).name for m in self.methods))
        if not isinstance(self.resamples, int) or not 10 <= self.resamples <= 10_000:
            raise ValueError(f"resamples must be an integer in 10..10000, got {self.resamples!r}")


@dataclass(frozen=True)
class MethodKnown:
    """One method's known-answer scores (means over digits, 95 % bootstrap intervals)."""

    method: str
    share: float
    share_lo: float
    share_hi: float
    found_at_k: float
    found_lo: float
    found_hi: float
    seconds: float
    # Deletion / insertion AUC (mean-digit replacement) of the same maps on the same digits: what the
    # usual faithfulness metrics say, beside what the known answer says.
    deletion: float = float("nan")
    insertion: float = float("nan")
    error: str | None = None


@dataclass
class KnownScores:
    target: int  # the shortcut's class, explained on every digit
    chance: float  # the marked pixels' share of the image
    k: int  # pixels in the mark: the top-k of "found it"
    found_chance: float  # P(at least half of k random pixels are marked)
    n: int
    indices: list[int]  # the test digits used
    methods: list[MethodKnown] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict) -> KnownScores:
        return cls(**{**raw, "methods": [MethodKnown(**m) for m in raw["methods"]]})

    def row(self, method: str) -> MethodKnown:
        for m in self.methods:
            if m.method == method:
                return m
        raise ValueError(f"no known-answer score for {method!r}")


def found_needed(k: int) -> int:
    return math.ceil(k / 2)


def found_chance(k: int) -> float:
    """P(at least ⌈k/2⌉ of k pixels drawn at random are among the k marked)."""
    return float(hypergeom.sf(found_needed(k) - 1, N_PIXELS, k, k))


def per_digit(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """maps (N, 28, 28) → (share of |attribution| on the mask, found it) per digit; an all-zero map
    gets NaN (it says nothing)."""
    a = np.abs(values.reshape(values.shape[0], -1)).astype(np.float64)
    m = mask.reshape(-1)
    total = a.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, a[:, m].sum(axis=1) / total, np.nan)
    k = int(m.sum())
    # Ties broken by pixel index (stable sort), so a flat map does not "find" anything by luck of order.
    top = np.argsort(-a, axis=1, kind="stable")[:, :k]
    found = (m[top].sum(axis=1) >= found_needed(k)).astype(np.float64)
    return share, np.where(total > 0, found, np.nan)


def bootstrap_mean(values: np.ndarray, picks: np.ndarray) -> tuple[float, float, float]:
    """(mean, 2.5th, 97.5th percentile of resampled means); picks (resamples, n) indices."""
    with np.errstate(invalid="ignore"):
        boot = np.nanmean(values[picks], axis=1) if np.isfinite(values).any() else np.full(len(picks), np.nan)
    if not np.isfinite(boot).any():
        return float("nan"), float("nan"), float("nan")
    return float(np.nanmean(values)), float(np.nanpercentile(boot, 2.5)), float(np.nanpercentile(boot, 97.5))


def shortcut_digits(test: Split, shortcut: Shortcut, n: int, seed: int) -> tuple[list[int], torch.Tensor]:
    """n seeded test digits of the shortcut's class (indices sorted) and the same digits marked."""
    own = torch.nonzero(test.labels == shortcut.target).reshape(-1)
    if n > len(own):
        raise ValueError(f"n must be at most {len(own)} (test digits of class {shortcut.target}), got {n}")
    pick = own[torch.randperm(len(own), generator=torch.Generator().manual_seed(seed))[:n]].sort().values
    return pick.tolist(), shortcut.apply(test.images[pick])


def shortcut_scores(model: nn.Module, region: Shortcut, methods: list[str] | tuple[str, ...] | None = None,
                    config: KnownConfig | None = None, test: Split | None = None) -> KnownScores:
    """Every method's (and control's) known-answer scores for `model` on marked test digits of the
    shortcut's class. A failing method gets a row with `error` set; the others still run."""
    from model.data import load_mnist

    if not isinstance(region, Shortcut):
        raise TypeError(f"region must be a model.shortcut.Shortcut, got {type(region).__name__}")
    config = config or KnownConfig()
    if methods is not None:
        config = KnownConfig(config.n, config.seed, tuple(methods), config.controls, config.resamples)
    names = list(config.methods) if config.methods is not None else method_names()
    indices, x = shortcut_digits(test or load_mnist(train=False), region, config.n, config.seed)
    mask = region.mask()
    k = int(mask.sum())
    picks = np.random.default_rng(config.seed).integers(0, config.n, size=(config.resamples, config.n))
    out = KnownScores(region.target, region.chance, k, found_chance(k), config.n, indices)

    curves = [DeletionAUC("mean"), InsertionAUC("mean")]

    def add(batch: BatchAttribution, seconds: float) -> None:
        share, found = per_digit(batch.values, mask)
        faith = score_batch(model, x, batch, curves)
        out.methods.append(MethodKnown(batch.method, *bootstrap_mean(share, picks), *bootstrap_mean(found, picks),
                                       seconds, *(float(np.nanmean(faith[c.name])) for c in curves)))

    like = None
    for name in names:
        start = time.perf_counter()
        try:
            batch = explain_batch(model, x, name, region.target, seed=config.seed)
        except Exception as exc:  # noqa: BLE001 - one failing method must not hide the others
            nan = float("nan")
            out.methods.append(MethodKnown(name, nan, nan, nan, nan, nan, nan, time.perf_counter() - start,
                                           error=f"{type(exc).__name__}: {exc}"))
            continue
        like = like or batch
        add(batch, time.perf_counter() - start)
    if config.controls:
        like = like or explain_batch(model, x, "saliency", region.target)
        for name in CONTROLS:
            start = time.perf_counter()
            add(control_batch(like, control_maps(x, indices, name, config.seed), name), time.perf_counter() - start)
    return out
