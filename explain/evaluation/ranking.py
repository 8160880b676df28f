"""From per-digit scores to a leaderboard: means with 95 % intervals, ranks with bootstrap
intervals, and how much the ranking depends on the replacement value."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import kendalltau, rankdata

from explain.evaluation.metrics import REPLACEMENTS, MaxSensitivity, core_metrics
from explain.evaluation.metrics.road import RoadLeRF, RoadMoRF

BOOTSTRAP = 500


def directions() -> dict[str, bool]:
    """Metric name → higher is better, for every column the leaderboard can hold."""
    out = {m.name: m.higher_is_better for m in core_metrics(REPLACEMENTS)}
    out[MaxSensitivity.name] = MaxSensitivity.higher_is_better
    out[RoadMoRF.name], out[RoadLeRF.name] = RoadMoRF.higher_is_better, RoadLeRF.higher_is_better
    out["seed_stability"] = True
    return out


@dataclass(frozen=True)
class Ranks:
    """Per method: rank (1 = best) of its mean, and the 2.5 / 97.5 percentiles over resamples."""

    rank: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _rank(means: np.ndarray, higher: bool) -> np.ndarray:
    """Ranks along the last axis, 1 = best, tied methods share the best of their ranks (1, 1, 3);
    NaN stays NaN (a metric that does not apply)."""
    key = np.where(np.isnan(means), np.inf, -means if higher else means)
    r = rankdata(key, method="min", axis=-1).astype(float)
    return np.where(np.isnan(means), np.nan, r)


def bootstrap_ranks(scores: np.ndarray, higher: bool, seed: int = 0, resamples: int = BOOTSTRAP) -> Ranks:
    """scores (methods, n digits) → ranks with 95 % intervals from resampling the digits (the same
    resampled digits for every method, so paired differences count)."""
    valid = ~np.isnan(scores)
    with warnings.catch_warnings(action="ignore", category=RuntimeWarning):  # all-NaN: metric does not apply
        means = np.nanmean(scores, axis=1)
    rng = np.random.default_rng(seed)
    cols = np.flatnonzero(valid.any(axis=0))
    boot = np.empty((resamples, scores.shape[0]))
    for b in range(resamples):
        pick = cols[rng.integers(0, cols.size, cols.size)]
        with warnings.catch_warnings(action="ignore", category=RuntimeWarning):
            boot[b] = np.nanmean(scores[:, pick], axis=1)
    r = _rank(boot, higher)
    with warnings.catch_warnings(action="ignore", category=RuntimeWarning):  # all-NaN: metric does not apply
        return Ranks(_rank(means, higher), np.nanpercentile(r, 2.5, axis=0), np.nanpercentile(r, 97.5, axis=0))


def summarise(methods: list[str], scores: dict[str, dict[str, np.ndarray]], seed: int = 0) -> list[dict[str, object]]:
    """One row per method: for each metric its mean, 95 % CI half-width, digits scored, rank and
    rank interval. `scores[method][metric]` is the per-digit array (NaN where not computed)."""
    rows: list[dict[str, object]] = [{"method": m} for m in methods]
    n = max((len(v) for per in scores.values() for v in per.values()), default=0)
    for metric, higher in directions().items():
        mat = np.stack([np.asarray(scores.get(m, {}).get(metric, np.full(n, np.nan)), dtype=float) for m in methods])
        if np.isnan(mat).all():
            continue
        ranks = bootstrap_ranks(mat, higher, seed)
        for i, row in enumerate(rows):
            v = mat[i][~np.isnan(mat[i])]
            row[metric] = float(v.mean()) if v.size else float("nan")
            row[f"{metric}_ci95"] = float(1.96 * v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
            row[f"{metric}_n"] = int(v.size)
            row[f"{metric}_rank"] = float(ranks.rank[i])
            row[f"{metric}_rank_lo"] = float(ranks.lo[i])
            row[f"{metric}_rank_hi"] = float(ranks.hi[i])
    return rows


def replacement_agreement(rows: list[dict[str, object]], curve: str) -> dict[str, float]:
    """Kendall τ between the method rankings of `curve` ("deletion" or "insertion") under each pair
    of replacements: 1 means the replacement does not matter for who wins."""
    out = {}
    for a, b in itertools.combinations(REPLACEMENTS, 2):
        ra = [r.get(f"{curve}_{a}_rank", np.nan) for r in rows]
        rb = [r.get(f"{curve}_{b}_rank", np.nan) for r in rows]
        ok = [i for i in range(len(rows)) if not (np.isnan(ra[i]) or np.isnan(rb[i]))]
        if len(ok) > 2:
            out[f"{a} vs {b}"] = float(kendalltau([ra[i] for i in ok], [rb[i] for i in ok]).statistic)
    return out


def winners(rows: list[dict[str, object]], curve: str) -> dict[str, str]:
    """The best method of `curve` under each replacement."""
    out = {}
    for r in REPLACEMENTS:
        ranked = [(row.get(f"{curve}_{r}_rank", np.nan), row["method"]) for row in rows]
        ranked = [(k, m) for k, m in ranked if not np.isnan(k)]
        if ranked:
            out[r] = str(min(ranked)[1])
    return out
