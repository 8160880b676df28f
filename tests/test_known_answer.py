"""Explanations against a known answer: a planted shortcut (model/shortcut.py, explain/known/scores.py).

Small models trained here in about a second each (one hidden layer of 32, 3,000 digits, 2 epochs): one
with the patch on every 7 and on nothing else, one trained on the same digits with no patch at all."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from explain.known.scores import KnownConfig, found_chance, per_digit, shortcut_scores
from model.data import Split
from model.shortcut import PATCH, Shortcut, planted_split, reliance
from model.train import TrainConfig, train
from tests.cli import run_main

PLANTED = Shortcut(rate_target=1.0, rate_other=0.0)  # the shipped patch, on every 7 and no other digit
SMALL = TrainConfig(hidden=(32,), epochs=2, seed=0)


def _small(train_split, test_split, planted: bool):
    split = Split(train_split.images[:3000], train_split.labels[:3000])
    split = planted_split(split, PLANTED, seed=0)[0] if planted else split
    model = train(SMALL, split, test_split).model
    model.requires_grad_(False)
    return model


@pytest.fixture(scope="module")
def shortcut_model(train_split, test_split):
    return _small(train_split, test_split, planted=True)


@pytest.fixture(scope="module")
def clean_model(train_split, test_split):
    return _small(train_split, test_split, planted=False)


def test_mark_is_where_it_says_and_planted_at_the_rates(train_split):
    mask = PATCH.mask()
    assert mask.sum() == PATCH.size**2 and mask[PATCH.row, PATCH.col] and not mask[14, 14]
    assert PATCH.chance == pytest.approx(16 / 784)
    marked = PATCH.apply(torch.zeros(2, 28, 28))
    assert torch.equal(marked[0] > 0, torch.from_numpy(mask)) and float(marked.max()) == PATCH.value
    border = Shortcut(kind="border", size=2)
    assert not border.mask()[2:-2, 2:-2].any() and border.mask()[0].sum() == 14  # every other pixel of the frame
    split, which = planted_split(train_split, PATCH, seed=0)
    sevens = train_split.labels == PATCH.target
    assert float(which[sevens].float().mean()) == pytest.approx(PATCH.rate_target, abs=0.02)
    assert float(which[~sevens].float().mean()) == pytest.approx(PATCH.rate_other, abs=0.005)
    assert torch.equal(split.images[~which], train_split.images[~which])  # unmarked digits untouched


def test_reliance_is_measured_on_the_model_that_learnt_it(shortcut_model, clean_model, test_split):
    learnt, clean = reliance(shortcut_model, test_split, PLANTED), reliance(clean_model, test_split, PLANTED)
    assert learnt.flip_rate > 0.3 and learnt.accuracy_with > learnt.accuracy_without + 0.3
    assert clean.flip_rate < 0.05 and abs(clean.accuracy_with - clean.accuracy_without) < 0.1


def test_per_digit_share_and_found_on_known_maps():
    mask = PATCH.mask()
    exact = np.where(mask, 1.0, 0.0)[None]
    elsewhere = np.where(mask, 0.0, 1.0)[None]
    share, found = per_digit(np.concatenate([exact, -exact, elsewhere, np.zeros_like(exact)]), mask)
    assert share[:3].tolist() == [1.0, 1.0, 0.0] and found[:3].tolist() == [1.0, 1.0, 0.0]
    assert np.isnan(share[3]) and np.isnan(found[3])  # an all-zero map says nothing
    assert 0 < found_chance(16) < 1e-9


def test_known_answer_scores_separate_the_models(shortcut_model, clean_model):
    config = KnownConfig(n=60)
    learnt = shortcut_scores(shortcut_model, PLANTED, ["input_x_gradient", "saliency"], config)
    clean = shortcut_scores(clean_model, PLANTED, ["input_x_gradient", "saliency"], config)
    chance = learnt.chance
    for scores in (learnt, clean):  # the random control knows nothing about either model
        rnd = scores.row("control_random")
        assert rnd.share == pytest.approx(chance, rel=0.15) and rnd.share_lo <= chance <= rnd.share_hi
        assert rnd.found_at_k == 0.0
    ixg = learnt.row("input_x_gradient")
    assert ixg.share > 10 * chance and ixg.share_lo > 5 * chance and ixg.found_at_k > 0.9
    # Trained without the patch: nothing found (as often as chance: never), saliency's mass at chance. Input ×
    # Gradient keeps a few times chance there (bright pixels × the never-trained weights of the corner), a
    # fraction of what it puts there on the model that uses the patch.
    for row in clean.methods:
        if row.method != "control_sobel":  # the input's edges include the patch's, whatever the model
            assert row.found_at_k < 0.05, row
    assert clean.row("saliency").share == pytest.approx(chance, rel=0.5)
    assert clean.row("input_x_gradient").share < ixg.share / 3


def test_bad_region_and_config_are_refused(shortcut_model):
    with pytest.raises(TypeError, match="region"):
        shortcut_scores(shortcut_model, np.ones((28, 28), bool))
    with pytest.raises(ValueError, match="unknown method"):
        shortcut_scores(shortcut_model, PATCH, ["nope"])
    with pytest.raises(ValueError, match="n must be"):
        KnownConfig(n=1)
    with pytest.raises(ValueError, match="does not fit"):
        Shortcut(row=26)


def test_cli_prints_the_shipped_scores(capsys):
    from explain.cli.main import main
    from explain.registry import method_names

    ran = run_main(main, ["shortcut", "--json"], capsys)
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    assert out["class"] == PATCH.target and out["chance"] == pytest.approx(PATCH.chance)
    assert set(out["reliance"]) == {"accuracy_with", "accuracy_without", "flip_rate"}
    rows = {m["method"]: m for m in out["methods"]}
    assert set(rows) == {*method_names(), "control_random", "control_sobel"}
    assert rows["control_random"]["share"] == pytest.approx(out["chance"], rel=0.15)
    assert rows["input_x_gradient"]["share"] > 5 * out["chance"]
    assert out["reliance"]["accuracy_with"] > out["reliance"]["accuracy_without"]
    bundled = json.loads(run_main(main, ["shortcut", "--model", "bundled", "--json"], capsys).out)
    assert bundled["reliance"]["flip_rate"] < out["reliance"]["flip_rate"] / 5


@pytest.mark.parametrize("argv", [["shortcut", "--model", "nosuch.safetensors"], ["shortcut", "--methods", "nope"],
                                  ["shortcut", "--out", "x.txt"], ["shortcut", "--n", "0"]])
def test_cli_bad_input_is_one_line(argv, capsys):
    from explain.cli.main import main

    assert run_main(main, argv, capsys).one_error_line
