"""Long batched loops stop between units of work when asked, keep what they finished (equal to what
a full run computes for those units) and say what they cut."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from explain.evaluation.leaderboard import LeaderboardConfig, run_leaderboard
from explain.evaluation.sanity import cascade_many
from explain.stopping import Deadline
from explain.whatif.attacks import AttackConfig, accuracy_curve


def after(k: int):
    """A should_stop that lets k units through, then says stop."""
    calls = itertools.count()
    return lambda: next(calls) >= k


def test_deadline_says_why_it_stopped():
    event = threading.Event()
    d = Deadline(budget_s=60.0, cancel=event.is_set)
    assert not d() and d.reason is None
    event.set()
    assert d() and d.reason == "cancelled"
    quick = Deadline(budget_s=0.01)
    time.sleep(0.03)
    assert quick() and quick.reason == "budget"
    with pytest.raises(ValueError, match="budget_s"):
        Deadline(budget_s=0)


def test_a_cancelled_leaderboard_keeps_the_finished_method_and_cuts_the_rest(model, test_split):
    methods = ("saliency", "deeplift", "input_x_gradient")
    config = LeaderboardConfig(methods, n=20, extras_n=5, chunk=10)
    full = {r.method: r for r in run_leaderboard(model, test_split.images, test_split.labels, config)[1]}
    cancel = threading.Event()

    def progress(method: str, done: int, total: int) -> None:
        if method == "saliency" and done == total:  # the first method is done: press Cancel
            cancel.set()

    _, results, _ = run_leaderboard(model, test_split.images, test_split.labels, config, progress,
                                    should_stop=Deadline(cancel=cancel.is_set))
    by = {r.method: r for r in results}
    assert list(by) == list(methods), "no controls after a cut"
    assert by["saliency"].cut == "extras" and by["deeplift"].cut == "core" and by["input_x_gradient"].cut == "core"
    assert by["deeplift"].scores == {} and "max_sensitivity" not in by["saliency"].scores
    for metric, values in by["saliency"].scores.items():
        np.testing.assert_allclose(values, full["saliency"].scores[metric], rtol=1e-5, atol=1e-6, err_msg=metric)
    assert all(r.cut is None for r in full.values())


def test_a_leaderboard_cut_between_chunks_keeps_no_half_scored_method(model, test_split):
    config = LeaderboardConfig(("saliency",), n=20, extras_n=0, chunk=10)
    _, results, _ = run_leaderboard(model, test_split.images, test_split.labels, config, should_stop=after(1))
    assert results[0].cut == "core" and results[0].scores == {}
    with pytest.raises(ValueError, match="workers=1"):
        run_leaderboard(model, test_split.images, test_split.labels, config, workers=2, should_stop=after(1))


def test_sanity_over_many_digits_stops_between_randomisation_steps(model, test_split):
    x = test_split.images[:8]
    full = cascade_many(model, x, "saliency")
    part = cascade_many(model, x, "saliency", should_stop=after(1))
    assert part.steps == full.steps[:1] and part.cut == full.steps[1:] and full.cut == ()
    np.testing.assert_allclose(part.mean, full.mean[:1])
    np.testing.assert_allclose(part.ci95, full.ci95[:1])


def test_test_set_attack_stops_between_radii(model, test_split):
    x, y = test_split.images[:100], test_split.labels[:100]
    eps = [0.0, 0.05, 0.1, 0.2]
    full = accuracy_curve(model, x, y, eps, AttackConfig("fgsm"))
    part = accuracy_curve(model, x, y, eps, AttackConfig("fgsm"), should_stop=after(2))
    assert part.eps == [0.0, 0.05] and part.cut == [0.1, 0.2] and full.cut == []
    assert part.accuracy == full.accuracy[:2]
    assert part.to_dict()["cut"] == [0.1, 0.2] and "cut" not in full.to_dict()
