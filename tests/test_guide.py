"""Guidance logic with known answers: metric sentences, sanity verdicts, the control count, which methods to
trust, and two models' agreement (issue 28)."""

from __future__ import annotations

import numpy as np
import pytest

from explain.evaluation.agreement import model_agreement, paired_spearman, spearman
from explain.evaluation.descriptions import GLOSSARY, glossary, metric_info, metric_infos
from explain.evaluation.ranking import directions
from explain.evaluation.sanity import CascadeSummary
from explain.evaluation.verdicts import (
    SANITY_LINE,
    control_wins,
    load_sanity,
    sanity_verdict,
    sanity_verdicts,
    trust_advice,
)


def test_every_ranked_metric_has_one_sentence_with_its_direction():
    infos = metric_infos()
    assert set(infos) == set(directions())  # one registry: nothing the leaderboard ranks lacks a sentence
    for name, higher in directions().items():
        info = infos[name]
        assert info.higher_is_better is higher
        assert info.sentence.endswith(f"Better is {'higher' if higher else 'lower'}.")
        assert "is better" not in info.description  # the direction is said once, by `sentence`
    assert metric_info("deletion_mean").better == "lower" and metric_info("insertion_zero").better == "higher"
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        metric_info("nope")


def test_glossary_explains_the_jargon_of_issue_28():
    for term in ("Gini", "infidelity", "FGSM", "L∞", "Kendall τ", "fingerprint", "ρ with final map"):
        assert len(GLOSSARY[term].split()) >= 6
    assert list(glossary("Kendall τ", "Gini")) == ["Kendall τ", "Gini"]
    with pytest.raises(ValueError, match="no glossary entry for 'p-value'"):
        glossary("p-value")


def _summary(method: str, mean: list[float], ci: list[float]) -> CascadeSummary:
    steps = ("out", "out+fc2", "out+fc2+fc1")[: len(mean)]
    return CascadeSummary(method, steps, np.array(mean), np.array(ci), 100)


def test_sanity_verdict_fails_a_map_that_stays_like_the_trained_one():
    good = sanity_verdict(_summary("a", [0.3, 0.1, 0.0], [0.05, 0.05, 0.05]))
    assert good.passed and good.step == "out" and good.upper == pytest.approx(0.35)
    bad = sanity_verdict(_summary("b", [0.2, 0.7, 0.0], [0.05, 0.05, 0.05]))
    assert not bad.passed and bad.step == "out+fc2" and bad.rho == pytest.approx(0.7)
    # The interval counts: a mean just under the line whose interval crosses it fails.
    assert not sanity_verdict(_summary("c", [SANITY_LINE - 0.01, 0.0, 0.0], [0.03, 0.0, 0.0])).passed
    # A model-blind control (ρ = 1 at every step) fails; one without intervals is judged on its mean.
    assert not sanity_verdict(_summary("control", [1.0, 1.0, 1.0], [0.0, 0.0, 0.0])).passed
    assert sanity_verdict(_summary("d", [0.1], [float("nan")])).passed
    with pytest.raises(ValueError, match="no steps"):
        sanity_verdict(CascadeSummary("e", (), np.array([]), np.array([]), 0))


def test_control_wins_counts_strict_wins_in_each_metrics_direction():
    higher = {"deletion": False, "insertion": True, "completeness": False}
    scores = {
        "control_random": {"deletion": 0.5, "insertion": 0.5, "completeness": float("nan")},
        "control_sobel": {"deletion": 0.4, "insertion": 0.6, "completeness": float("nan")},
        "good": {"deletion": 0.1, "insertion": 0.9, "completeness": 0.01},
        "mixed": {"deletion": 0.6, "insertion": 0.7, "completeness": 0.0},
        "tie": {"deletion": 0.5, "insertion": 0.5, "completeness": 0.0},
    }
    wins = control_wins(scores, higher)
    assert set(wins) == {"good", "mixed", "tie"}  # the controls are not judged
    assert (wins["good"].k, wins["good"].n) == (2, 2)  # completeness n/a for the control: not counted
    assert (wins["mixed"].k, wins["mixed"].n, wins["mixed"].not_better) == (1, 2, ("deletion",))
    assert wins["tie"].k == 0
    with pytest.raises(ValueError, match="no scores for the control"):
        control_wins({"good": scores["good"]}, higher)


def _rows(ranks: dict[str, list[float]]) -> list[dict]:
    cols = [f"{c}_{r}_rank" for c in ("deletion", "insertion") for r in ("zero", "mean", "blur")]
    return [{"method": m, **dict(zip(cols, rs, strict=True))} for m, rs in ranks.items()]


def test_trust_needs_the_sanity_check_and_a_good_rank_under_every_replacement():
    rows = _rows({
        "steady": [2, 1, 2, 1, 2, 2],  # worst rank 2: trusted
        "best_once": [1, 9, 1, 2, 1, 1],  # wins often, but 9th under one replacement
        "copycat": [3, 2, 1, 3, 3, 3],  # ranks well but fails the sanity check
        "unjudged": [3, 3, 3, 2, 3, 1],  # no sanity result: not trusted
        "control_random": [9, 8, 9, 9, 9, 9],
        "m6": [6, 6, 6, 6, 6, 6], "m7": [7, 7, 7, 7, 7, 7], "m8": [8, 8, 8, 8, 8, 8],
        "m9": [float("nan")] * 6,
    })
    passes = {m: _summary(m, [0.1], [0.0]) for m in ("steady", "best_once", "m6")}
    verdicts = sanity_verdicts({**passes, "copycat": _summary("copycat", [0.9], [0.0])})
    advice = trust_advice(rows, verdicts)
    assert advice.trusted == ("steady",)  # top third of 9 rows: rank ≤ 3 everywhere
    assert advice.worst_rank["best_once"] == 9 and "m9" not in advice.worst_rank
    assert advice.failed_sanity == ("copycat",)
    assert "top third of the 9 rows" in advice.rule
    with pytest.raises(ValueError, match="no leaderboard rows"):
        trust_advice([], verdicts)
    with pytest.raises(ValueError, match="no column 'deletion_zero_rank'"):
        trust_advice([{"method": "x"}], verdicts)


def test_shipped_results_give_advice(tmp_path):
    """The shipped files load, every method has a verdict, and the advice names at least one method."""
    import csv

    from explain.evaluation.leaderboard import CONTROLS
    from explain.registry import method_names
    from model.paths import assets_dir

    summaries, meta = load_sanity(assets_dir() / "sanity" / "cascade_n100.json")
    assert set(summaries) == set(method_names()) and meta["n"] == 100
    with (assets_dir() / "leaderboard" / "leaderboard_n10000.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    advice = trust_advice(rows, sanity_verdicts(summaries))
    assert advice.trusted and not set(advice.trusted) & (set(advice.failed_sanity) | set(CONTROLS))


def test_paired_spearman_matches_the_one_pair_function():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 28, 28)), rng.normal(size=(4, 28, 28))
    b[1] = 2 * a[1] + 1  # same order: ρ = 1
    b[2] = -a[2]  # reversed: ρ = −1
    b[3] = 0.0  # constant: 0, as `spearman` says
    rho = paired_spearman(a, b)
    assert rho == pytest.approx([spearman(a[i], b[i]) for i in range(4)], abs=1e-9)
    assert rho[1:] == pytest.approx([1.0, -1.0, 0.0])
    got = model_agreement({"x": a[1], "y": a[2], "only_a": a[0]}, {"x": b[1], "y": b[2]})
    assert got == pytest.approx({"x": 1.0, "y": -1.0})
    with pytest.raises(ValueError, match="two equal stacks"):
        paired_spearman(a, b[:2])
    with pytest.raises(ValueError, match="finite"):
        paired_spearman(np.full((1, 4), np.nan), np.zeros((1, 4)))
