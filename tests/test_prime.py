"""The background priming fills exactly the cache entries the pages' default views read."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def _open(page: str) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=300)
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def primed():
    import app.state as state
    from app.prime import prime

    _open("home")  # the same process-wide caches the pages use
    prime(state.bundled_model(), threading.Event())


@pytest.mark.parametrize("page", ["compare", "whatif", "evaluate", "inside", "map", "explore", "draw"])
def test_a_primed_page_opens_without_explaining_anything(primed, page, monkeypatch):
    import app.map_state as map_state
    import app.state as state
    import app.whatif_state as whatif_state
    import explain.scorecard as scorecard

    calls: list[str] = []

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(state, "explain", counting("explain", state.explain))
    monkeypatch.setattr(whatif_state, "counterfactual", counting("counterfactual", whatif_state.counterfactual))
    monkeypatch.setattr(scorecard, "score_card", counting("score_card", scorecard.score_card))
    monkeypatch.setattr(map_state, "neighbours_of", counting("neighbours_of", map_state.neighbours_of))
    _open(page)
    assert calls == []


def test_priming_stops_when_asked(monkeypatch):
    import app.prime as prime_module
    import app.state as state

    calls: list[str] = []
    monkeypatch.setattr(prime_module, "explanation", lambda *a, **k: calls.append(a[2]))
    stop = threading.Event()
    stop.set()
    prime_module.prime(state.bundled_model(), stop)
    assert calls == []
    prime_module._explain_all(state.bundled_model(), state.test_split().images[0].numpy(), ["saliency"])
    assert calls == ["saliency"]  # the same patch sees a call when one is made
