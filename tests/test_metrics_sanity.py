"""Metrics and sanity checks against known answers, Quantus, and the Adebayo et al. result."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

from explain import explain
from explain.evaluation.metrics import (
    CompletenessGap,
    DeletionAUC,
    Entropy,
    Infidelity,
    InsertionAUC,
    MaxSensitivity,
    Scored,
    Sparseness,
    curve,
)
from explain.evaluation.metrics.complexity import entropy, gini
from explain.evaluation.sanity import cascade, linear_layers_top_down, random_logit, random_map, randomised, sobel_map
from tests.cli import run_main
from tests.test_explain_correctness import Linear


def _with_values(a, values):
    return dataclasses.replace(a, values=np.asarray(values, dtype=np.float64))


def test_perfect_map_beats_random_on_a_linear_model(test_split):
    lin = Linear()
    wins = {"deletion": 0, "insertion": 0}
    for i in range(10):
        x = test_split.images[i].reshape(1, 1, 28, 28)
        a = explain(lin, x, "input_x_gradient", target=3)
        truth = (lin.fc.weight[3].reshape(28, 28) * x.reshape(28, 28)).numpy()  # exact contributions
        perfect, rand = Scored(lin, x, _with_values(a, truth)), Scored(lin, x, _with_values(a, random_map(i)))
        wins["deletion"] += DeletionAUC("zero")(perfect) < DeletionAUC("zero")(rand)
        wins["insertion"] += InsertionAUC("zero")(perfect) > InsertionAUC("zero")(rand)
    assert wins == {"deletion": 10, "insertion": 10}


def test_curve_ends_and_batching(model, test_split):
    x = test_split.images[0].reshape(1, 1, 28, 28)
    a = explain(model, x, "deeplift")
    fr, sc = curve(Scored(model, x, a), "zero")
    assert fr[0] == 0 and fr[-1] == 1 and len(fr) == 29
    p = torch.softmax(model(x), 1)[0, 7]
    assert sc[0] == pytest.approx(float(p), abs=1e-6)
    p0 = torch.softmax(model(torch.zeros(1, 1, 28, 28)), 1)[0, 7]
    assert sc[-1] == pytest.approx(float(p0), abs=1e-6)


def test_complexity_known_answers():
    assert gini(np.ones((28, 28))) == pytest.approx(0.0)
    one_hot = np.zeros((28, 28))
    one_hot[3, 4] = 5
    assert gini(one_hot) == pytest.approx(1 - 1 / 784)
    assert entropy(np.ones((28, 28))) == pytest.approx(np.log(784))
    assert entropy(one_hot) == pytest.approx(0.0)
    assert Sparseness.higher_is_better and not Entropy.higher_is_better


def test_matches_quantus(model, test_split):
    quantus = pytest.importorskip("quantus")
    xs = test_split.images[:4].reshape(4, 1, 28, 28).numpy()
    maps = np.stack([explain(model, xs[i], m).values[None] for i, m in
                     enumerate(["saliency", "integrated_gradients", "lime_image", "deeplift"])])
    ys = test_split.labels[:4].numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q_sparse = quantus.Sparseness(disable_warnings=True)(model=None, x_batch=xs, y_batch=ys, a_batch=maps,
                                                             channel_first=True)
        q_entropy = quantus.Complexity(disable_warnings=True)(model=None, x_batch=xs, y_batch=ys, a_batch=maps,
                                                              channel_first=True)
        q_flip = quantus.PixelFlipping(features_in_step=28, perturb_baseline="black", normalise=False, abs=False,
                                       disable_warnings=True)(model=model, x_batch=xs, y_batch=ys, a_batch=maps,
                                                              channel_first=True, softmax=True, device="cpu")
    for i in range(4):
        assert gini(maps[i]) == pytest.approx(q_sparse[i], abs=1e-5)
        assert entropy(maps[i]) == pytest.approx(q_entropy[i], abs=1e-5)
        if i == 2:
            continue  # LIME's map is constant per superpixel: the order inside a tie is arbitrary
        a = dataclasses.replace(explain(model, xs[i], "saliency", target=int(ys[i])), values=maps[i, 0])
        ours = curve(Scored(model, torch.from_numpy(xs[i][None]), a), "zero")[1][1:]
        np.testing.assert_allclose(ours, np.asarray(q_flip[i]), atol=1e-5)


def test_infidelity_sensitivity_and_gap(model, test_split):
    x = test_split.images[1].reshape(1, 1, 28, 28)
    ig = explain(model, x, "integrated_gradients")
    s = Scored(model, x, ig)
    assert Infidelity()(s) == Infidelity()(s)  # seeded: reproducible
    assert 0 <= MaxSensitivity()(s) < 1
    assert CompletenessGap()(s) < 0.02
    assert np.isnan(CompletenessGap()(Scored(model, x, explain(model, x, "saliency"))))
    # a map that is the model's own linearisation is far more faithful (infidelity) than noise
    assert Infidelity()(s) < Infidelity()(Scored(model, x, _with_values(ig, random_map(0))))


def test_randomised_copy_leaves_the_model_alone(model):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    r = randomised(model, ["out"], seed=1)
    assert linear_layers_top_down(model) == ["out", "fc2", "fc1"]
    assert not torch.equal(r.net.out.weight, model.net.out.weight)
    assert torch.equal(r.net.fc1.weight, model.net.fc1.weight)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    with pytest.raises(ValueError, match="unknown layer"):
        randomised(model, ["conv9"])


@pytest.mark.slow
def test_guided_backprop_and_deconvolution_change_less_than_saliency_and_ig(model, test_split):
    """Adebayo et al. 2018 on this MLP: mean signed rank correlation with the trained model's map
    after randomising the output layer, then output + fc2."""
    methods = ["guided_backprop", "deconvolution", "saliency", "integrated_gradients"]
    corr = {m: np.zeros(2) for m in methods}
    for i in range(10):
        for m in methods:
            rows = cascade(model, test_split.images[i], m)
            corr[m] += np.array([rows[0].spearman, rows[1].spearman]) / 10
    for step in range(2):
        assert min(corr["guided_backprop"][step], corr["deconvolution"][step]) > \
            max(corr["saliency"][step], corr["integrated_gradients"][step]) + 0.1, corr


def test_random_logit_and_controls(model, test_split):
    x = test_split.images[0]
    row = random_logit(model, x, "deeplift")
    assert "random logit" in row.randomised and row.spearman < 0.9
    edges = sobel_map(x)
    assert edges.shape == (28, 28) and edges.max() > 0 and edges[0, 0] == 0
    assert not np.array_equal(random_map(0), random_map(1))


@pytest.mark.slow
def test_leaderboard_cli_writes_reproducible_csv(tmp_path, capsys):
    from explain.cli.leaderboard import main

    args = ["--n", "10", "--methods", "saliency,deeplift,gradient_shap", "--seed", "3", "--extras-n", "4", "--out"]
    # Once as a user runs it (a fresh process), once in this one: the same numbers, with the same thread count
    # (float sums split over threads differ in the last bits; `make test` runs one thread per worker).
    env = {**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())}
    subprocess.run([sys.executable, "-m", "explain.evaluate", *args, str(tmp_path / "a.csv")],
                   check=True, capture_output=True, timeout=300, env=env)
    assert run_main(main, [*args, str(tmp_path / "b.csv")], capsys).code == 0

    def rows(out):
        with out.open() as fh:
            return list(csv.DictReader(fh))

    a, b = rows(tmp_path / "a.csv"), rows(tmp_path / "b.csv")
    assert [r["method"] for r in a] == ["saliency", "deeplift", "gradient_shap", "control_random", "control_sobel"]
    for ra, rb in zip(a, b, strict=True):
        assert ra["deletion_mean_n"] == "10" and ra["error"] == ""
        for k in ra:
            if k != "seconds":
                assert ra[k] == rb[k], k
    assert float(a[1]["deletion_mean"]) < float(a[3]["deletion_mean"])  # DeepLift beats noise
    assert a[0]["max_sensitivity_n"] == "4" and a[2]["seed_stability_n"] == "4" and a[1]["seed_stability"] == "nan"
    meta = json.loads((tmp_path / "a.csv.meta.json").read_text())
    assert meta["n"] == 10 and "explain.evaluate" in meta["command"]


def test_cascade_over_many_digits_equals_one_by_one(model, test_split):
    from explain.evaluation.sanity import cascade, cascade_many

    many = cascade_many(model, test_split.images[:3], "guided_backprop")
    singles = [[r.spearman for r in cascade(model, test_split.images[i], "guided_backprop")] for i in range(3)]
    np.testing.assert_allclose(many.mean, np.mean(singles, axis=0), atol=1e-6)
    assert many.n == 3 and len(many.steps) == len(many.ci95) == 3
    # Guided Backprop keeps more of its map with the top layer randomised than once fc1 goes too.
    assert many.mean[0] > many.mean[-1] + 0.3


def test_cascade_steps_have_display_names():
    from model.network import randomised_display_name

    assert randomised_display_name("out") == "output"
    assert randomised_display_name("out+fc2+fc1") == "output + hidden 2 + hidden 1"
    assert randomised_display_name("random logit (3)") == "random logit (3)"  # not a module: as it is
