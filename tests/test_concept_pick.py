"""Concepts picked from test digits (explain.known.concepts.picked_indices, app.state.concepts) and the Concepts
page's TCAV run with progress and Cancel (app.sections.tcav_run, the house long-request mechanism).

AppTest cannot click while a script runs, so an interrupted run is made the way Streamlit makes one (as in
tests/test_long_request_app.py): the script stops in the middle of the work, then Cancel is clicked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from explain.known.concepts import MAX_PICKED, picked_indices

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def test_a_pick_is_bounded_seeded_and_checked():
    assert picked_indices([9, 3, 3, 5, 7, 1], 10).tolist() == [1, 3, 5, 7, 9]  # distinct, sorted
    big = picked_indices(range(1000), 1000)
    assert len(big) == MAX_PICKED and len(set(big.tolist())) == MAX_PICKED
    assert big.tolist() == picked_indices(range(1000), 1000).tolist()  # the same pick, the same sample
    assert big.tolist() != list(range(MAX_PICKED))  # a sample of the whole pick, not its first digits
    assert picked_indices(range(50), 50, max_n=10, seed=1).tolist() != picked_indices(range(50), 50, 10, 0).tolist()
    with pytest.raises(ValueError, match="at least 5"):
        picked_indices([1, 1, 2, 3, 4], 10)
    with pytest.raises(ValueError, match=r"0\.\.9, got \[10\]"):
        picked_indices([1, 2, 3, 4, 10], 10)
    with pytest.raises(TypeError, match="integers"):
        picked_indices(np.linspace(0, 1, 6), 10)


def _picker(name: str, first: int) -> None:
    import streamlit as st  # AppTest runs this function's source alone

    from app.state.concepts import pick_concept, picked_concepts

    for k in range(8):  # more than a session keeps
        pick_concept(f"{name} {k}", range(first + k, first + k + 6))
    kept = picked_concepts()
    st.write(", ".join(kept))
    st.write(str(kept[f"{name} 7"].examples().shape))


def test_picked_concepts_are_per_session_and_bounded():
    from app.state.concepts import MAX_CONCEPTS

    one = AppTest.from_function(_picker, args=("one", 0), default_timeout=60).run()
    two = AppTest.from_function(_picker, args=("two", 100), default_timeout=60).run()
    assert not one.exception and not two.exception
    names = one.markdown[0].value.split(", ")
    assert names == [f"one {k}" for k in range(8 - MAX_CONCEPTS, 8)]  # the newest kept, oldest first
    assert "one" not in two.markdown[0].value  # another session sees none of them
    assert one.markdown[1].value == "(6, 28, 28)"
    assert one.session_state["concepts-picked"]["one 7"].indices == tuple(range(7, 13))


@pytest.mark.slow
def test_explore_filter_becomes_a_concept_and_its_tcav_can_be_cancelled(monkeypatch):
    import app.sections.tcav_run as runs

    at = AppTest.from_file(ENTRY, default_timeout=240)
    at.run()
    at.switch_page("app_pages/explore.py")
    at.run()
    at.selectbox(key="explore-true").set_value(7).run()
    at.button(key="explore-concept").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (kept,) = at.session_state["concepts-picked"].values()
    assert len(kept.indices) == MAX_PICKED and kept.picked_from == 1028  # the test set's 7s, sampled
    assert [s.value for s in at.success if "Kept 200 digits" in s.value]

    real = runs._work

    def interrupted(*args):
        def unit(_name, should_stop):
            st.stop()  # where Streamlit raises when Cancel is clicked mid-run
        return unit

    monkeypatch.setattr(runs, "_work", interrupted)
    at.query_params["concept"] = "picked"  # the link the Explore page offers
    at.switch_page("app_pages/concepts.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="concepts-concept").value.endswith("true 7 (1028 digits)")
    cancel = at.button(key="concepts-tcav-state-cancel")  # shown while the run is pending
    monkeypatch.setattr(runs, "_work", real)  # the click's rerun must not go on computing
    cancel.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [w.value for w in at.warning if w.value.startswith("Cancelled")]
    assert not [m for m in at.markdown if m.value.startswith("**Significant")], "a cancelled run shows no result"
    assert not [b for b in at.button if b.key == "concepts-tcav-state-cancel"], "no Cancel once the run ended"
    at.button(key="concepts-tcav-again").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m for m in at.markdown if m.value.startswith("**Significant (Bonferroni, p < 0.0025)")]
    assert not [w for w in at.warning if w.value.startswith("Cancelled")]
