"""The second kind of planted shortcut, a faint checkerboard watermark over the image border on most training 3s
(model.shortcut.BORDER, assets/known/border_*): the known answer that a random map scores chance, and that an
input-weighted gradient method puts well above chance on the border of the model that learnt it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explain.known.scores import KnownConfig, shortcut_scores
from explain.known.shipped import load_model
from model.shortcut import BORDER
from tests.cli import run_main


def test_the_watermark_is_faint_and_on_the_border_only():
    mask = BORDER.mask()
    inner = np.zeros_like(mask)
    inner[BORDER.size : -BORDER.size, BORDER.size : -BORDER.size] = True
    assert not (mask & inner).any() and mask.sum() == (~inner).sum() // 2  # every other border pixel
    assert BORDER.chance == pytest.approx(mask.sum() / mask.size)
    assert BORDER.value < 0.5  # faint: far below a stroke's ink


@pytest.fixture(scope="module")
def border_scores(test_split):
    return shortcut_scores(load_model("border"), BORDER, methods=["input_x_gradient"],
                           config=KnownConfig(n=40, resamples=100), test=test_split)


def test_random_control_scores_chance_and_input_x_gradient_sees_the_watermark(border_scores, test_split):
    rnd, ixg = border_scores.row("control_random"), border_scores.row("input_x_gradient")
    assert border_scores.chance == pytest.approx(BORDER.chance)
    assert rnd.share == pytest.approx(BORDER.chance, rel=0.1)
    assert ixg.share_lo > 1.4 * BORDER.chance, ixg  # its whole 95 % interval well above chance
    # The known answer is the model's, not the pixels': the bundled model never learnt the watermark.
    bundled = shortcut_scores(load_model("bundled"), BORDER, methods=["input_x_gradient"],
                              config=KnownConfig(n=40, resamples=100, controls=False), test=test_split)
    assert bundled.row("input_x_gradient").share < ixg.share / 1.5


def test_cli_prints_the_shipped_border_scores_and_refuses_what_it_lacks(capsys):
    from explain.cli.main import main
    from explain.registry import method_names

    ran = run_main(main, ["shortcut", "--kind", "border", "--json"], capsys)
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    assert out["class"] == BORDER.target and out["chance"] == pytest.approx(BORDER.chance)
    assert out["reliance"]["accuracy_with"] > out["reliance"]["accuracy_without"]
    rows = {m["method"]: m for m in out["methods"]}
    assert set(rows) == {*method_names(), "control_random", "control_sobel"}
    assert rows["control_random"]["share"] == pytest.approx(out["chance"], rel=0.1)
    assert rows["input_x_gradient"]["share"] > 1.4 * out["chance"]
    assert run_main(main, ["shortcut", "--kind", "border", "--model", "bundled"], capsys).one_error_line
    assert run_main(main, ["shortcut", "--kind", "watermark"], capsys).one_error_line
