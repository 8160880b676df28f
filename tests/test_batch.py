"""The batch verb: a batch equals its digits one by one, for every method and every metric;
references are one uniform option; controls, targets and model checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge
from torch import nn

from explain import Contrast, explain, explain_all_classes, explain_batch, method_names
from explain.adapters.surrogates import fit_linear, kernel_shap_coalitions, lime_coalitions
from explain.cli.main import main as explain_cli
from explain.evaluation.leaderboard import (
    CONTROLS,
    LeaderboardConfig,
    control_maps,
    run_leaderboard,
    stratified_indices,
)
from explain.evaluation.metrics import Explained, MaxSensitivity, Scored, core_metrics
from explain.evaluation.metrics.road import RoadLeRF, RoadMoRF
from explain.evaluation.ranking import bootstrap_ranks, summarise
from explain.registry import get_method
from tests.cli import run_main

DIGITS = [0, 1, 2, 7, 11, 61]
TARGETS = [None, 3, Contrast(1, 7), None, 9, None]


@pytest.fixture(scope="module")
def xs(test_split):
    return test_split.images[DIGITS]


@pytest.mark.parametrize("method", method_names())
@pytest.mark.slow
def test_batch_equals_digits_one_by_one(model, xs, method):
    """Every method, stochastic ones included: digit i's map depends on the digit, target, params
    and seed only, never on its batch-mates (relative max difference ≤ 1e-4)."""
    batch = explain_batch(model, xs, method, TARGETS, seed=5)
    assert batch.values.shape == (len(DIGITS), *get_method(method).map_shape)
    for i, t in enumerate(TARGETS):
        one = explain(model, xs[i], method, t, seed=5)
        scale = np.abs(one.values).max() + 1e-12
        assert np.abs(batch.values[i] - one.values).max() / scale <= 1e-4, (method, i)
        assert batch[i].target == one.target
        assert batch.outputs[i] == pytest.approx(one.output, rel=1e-5, abs=1e-6)
    # Reversed batch-mates: the same maps.
    again = explain_batch(model, xs.flip(0), method, TARGETS[::-1], seed=5)
    np.testing.assert_allclose(again.values[::-1], batch.values, rtol=1e-4, atol=1e-6 * np.abs(batch.values).max())


@pytest.mark.parametrize("method", [m for m in method_names() if get_method(m).stochastic])
def test_stochastic_methods_are_seeded(model, xs, method):
    a = explain_batch(model, xs[:2], method, seed=1)
    b = explain_batch(model, xs[:2], method, seed=1)
    c = explain_batch(model, xs[:2], method, seed=2)
    np.testing.assert_array_equal(a.values, b.values)
    if method not in {"deeplift_shap", "shap_deep"}:  # exact given their background; only it varies
        assert not np.allclose(a.values, c.values)


def test_all_classes_is_one_batch_of_ten_heads(model, xs):
    maps = explain_all_classes(model, xs[0], "integrated_gradients")
    assert [a.target for a in maps] == list(range(10))
    for c in (0, 4, 9):
        np.testing.assert_allclose(maps[c].values, explain(model, xs[0], "integrated_gradients", c).values,
                                   rtol=1e-4, atol=1e-7)


def test_completeness_gaps_per_digit(model, xs):
    batch = explain_batch(model, xs, "deeplift", params={"baseline": "mean"})
    assert batch.completeness_gaps is not None
    assert np.abs(batch.completeness_gaps).max() < 1e-3 * np.abs(batch.outputs - batch.baseline_outputs).max()


@pytest.mark.parametrize("metric", [*core_metrics(("zero", "mean", "blur")), MaxSensitivity(samples=2), RoadMoRF(),
                                    RoadLeRF()], ids=lambda m: m.name)
def test_batched_metric_equals_per_digit(model, xs, metric):
    batch = explain_batch(model, xs, "integrated_gradients", TARGETS)
    scores = metric.scores(Explained(model, xs, batch))
    for i in range(len(DIGITS)):
        one = metric(Scored(model, xs[i : i + 1], batch[i]))
        assert scores[i] == pytest.approx(one, rel=1e-5, abs=1e-8), (metric.name, i)


@pytest.mark.parametrize("method", ["deeplift_shap", "gradient_shap", "shap_deep", "shap_gradient"])
def test_background_methods_take_every_reference(model, xs, method):
    """A single reference is a background of one: with the zero reference DeepLiftShap and Deep SHAP
    are DeepLift against zero; every reference changes the map."""
    maps = {r: explain(model, xs[0], method, params={"baseline": r}).values
            for r in ("background", "zero", "mean", "blur", "noise")}
    assert all(not np.allclose(maps["background"], maps[r]) for r in ("zero", "mean", "blur", "noise"))
    if method in {"deeplift_shap", "shap_deep"}:
        np.testing.assert_allclose(maps["zero"], explain(model, xs[0], "deeplift").values, rtol=1e-4, atol=1e-6)


def test_reference_rejected_where_it_does_not_apply(model, xs, capsys):
    with pytest.raises(ValueError, match="unknown parameter"):
        explain(model, xs[0], "saliency", params={"baseline": "zero"})
    run = ["run", "--index", "0"]
    one = run_main(explain_cli, [*run, "--method", "saliency", "--baseline", "zero"], capsys)
    assert one.one_error_line, one
    assert "integrated_gradients" in one.err  # names the methods that take it
    several = run_main(explain_cli, [*run, "--method", "saliency,shap_deep", "--baseline", "zero", "--json"], capsys)
    assert several.code == 0, several.err
    assert "does not apply to saliency" in several.err


def test_cli_batch_writes_every_map(tmp_path, model, test_split, capsys):
    out = tmp_path / "maps.npz"
    r = run_main(explain_cli, ["run", "--indices", "0-9,20", "--method", "deeplift", "--target", "3",
                               "--out", str(out)], capsys)
    assert r.code == 0, r.err
    z = np.load(out)
    assert z["indices"].tolist() == [*range(10), 20]
    np.testing.assert_allclose(z["deeplift/values"][4], explain(model, test_split.images[4], "deeplift", 3).values,
                               rtol=1e-4, atol=1e-6)
    assert set(z["deeplift/targets"]) == {"3"}


def test_random_control_changes_per_digit(test_split):
    maps = control_maps(test_split.images[:3], [0, 1, 2], "control_random", seed=0)
    assert not np.allclose(maps[0], maps[1])
    np.testing.assert_array_equal(maps[1], control_maps(test_split.images[1:2], [1], "control_random", 0)[0])


@pytest.mark.parametrize("sampler,alpha", [(lime_coalitions, 1.0), (kernel_shap_coalitions, 0.0)])
def test_surrogate_solve_equals_scikit_learn(sampler, alpha):
    z, w = sampler(12, 200, seed=3)
    y = np.random.default_rng(0).normal(size=(200, 4))
    ours = fit_linear(z, torch.from_numpy(y), w, alpha).numpy()
    for j in range(4):
        ref = Ridge(alpha=alpha, solver="svd").fit(z.numpy(), y[:, j], sample_weight=w.numpy()).coef_
        np.testing.assert_allclose(ours[:, j], ref, rtol=1e-6, atol=1e-8)


def test_targets_and_model_checks(model, xs):
    with pytest.raises(ValueError, match="one target per digit"):
        explain_batch(model, xs, "saliency", [1, 2])
    with pytest.raises(ValueError, match="class 0–9"):
        explain_batch(model, xs, "saliency", 10)
    with pytest.raises(ValueError, match="N digits"):
        explain_batch(model, torch.zeros(2, 3, 28, 28), "saliency")
    with pytest.raises(ValueError, match="10 class logits"):
        explain(nn.Sequential(nn.Flatten(), nn.Linear(784, 5)), xs[0], "saliency")
    with pytest.raises(TypeError, match="float32"):
        explain(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).double(), xs[0], "saliency")


def test_caller_hooks_are_ignored_for_target_and_map(model, xs):
    plain = explain(model, xs[0], "saliency")
    handle = model.register_forward_hook(lambda m, i, out: out.flip(1))  # changes the prediction
    try:
        hooked = explain(model, xs[0], "saliency")
    finally:
        handle.remove()
    assert hooked.target == plain.target
    np.testing.assert_array_equal(hooked.values, plain.values)


@pytest.mark.slow
def test_leaderboard_ranks_with_intervals(model, test_split):
    config = LeaderboardConfig(("saliency", "deeplift", "gradient_shap"), n=30, extras_n=10)
    indices, results, phases = run_leaderboard(model, test_split.images, test_split.labels, config)
    assert set(phases) == {"core", "extras"}
    assert len(indices) == 30 and [r.method for r in results] == [*config.methods, *CONTROLS]
    scores = {r.method: r.scores for r in results}
    assert np.isnan(scores["saliency"]["max_sensitivity"]).sum() == 20  # the extras ran on 10 digits
    assert "seed_stability" in scores["gradient_shap"] and "seed_stability" not in scores["deeplift"]
    rows = summarise([r.method for r in results], scores)
    for row in rows:
        assert row["deletion_mean_rank_lo"] <= row["deletion_mean_rank"] <= row["deletion_mean_rank_hi"]
    # The random control is the worst deletion curve of all.
    assert max(rows, key=lambda r: r["deletion_mean_rank"])["method"] == "control_random"


def test_bootstrap_ranks_separate_clear_winners():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.0, 0.1, 500), rng.normal(1.0, 0.1, 500)
    scores = np.stack([a, b, rng.permutation(b)])  # the last two: the same scores on other digits
    r = bootstrap_ranks(scores, higher=True)
    assert r.rank[0] == 3
    assert r.lo[0] == r.hi[0] == 3  # clearly last
    assert r.lo[1] < r.hi[1]  # equal means: the interval spans both ranks


def test_edge_cases_found_in_review(model, xs, test_split):
    # The Sobel control of a digit does not depend on its neighbours in the batch.
    both = control_maps(test_split.images[:3], [0, 1, 2], "control_sobel", 0)
    np.testing.assert_allclose(both[1], control_maps(test_split.images[1:2], [1], "control_sobel", 0)[0])
    # A background of one is DeepLift against that digit, not an AssertionError.
    assert np.isfinite(explain(model, xs[0], "deeplift_shap", params={"background_size": 1}).values).all()
    with pytest.raises(ValueError, match="stride must be at most window"):
        explain(model, xs[0], "occlusion", params={"window": 1, "stride": 2})
    from explain.params import IGParams
    with pytest.raises(TypeError, match="BaselineParams"):
        explain(model, xs[0], "deeplift", params=IGParams())
    # n = 10000 is the whole test set, although some classes have fewer than 1,000 digits.
    assert stratified_indices(test_split.labels, 10_000, 0) == list(range(10_000))
