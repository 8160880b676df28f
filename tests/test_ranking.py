"""Ranks of the leaderboard: 1 = best, and methods with equal scores share a rank."""

from __future__ import annotations

import numpy as np

from explain.evaluation.ranking import bootstrap_ranks, summarise


def test_tied_methods_share_the_best_of_their_ranks():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 0.1, 200), rng.normal(0.0, 0.1, 200)
    scores = np.stack([b, a, a.copy(), np.full(200, np.nan)])  # two methods with the very same scores
    r = bootstrap_ranks(scores, higher=True, resamples=50)
    assert r.rank[1] == r.rank[2] == 1 and r.rank[0] == 3 and np.isnan(r.rank[3])
    assert r.lo[1] == r.hi[1] == r.lo[2] == r.hi[2] == 1  # tied in every resample too
    lower = bootstrap_ranks(scores, higher=False, resamples=50)
    assert lower.rank[0] == 1 and lower.rank[1] == lower.rank[2] == 2


def test_summarise_gives_tied_methods_one_rank():
    same = np.linspace(0.1, 0.9, 50)
    scores = {"x": {"deletion_zero": same}, "y": {"deletion_zero": same.copy()}, "z": {"deletion_zero": same + 1}}
    rows = {r["method"]: r for r in summarise(["x", "y", "z"], scores)}
    assert rows["x"]["deletion_zero_rank"] == rows["y"]["deletion_zero_rank"] == 1  # lower deletion is better
    assert rows["z"]["deletion_zero_rank"] == 3
