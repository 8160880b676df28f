"""The leaderboard's worker processes (`--workers N`) start clean, not forked from a process where torch ran,
get the model and digits once each, and score exactly what one process scores (issue 25)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from explain.evaluation import workers
from explain.evaluation.leaderboard import LeaderboardConfig, run_leaderboard


def _where(model, x_all, task: int) -> tuple[int, int, int, int, int]:
    """Runs in a worker: its parent, its process, where its shared model lives, its thread count."""
    return task, os.getppid(), os.getpid(), id(model), torch.get_num_threads()


@pytest.mark.slow
def test_workers_are_not_forked_from_this_process_and_get_the_model_once(model, test_split):
    assert workers.POOL_CONTEXT in ("forkserver", "spawn")
    x = test_split.images[:4]
    seen = list(workers.pool_map(_where, [(i,) for i in range(8)], 2, model, x))
    assert sorted(s[0] for s in seen) == list(range(8))
    assert {s[1] for s in seen} != {os.getpid()}  # a forked worker's parent would be this process
    by_worker = {}
    for _, _, pid, model_id, threads in seen:
        by_worker.setdefault(pid, set()).add(model_id)
        assert threads == 1
    assert all(len(ids) == 1 for ids in by_worker.values())  # one model per worker, not one per task


@pytest.mark.slow
def test_two_workers_score_what_one_process_scores(model, test_split):
    config = LeaderboardConfig(methods=("saliency", "integrated_gradients"), n=10, extras_n=5)
    _, one, _ = run_leaderboard(model, test_split.images, test_split.labels, config)
    _, two, _ = run_leaderboard(model, test_split.images, test_split.labels, config, workers=2)
    assert [r.method for r in one] == [r.method for r in two]
    for a, b in zip(one, two, strict=True):
        assert a.error is None and b.error is None and a.scores.keys() == b.scores.keys()
        for metric in a.scores:  # float32 sums in another order (one thread per worker): ~1e-6 apart at most
            np.testing.assert_allclose(b.scores[metric], a.scores[metric], rtol=1e-5, atol=1e-6, err_msg=metric)
