"""AppTest of the Classes page: opens from the shipped class views, its tabs and links (?tab=, ?k=, ?mistake=)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def _classes(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=180)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page("app_pages/classes.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow  # the first AppTest of a process pays the page's imports (~8 s here)
def test_disagreement_tab_from_a_link_and_a_bad_k_warns():
    at = _classes({"tab": "disagreement", "k": "20", "class_method": "deeplift"})
    assert at.slider(key="classes-k").value == 20
    assert at.selectbox(key="classes-method").value == "deeplift"
    assert len(at.get("plotly_chart")) == 2  # the test-set matrix and the curves (one digit's: opt-in)
    bad = _classes({"tab": "disagreement", "k": "many"})
    assert bad.slider(key="classes-k").value == 50 and bad.warning  # the default, and one warning


def test_mistakes_tab_opens_the_linked_pair():
    at = _classes({"tab": "mistakes", "mistake": "4→9"})
    assert at.selectbox(key="classes-mistake").value == "4→9"
    assert len(at.get("plotly_chart")) == 1
