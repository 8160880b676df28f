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
from explain.evaluation.metrics import REPLACEMENTS, Explained, MaxSensitivity, Metric, core_metrics
from explain.evaluation.metrics.road import RoadLeRF, RoadMoRF
from explain.evaluation.workers import pool_map
from explain.registry import get_method
from explain.stopping import ShouldStop, stopped
from explain.types import BatchAttribution
from model.network import IMAGE_SIDE

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
    # Cut by `should_stop`: "core" (not scored at all: no scores) or "extras" (core scores only).
    cut: str | None = None


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
    if not 0 <= n <= len(labels):
        raise ValueError(f"n must be in 0..{len(labels)}, got {n}")
    gen = torch.Generator().manual_seed(seed)
    per_class = [torch.nonzero(labels == c).reshape(-1) for c in range(10)]
    shuffled = [p[torch.randperm(len(p), generator=gen)] for p in per_class]
    out: list[int] = []
    for c in range(10):
        take = n // 10 + (1 if c < n % 10 else 0)
        out.extend(int(i) for i in shuffled[c][:take])
    # A class with fewer digits than its share (n near the whole set): top up from the rest, in a
    # seeded order, so exactly n digits are taken.
    rest = torch.tensor(sorted(set(range(len(labels))) - set(out)), dtype=torch.long)
    out.extend(int(i) for i in rest[torch.randperm(len(rest), generator=gen)][: n - len(out)])
    return sorted(out)


def control_maps(x: torch.Tensor, indices: list[int], name: str, seed: int) -> np.ndarray:
    """Control maps for digits `indices`: uniform noise drawn afresh per digit (from the seed and the
    digit's index), or each input's Sobel edges."""
    if name not in CONTROLS:
        raise ValueError(f"unknown control {name!r}; use one of {list(CONTROLS)}")
    if name == "control_random":
        return np.stack([np.random.default_rng([seed, i]).uniform(-1, 1, size=(IMAGE_SIDE, IMAGE_SIDE)) for i in indices])
    img = x.reshape(-1, IMAGE_SIDE, IMAGE_SIDE).numpy().astype(np.float64)
    # One image at a time: a 3-D sobel would also smooth across neighbouring digits.
    return np.stack([np.hypot(ndimage.sobel(im, axis=0), ndimage.sobel(im, axis=1)) for im in img])


def control_batch(like: BatchAttribution, values: np.ndarray, name: str) -> BatchAttribution:
    """Control maps dressed as `like`'s results (same targets and outputs, no completeness)."""
    return BatchAttribution(values=values, method=name, library="control", targets=like.targets, params={},
                            seed=like.seed, runtime_ms=0.0, outputs=like.outputs)


def score_batch(model: nn.Module, x: torch.Tensor, batch: BatchAttribution, metrics: list[Metric]) -> dict[str, np.ndarray]:
    e = Explained(model, x, batch)
    return {m.name: m.scores(e) for m in metrics}


# Not a `Metric` (it explains each digit under several seeds): its description lives here, beside it.
SEED_STABILITY = ("seed_stability", "Seed stability", True,
                  "how alike a stochastic method's maps are under different random seeds: the mean rank "
                  "correlation (Spearman ρ) between the maps of 5 seeds; n/a for a method that uses no random "
                  "numbers (it always draws the same map)")


def seed_stability(model: nn.Module, x: torch.Tensor, method: str, targets: list, params: dict | None = None,
                   seeds: int = SEEDS_FOR_STABILITY) -> np.ndarray:
    """Per digit: the mean pairwise Spearman correlation of the method's maps over `seeds` seeds."""
    from explain.evaluation.agreement import unit_ranks

    ranks = np.stack([unit_ranks(explain_batch(model, x, method, targets, params, s).values)
                      for s in range(seeds)])  # (S, N, P)
    pairs = [(a, b) for a in range(seeds) for b in range(a + 1, seeds)]
    return np.mean([(ranks[a] * ranks[b]).sum(axis=1) for a, b in pairs], axis=0)


def core_scores(model: nn.Module, x_all: torch.Tensor, variant: str, config: LeaderboardConfig,
                progress: Callable[[str, int, int], None] | None = None,
                should_stop: ShouldStop | None = None) -> MethodScores:
    """One method (or variant) over every digit, chunk by chunk: the core metrics. `should_stop`
    is asked before each chunk; a method cut part-way keeps no scores (`cut` = "core"), since a
    leaderboard row over some of the digits would not compare with the others."""
    name, params = parse_variant(variant)
    metrics = core_metrics(config.replacements)
    res = MethodScores(variant)
    start = time.perf_counter()
    try:
        parts = []
        for lo in range(0, config.n, config.chunk):
            if stopped(should_stop):
                res.cut = "core"
                break
            x = x_all[lo : lo + config.chunk]
            batch = explain_batch(model, x, name, params=params, seed=config.seed)
            parts.append(score_batch(model, x, batch, metrics))
            if progress:
                progress(variant, min(lo + config.chunk, config.n), config.n)
        if res.cut is None:
            res.scores = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    except Exception as exc:  # noqa: BLE001 - one failing method must not end a long run
        res.error = f"{type(exc).__name__}: {exc}"
    res.seconds = time.perf_counter() - start
    return res


def extra_scores(model: nn.Module, x_all: torch.Tensor, extra_pos: np.ndarray, variant: str,
                 config: LeaderboardConfig) -> dict[str, np.ndarray]:
    """The metrics that explain again or impute (max-sensitivity, ROAD, seed stability) on the subsample."""
    name, params = parse_variant(variant)
    xe = x_all[extra_pos]
    batch = explain_batch(model, xe, name, params=params, seed=config.seed)
    out = {m.name: _spread(m.scores(Explained(model, xe, batch)), extra_pos, config.n)
           for m in (MaxSensitivity(), RoadMoRF(), RoadLeRF())}
    if get_method(name).stochastic:
        out["seed_stability"] = _spread(seed_stability(model, xe, name, list(batch.targets), params),
                                        extra_pos, config.n)
    return out


def _extras_job(model: nn.Module, x_all: torch.Tensor, extra_pos: np.ndarray, variant: str,
                config: LeaderboardConfig) -> tuple[str, dict[str, np.ndarray], float, str | None]:
    start = time.perf_counter()
    try:
        return variant, extra_scores(model, x_all, extra_pos, variant, config), time.perf_counter() - start, None
    except Exception as exc:  # noqa: BLE001 - reported in the row, the others go on
        return variant, {}, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"


def run_leaderboard(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, config: LeaderboardConfig,
                    progress: Callable[[str, int, int], None] | None = None, workers: int = 1,
                    should_stop: ShouldStop | None = None
                    ) -> tuple[list[int], list[MethodScores], dict[str, float]]:
    """Every method (and control) on `config.n` stratified test digits: per-digit scores, and the
    wall-clock seconds of the two phases ("core", "extras").

    Phase 1, the core metrics, on all n digits; phase 2, the extras (max-sensitivity, ROAD, seed
    stability) on `extras_n` digits of a second stratified draw, NaN elsewhere. With `workers` > 1,
    methods run in that many processes (progress is then reported per finished method).

    `should_stop` (one process only) is asked before each method, chunk and extras job: what it
    cuts comes back with `cut` set ("core": no scores; "extras": core scores only), and the
    controls are then left out.
    """
    if should_stop is not None and workers > 1:
        raise ValueError("should_stop works with workers=1 only (the pool cannot be asked between methods)")
    indices = stratified_indices(labels, config.n, config.seed)
    extras = set(stratified_indices(labels[indices], config.extras_n, config.seed + 1)) if config.extras_n else set()
    extra_pos = np.array(sorted(extras), dtype=int)
    x_all = as_batch(images[indices])
    # Library-loop and sampling methods first, so the cheap ones fill the gaps at the end.
    slow = [v for v in config.methods if get_method(parse_variant(v)[0]).family in SLOW_FAMILIES]
    order = slow + [v for v in config.methods if v not in slow]
    phases: dict[str, float] = {}
    start = time.perf_counter()
    if workers > 1:
        by_name = {}
        for res in pool_map(core_scores, [(v, config) for v in order], workers, model, x_all):
            by_name[res.method] = res
            if progress:
                progress(res.method, config.n, config.n)
        results = [by_name[v] for v in config.methods]
    else:
        results = [core_scores(model, x_all, v, config, progress, should_stop) for v in config.methods]
    phases["core"] = time.perf_counter() - start
    start = time.perf_counter()
    if len(extra_pos):
        ok = {r.method: r for r in results if r.error is None and r.cut is None}
        jobs = [(extra_pos, v, config) for v in order if v in ok]
        done = (pool_map(_extras_job, jobs, workers, model, x_all) if workers > 1
                else _until_stopped([(model, x_all, *j) for j in jobs], ok, should_stop))
        for variant, scores, seconds, error in done:
            ok[variant].scores.update(scores)
            ok[variant].extras_seconds = seconds
            ok[variant].error = error
    phases["extras"] = time.perf_counter() - start
    if config.controls and not any(r.cut for r in results):
        metrics = core_metrics(config.replacements)
        like = explain_batch(model, x_all, "saliency")  # the controls are scored for each digit's prediction
        for name in CONTROLS:
            t0 = time.perf_counter()
            batch = control_batch(like, control_maps(x_all, indices, name, config.seed), name)
            res = MethodScores(name, score_batch(model, x_all, batch, metrics))
            if len(extra_pos):  # ROAD needs no re-explaining: the controls get it too
                sub = BatchAttribution(**{**batch.__dict__, "values": batch.values[extra_pos],
                                          "targets": tuple(like.targets[i] for i in extra_pos),
                                          "outputs": like.outputs[extra_pos]})
                for metric in (RoadMoRF(), RoadLeRF()):
                    res.scores[metric.name] = _spread(metric.scores(Explained(model, x_all[extra_pos], sub)),
                                                      extra_pos, config.n)
            res.seconds = time.perf_counter() - t0
            results.append(res)
    return indices, results, phases


def _until_stopped(jobs: list[tuple], ok: dict[str, MethodScores], should_stop: ShouldStop | None):
    """The extras jobs one by one while `should_stop` allows; the rest are marked cut."""
    for k, job in enumerate(jobs):
        if stopped(should_stop):
            for rest in jobs[k:]:
                ok[rest[3]].cut = "extras"
            return
        yield _extras_job(*job)


def _spread(values: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    out[positions] = values
    return out
