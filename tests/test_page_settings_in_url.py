"""Settings the README says travel in the link (issue 28): Explore's mistakes filter and order, Inside's tab and
the unit it shows; each read from the link and written back as it changes. The shared class pickers start at
the runner-up, not at the predicted class."""

from __future__ import annotations

import numpy as np

from app.components.layer_heatmaps import layers_data, shared_ranges
from tests.test_app import _app, _components


def test_explore_reads_and_writes_the_mistakes_filter_and_order():
    at = _app("explore", query={"wrong": "1", "order": "confidence"})
    assert at.toggle(key="explore-wrong").value is True
    assert at.selectbox(key="explore-order").value == "lowest confidence"
    at.toggle(key="explore-wrong").set_value(False).run()
    assert "wrong" not in at.query_params and at.query_params["order"] == "confidence"
    at.toggle(key="explore-wrong").set_value(True).run()
    assert at.query_params["wrong"] == "1"


def test_inside_opens_the_tab_of_the_link_and_writes_the_unit_it_shows():
    at = _app("inside", query={"index": "3", "tab": "conductance"})
    assert at.query_params["tab"] == "conductance"
    assert at.selectbox(key="inside-lc-layer") is not None  # the conductance tab ran
    at = _app("inside", query={"index": "3", "neuron": "hidden2:5"})
    assert at.query_params["tab"] == "neuron" and at.query_params["neuron"] == "hidden2:5"
    at.number_input(key="inside-unit").set_value(7).run()
    assert at.query_params["neuron"] == "hidden2:7" and at.number_input(key="inside-unit").value == 7


def test_two_inputs_share_one_colour_range_per_layer():
    a = {"hidden1": np.array([0.0, 1.0, 2.0]), "logits": np.array([-1.0, 3.0])}
    b = {"hidden1": np.array([0.0, 5.0, 1.0]), "logits": np.array([-4.0, 0.5])}
    ranges = shared_ranges(a, b)
    assert ranges == {"hidden1": (0.0, 5.0), "logits": (-4.0, 4.0)}
    got = [(layer["lo"], layer["hi"]) for layer in layers_data(a, ranges=ranges)["layers"]]
    assert got == [(0.0, 5.0), (-4.0, 4.0)]


def test_another_class_starts_at_the_runner_up():
    at = _app("explore", query={"index": "8"})  # test digit #8: a 5
    probs = np.asarray(_components(at, "probability_bars")[0]["p"])
    runner_up = int(np.argsort(probs)[-2])
    at.radio(key="explore-mode").set_value("Another class").run()
    assert at.selectbox(key="explore-class").value == runner_up != int(probs.argmax())
    at.radio(key="explore-mode").set_value("Why A and not B").run()
    assert (at.selectbox(key="explore-a").value, at.selectbox(key="explore-b").value) == (int(probs.argmax()), runner_up)


def test_methods_and_scale_chosen_on_one_page_follow_to_the_next():
    at = _app("explore", query={"index": "3"})
    at.multiselect(key="explore-methods").set_value(["saliency", "deeplift"]).run()
    at.radio(key="explore-scale").set_value("Each map its own scale").run()
    at.query_params.clear()
    at.switch_page("app_pages/compare.py")
    at.run()
    assert at.multiselect(key="compare-methods").value == ["saliency", "deeplift"]
    at.switch_page("app_pages/draw.py")
    at.run()
    assert at.multiselect(key="draw-methods").value == ["saliency", "deeplift"]
    assert at.radio(key="draw-scale").value == "Each map its own scale"


def test_explore_marks_the_open_digit_and_lists_it_when_the_filters_let_it_through():
    at = _app("explore", query={"index": "9000", "wrong": "0"})  # beyond the rows shown by index order
    table = at.dataframe[0].value
    assert table["index"].iloc[0] == 9000 and table["open"].iloc[0] == "●" and (table["open"] == "●").sum() == 1
