"""Reports (explain/report, `python -m explain report`): one self-contained HTML file with the digit, the
prediction, the maps with colour bars, the score card, settings, fingerprint and the reproducing command."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explain.cli.main import main
from explain.fingerprint import fingerprint
from explain.notebook import explain_methods
from tests.cli import run_main


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    """One CLI report of test digit 3 with two methods and the score card, shared by the tests below."""
    from explain.cli.main import main as cli_main

    out = tmp_path_factory.mktemp("report") / "r.html"
    assert cli_main(["report", "--index", "3", "--methods", "saliency,deeplift", "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_report_is_self_contained(report):
    from plotly.offline import get_plotlyjs

    assert report.count(get_plotlyjs()[:2000]) == 1  # plotly.js inlined exactly once
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//""", report, re.I)
    assert len(re.findall(r'class="plotly-graph-div"', report)) == 5  # digit, prediction, maps, two curves


def test_report_says_what_it_shows(report, model, test_split):
    x = test_split.images[3].numpy()
    done = explain_methods(model, x, ["saliency", "deeplift"])
    assert fingerprint(done) in report  # the maps in the file are the ones the API computes
    assert "python -m explain report --index 3 --methods saliency,deeplift --target predicted --seed 0" in report
    for words in ("Score card", "control: random map", "DeepLift", "Saliency", "red for, blue against",
                  "unsigned", "test digit #3 (label 0)"):
        assert words in report, words


@pytest.mark.parametrize("argv", [
    ["report", "--index", "3", "--methods", "nope", "--out", "r.html"],
    ["report", "--index", "10000", "--methods", "saliency", "--out", "r.html"],
    ["report", "--index", "3", "--methods", "saliency", "--out", "r.txt"],
    ["report", "--methods", "saliency", "--out", "r.html"],
    ["report", "--index", "3", "--methods", "saliency", "--params", "saliency.bogus=1", "--out", "r.html"],
    ["report", "--index", "3", "--methods", "saliency", "--replacement", "purple", "--out", "r.html"],
])
def test_bad_arguments_exit_2_with_one_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran = run_main(main, argv, capsys)
    assert ran.one_error_line, ran.err
    assert not list(tmp_path.iterdir())  # nothing written


def test_pixels_round_trip_through_the_reports_own_file(tmp_path, capsys):
    from explain.cli.report import read_pixels

    x = np.random.default_rng(0).uniform(size=(28, 28)).astype(np.float32)
    np.save(tmp_path / "digit.npy", x)
    assert np.array_equal(read_pixels(tmp_path / "digit.npy"), x)
    np.save(tmp_path / "bad.npy", x * 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        read_pixels(tmp_path / "bad.npy")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="not a numpy"):
        read_pixels(tmp_path / "obj.npy")
    out = tmp_path / "drawn.html"
    ran = run_main(main, ["report", "--pixels", str(tmp_path / "digit.npy"), "--methods", "saliency", "--no-scores",
                          "--out", str(out)], capsys)
    assert ran.code == 0
    text = out.read_text()
    assert "--pixels digit.npy" in text and 'download="digit.npy"' in text and "Score card" not in text
