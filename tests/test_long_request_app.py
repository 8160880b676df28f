"""AppTest of the long requests' Cancel button and time budget (app.sections.long_request) on the Evaluate page.

AppTest cannot click while a script runs, so an interrupted run is made the way Streamlit makes
one: the script stops in the middle of a unit of work (`st.stop()` where a click's rerun would
raise), leaving the request pending with what it finished; then Cancel is clicked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import app.sections.recompute as runs

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")
QUERY = {"index": "0", "methods": "saliency", "sanity_methods": "saliency",
         "leaderboard_methods": "saliency,deeplift,input_x_gradient"}


def _evaluate(tab: str = "Leaderboard") -> AppTest:
    """Evaluate with one tab open (only the open tab runs)."""
    at = AppTest.from_file(ENTRY, default_timeout=240)
    for k, v in QUERY.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/evaluate.py")
    at.session_state["evaluate-tab"] = tab
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if tab == "Leaderboard":
        at.slider(key="leaderboard-n").set_value(10).run()
    else:
        at.run()  # a rerun, as a widget change would make (a cut request offers "Compute the rest" then)
    return at


def _own_board(at: AppTest):
    """The recomputed board's table (the bundled board's comes first)."""
    boards = [d.value for d in at.dataframe if "rank (95 % interval)" in d.value.columns]
    assert len(boards[0]) >= 19, "the first board is the bundled one, every method"
    return boards[1:]


@pytest.mark.slow
def test_cancel_keeps_the_finished_methods_and_says_what_was_cut(monkeypatch):
    real = runs._leaderboard_unit

    def interrupted_after_the_first(loaded, n):
        work = real(loaded, n)

        def unit(name, should_stop):
            if name != "saliency":
                st.stop()  # where Streamlit raises when Cancel is clicked mid-run
            return work(name, should_stop)
        return unit

    monkeypatch.setattr(runs, "_leaderboard_unit", interrupted_after_the_first)
    at = _evaluate()
    at.button(key="leaderboard-run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    cancel = at.button(key="leaderboard-run-state-cancel")  # shown while the request is pending
    assert cancel.label == "Cancel"
    pending = at.session_state[runs.LB_KEY]
    assert list(pending.done) == ["saliency"] and not pending.finished
    monkeypatch.setattr(runs, "_leaderboard_unit", real)  # the click's rerun must not go on computing
    cancel.click().run()
    assert not at.exception, [e.value for e in at.exception]
    warned = [w.value for w in at.warning if w.value.startswith("Cancelled")]
    assert len(warned) == 1 and "not computed: DeepLift, Input × Gradient, the control maps" in warned[0], warned
    boards = _own_board(at)
    assert len(boards) == 1 and list(boards[0]["method"]) == ["Saliency"]
    assert not [b for b in at.button if b.key == "leaderboard-run-state-cancel"], "no Cancel once the request ended"
    # The session is usable: Run again computes everything.
    at.button(key="leaderboard-run").click().run()
    assert not at.exception and not [w for w in at.warning if w.value.startswith("Cancelled")]
    assert set(_own_board(at)[0]["method"]) == {"Saliency", "DeepLift", "Input × Gradient",
                                                "control: random map", "control: input edges"}


def test_the_time_budget_cuts_between_methods(monkeypatch):
    monkeypatch.setattr(runs, "LEADERBOARD_BUDGET_S", 1e-6)
    at = _evaluate()
    at.button(key="leaderboard-run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    warned = [w.value for w in at.warning if w.value.startswith("Stopped at the time budget")]
    assert len(warned) == 1 and "not computed: Saliency, DeepLift" in warned[0], warned
    assert not _own_board(at)


def test_whatif_test_set_attacks_cancel_keeps_fgsm(monkeypatch):
    import app.sections.whatif_testset as ts

    real = ts.attack_curve

    def stops_in_pgd(loaded, start, stop, eps, config):
        if config.attack == "pgd":
            st.stop()  # where Streamlit raises when Cancel is clicked mid-run
        return real(loaded, start, stop, eps, config)

    monkeypatch.setattr(ts, "attack_curve", stops_in_pgd)
    at = AppTest.from_file(ENTRY, default_timeout=240)
    at.query_params["view"] = "testset"
    at.run()
    at.switch_page("app_pages/whatif.py")
    at.run()
    at.selectbox(key="whatif-ts-n").set_value(500)
    at.text_input(key="whatif-ts-eps").set_value("0, 0.1").run()
    at.button(key="whatif-ts-run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    cancel = at.button(key=f"{ts.CURVES_KEY}-cancel")
    monkeypatch.setattr(ts, "attack_curve", real)
    cancel.click().run()
    assert not at.exception, [e.value for e in at.exception]
    warned = [w.value for w in at.warning if w.value.startswith("Cancelled")]
    assert len(warned) == 1 and "not computed: PGD on 500 of the 500 digits" in warned[0], warned
    fgsm = at.session_state[ts.CURVES_KEY].done["fgsm:0"]
    assert fgsm.eps == [0.0, 0.1] and fgsm.n == 500 and fgsm.accuracy[1] < fgsm.accuracy[0]
    chart = next(c for c in at.get("plotly_chart") if c.key == "whatif-ts-curves")
    assert [t["name"].split()[0] for t in json.loads(chart.proto.spec)["data"]] == ["FGSM"]  # what finished


def test_sanity_over_many_digits_cut_by_the_budget_then_computed_on_request(monkeypatch):
    monkeypatch.setattr(runs, "SANITY_BUDGET_S", 1e-6)
    at = _evaluate("Sanity checks")
    warned = [w.value for w in at.warning if w.value.startswith("Stopped at the time budget")]
    assert len(warned) == 1 and "nothing was finished; not computed: Saliency" in warned[0], warned
    many = next(c for c in at.get("plotly_chart") if c.key == "sanity-many")
    assert json.loads(many.proto.spec)["data"] == []  # nothing drawn that was not computed
    monkeypatch.setattr(runs, "SANITY_BUDGET_S", 60.0)
    at.button(key="sanity-many-again").click().run()
    assert not at.exception and not [w for w in at.warning if w.value.startswith("Stopped")]
    many = next(c for c in at.get("plotly_chart") if c.key == "sanity-many")
    (line,) = json.loads(many.proto.spec)["data"]
    assert line["name"] == "Saliency" and len(line["x"]) == 4  # the trained model, then all three steps


def test_test_set_chunks_combine_into_the_accuracy_over_all_their_digits():
    from app.sections.whatif_testset import _combined
    from explain.whatif.attacks import AttackCurve

    a = AttackCurve("pgd", "linf", [0.0, 0.1], [1.0, 0.5], 1000, 2000.0)
    b = AttackCurve("pgd", "linf", [0.0, 0.1], [0.9, 0.3], 500, 1000.0)
    eps, acc, n, seconds = _combined([a, b])
    assert eps == [0.0, 0.1] and n == 1500 and seconds == 3.0
    assert acc == pytest.approx([(1000 * 1.0 + 500 * 0.9) / 1500, (1000 * 0.5 + 500 * 0.3) / 1500])
