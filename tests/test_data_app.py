"""The Data page's session side: marks, their CSV, the corrected accuracy; and the page itself (AppTest)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app.state.trainingdata import corrected_accuracy, marks_csv

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def test_corrected_accuracy_takes_the_suggested_label_of_marked_test_digits_only():
    predictions = np.array([1, 2, 3, 4])
    labels = np.array([1, 0, 0, 4])  # digits 1 and 2 look wrong
    marked = {("test", 1): "mislabelled", ("test", 2): "looks right", ("train", 3): "mislabelled"}
    suggested = {("test", 1): 2, ("test", 2): 3, ("train", 3): 9}
    assert corrected_accuracy(predictions, labels, {}, suggested) == 0.5
    assert corrected_accuracy(predictions, labels, marked, suggested) == 0.75  # only test #1 is corrected


def test_marks_csv_has_one_row_per_mark_with_labels():
    text = marks_csv({("test", 5): "mislabelled", ("train", 2): "looks right"},
                     {"test": np.arange(10) % 10, "train": np.full(10, 7)}, {("test", 5): 3})
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [{"split": "test", "index": "5", "given": "5", "suggested": "3", "mark": "mislabelled"},
                    {"split": "train", "index": "2", "given": "7", "suggested": "", "mark": "looks right"}]


@pytest.mark.slow
def test_marking_the_top_suspect_mislabelled_raises_the_corrected_accuracy_by_one_digit():
    at = AppTest.from_file(ENTRY, default_timeout=240)
    at.run()
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    pick = int(at.selectbox(key="data-pick").value)
    metrics = {m.label: m.value for m in at.metric}
    before = float(metrics["Test accuracy"].rstrip("%"))
    assert metrics["Test accuracy, marked labels corrected"] == metrics["Test accuracy"]
    at.radio(key=f"data-mark-test-{pick}").set_value("mislabelled").run()
    assert not at.exception, [e.value for e in at.exception]
    after = float({m.label: m.value for m in at.metric}["Test accuracy, marked labels corrected"].rstrip("%"))
    # the top suspect is a digit the model gets "wrong" under its given label and right under the suggested one
    assert after == pytest.approx(before + 0.01, abs=1e-6)
    assert at.session_state["data-marks"] == {("test", pick): "mislabelled"}
