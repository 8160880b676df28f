"""Score every method over many test digits in batches: the dataset leaderboard behind the CLI and
the app. Per method, one `explain_batch` per chunk of digits and one batched call per metric;
the per-digit scores are kept, so intervals and ranks can be recomputed from them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import ndimage
from torch import nn

from explain.core import as_batch, explain_batch
from explain.metrics import REPLACEMENTS, Explained, MaxSensitivity, Metric, core_metrics
from explain.metrics.road import RoadLeRF, RoadMoRF
from explain.registry import get_method
from explain.types import BatchAttribution

CONTROLS = ("control_random", "control_sobel")
SEEDS_FOR_STABILITY = 5
SLOW_FAMILIES = ("Shapley", "surrogate", "path", "perturbation")


@dataclass(frozen=True)
class LeaderboardConfig:
    methods: tuple[str, ...]
    n: int = 100
    seed: int = 0
    replacements: tuple[str, ...] = REPLACEMENTS
    extras_n: int = 100  # stratified subsample for the extras that re-explain (max-sensitivity, seed stability)
    controls: bool = True
    chunk: int = 500  # digits per batch

    def __post_init__(self) -> None:
        for m in self.methods:
            parse_variant(m)
        if not 1 <= self.n <= 10_000:
            raise ValueError(f"n must be in 1..10000, got {self.n}")
        if not 0 <= self.extras_n <= self.n:
            raise ValueError(f"extras_n must be in 0..n ({self.n}), got {self.extras_n}")
        for r in self.replacements:
            if r not in REPLACEMENTS:
                raise ValueError(f"replacement must be one of {list(REPLACEMENTS)}, got {r!r}")


@dataclass
class MethodScores:
    """One method's per-digit scores: metric name → (n,) array (NaN where not computed)."""

    method: str
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0  # the core metrics on all digits
    extras_seconds: float = 0.0  # max-sensitivity and seed stability on the subsample
    error: str | None = None


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """'deeplift_shap' or a variant with other parameters, 'deeplift_shap[baseline=zero]' →
    (method name, params); the params are checked against the method's declared bounds."""
    name, _, rest = text.partition("[")
    params = {}
    if rest:
        if not rest.endswith("]"):
            raise ValueError(f"a method variant looks like name[key=value,…], got {text!r}")
        for pair in rest[:-1].split(","):
            key, eq, value = pair.partition("=")
            if not eq:
                raise ValueError(f"a method variant looks like name[key=value,…], got {text!r}")
            params[key.strip()] = value.strip()
    spec = get_method(name.strip())
    spec.params.from_dict(params)
    return spec.name, params


def variant_display(text: str) -> str:
    """'Integrated Gradients (baseline mean)' for 'integrated_gradients[baseline=mean]'."""
    name, params = parse_variant(text)
    extra = ", ".join(f"{k} {v}" for k, v in params.items())
    return get_method(name).display + (f" ({extra})" if extra else "")


def stratified_indices(labels: torch.Tensor, n: int, seed: int) -> list[int]:
    """n test indices, as equal a share of each class as n allows, drawn by `seed`."""
    gen = torch.Generator().manual_seed(seed)
    per_class = [torch.nonzero(labels == c).reshape(-1) for c in range(10)]
    shuffled = [p[torch.randperm(len(p), generator=gen)] for p in per_class]
    out: list[int] = []
    for c in range(10):
        take = n // 10 + (1 if c < n % 10 else 0)
        out.extend(int(i) for i in shuffled[c][:take])
    return sorted(out)


def control_maps(x: torch.Tensor, indices: list[int], name: str, seed: int) -> np.ndarray:
    """Control maps for digits `indices`: uniform noise drawn afresh per digit (from the seed and the
    digit's index), or each input's Sobel edges."""
    if name not in CONTROLS:
        raise ValueError(f"unknown control {name!r}; use one of {list(CONTROLS)}")
    if name == "control_random":
        return np.stack([np.random.default_rng([seed, i]).uniform(-1, 1, size=(28, 28)) for i in indices])
    img = x.reshape(-1, 28, 28).numpy().astype(np.float64)
    return np.hypot(ndimage.sobel(img, axis=1), ndimage.sobel(img, axis=2))


def control_batch(like: BatchAttribution, values: np.ndarray, name: str) -> BatchAttribution:
    """Control maps dressed as `like`'s results (same targets and outputs, no completeness)."""
    return BatchAttribution(values=values, method=name, library="control", targets=like.targets, params={},
                            seed=like.seed, runtime_ms=0.0, outputs=like.outputs)


def score_batch(model: nn.Module, x: torch.Tensor, batch: BatchAttribution, metrics: list[Metric]) -> dict[str, np.ndarray]:
    e = Explained(model, x, batch)
    return {m.name: m.scores(e) for m in metrics}


def seed_stability(model: nn.Module, x: torch.Tensor, method: str, targets: list, params: dict | None = None,
                   seeds: int = SEEDS_FOR_STABILITY) -> np.ndarray:
    """Per digit: the mean pairwise Spearman correlation of the method's maps over `seeds` seeds."""
    from scipy.stats import rankdata

    ranks = np.stack([rankdata(explain_batch(model, x, method, targets, params, s).values.reshape(len(x), -1), axis=1)
                      for s in range(seeds)])  # (S, N, P)
    ranks -= ranks.mean(axis=2, keepdims=True)
    ranks /= np.maximum(np.linalg.norm(ranks, axis=2, keepdims=True), 1e-12)
    pairs = [(a, b) for a in range(seeds) for b in range(a + 1, seeds)]
    return np.mean([(ranks[a] * ranks[b]).sum(axis=1) for a, b in pairs], axis=0)


def score_method(model: nn.Module, x_all: torch.Tensor, extra_pos: np.ndarray, variant: str,
                 config: LeaderboardConfig, progress: Callable[[str, int, int], None] | None = None) -> MethodScores:
    """One method (or variant) over every digit, chunk by chunk; the extras on the subsample."""
    name, params = parse_variant(variant)
    metrics = core_metrics(config.replacements)
    res = MethodScores(variant)
    start = time.perf_counter()
    try:
        parts = []
        for lo in range(0, config.n, config.chunk):
            x = x_all[lo : lo + config.chunk]
            batch = explain_batch(model, x, name, params=params, seed=config.seed)
            parts.append(score_batch(model, x, batch, metrics))
            if progress:
                progress(variant, min(lo + config.chunk, config.n), config.n)
        res.scores = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        res.seconds = time.perf_counter() - start
        if len(extra_pos):
            xe = x_all[extra_pos]
            batch_e = explain_batch(model, xe, name, params=params, seed=config.seed)
            for metric in (MaxSensitivity(), RoadMoRF(), RoadLeRF()):
                res.scores[metric.name] = _spread(metric.scores(Explained(model, xe, batch_e)), extra_pos, config.n)
            if get_method(name).stochastic:
                res.scores["seed_stability"] = _spread(
                    seed_stability(model, xe, name, list(batch_e.targets), params), extra_pos, config.n)
    except Exception as exc:  # noqa: BLE001 - one failing method must not end a long run
        res.error = f"{type(exc).__name__}: {exc}"
        res.seconds = res.seconds or time.perf_counter() - start
    res.extras_seconds = time.perf_counter() - start - res.seconds
    return res


def _in_worker(job: tuple) -> MethodScores:
    model, x_all, extra_pos, variant, config = job
    torch.set_num_threads(1)  # two processes × one thread: the Python-bound library loops use both cores
    return score_method(model, x_all, extra_pos, variant, config)


def run_leaderboard(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, config: LeaderboardConfig,
                    progress: Callable[[str, int, int], None] | None = None, workers: int = 1
                    ) -> tuple[list[int], list[MethodScores]]:
    """Every method (and control) on `config.n` stratified test digits: per-digit scores.

    The core metrics run on all n digits; max-sensitivity and seed stability (they explain again)
    on the first `extras_n` of a second stratified draw, marked NaN elsewhere. With `workers` > 1,
    methods run in that many processes (progress is then reported per finished method).
    """
    indices = stratified_indices(labels, config.n, config.seed)
    extras = set(stratified_indices(labels[indices], config.extras_n, config.seed + 1)) if config.extras_n else set()
    extra_pos = np.array(sorted(extras), dtype=int)
    x_all = as_batch(images[indices])
    if workers > 1:
        import multiprocessing as mp

        # Library-loop and sampling methods first, so the cheap ones fill the gaps at the end.
        slow = [v for v in config.methods if get_method(parse_variant(v)[0]).family in SLOW_FAMILIES]
        jobs = [(model, x_all, extra_pos, v, config) for v in slow + [v for v in config.methods if v not in slow]]
        by_name: dict[str, MethodScores] = {}
        with mp.get_context("fork").Pool(workers) as pool:
            for res in pool.imap_unordered(_in_worker, jobs):
                by_name[res.method] = res
                if progress:
                    progress(res.method, config.n, config.n)
        results = [by_name[v] for v in config.methods]
    else:
        results = [score_method(model, x_all, extra_pos, v, config, progress) for v in config.methods]
    if config.controls:
        metrics = core_metrics(config.replacements)
        like = explain_batch(model, x_all, "saliency")  # the controls are scored for each digit's prediction
        for name in CONTROLS:
            start = time.perf_counter()
            batch = control_batch(like, control_maps(x_all, indices, name, config.seed), name)
            res = MethodScores(name, score_batch(model, x_all, batch, metrics))
            if len(extra_pos):  # ROAD needs no re-explaining: the controls get it too
                sub = control_batch(like, batch.values[extra_pos], name)
                sub = BatchAttribution(**{**sub.__dict__, "targets": tuple(like.targets[i] for i in extra_pos),
                                          "outputs": like.outputs[extra_pos]})
                for metric in (RoadMoRF(), RoadLeRF()):
                    res.scores[metric.name] = _spread(metric.scores(Explained(model, x_all[extra_pos], sub)),
                                                      extra_pos, config.n)
            res.seconds = time.perf_counter() - start
            results.append(res)
    return indices, results


def _spread(values: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    out[positions] = values
    return out
