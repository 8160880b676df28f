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
    import app.state.resources as state
    from app.state.default_views import prime

    _open("home")  # the same process-wide caches the pages use
    prime(state.bundled_model(), threading.Event())


def _cached_bytes() -> dict[str, int]:
    """Bytes held per `st.cache_data` function, all of them: a cache miss anywhere adds an entry."""
    from streamlit.runtime.caching import cache_data_api

    held: dict[str, int] = {}
    for stats in cache_data_api._data_caches.get_stats().values():
        for s in stats:
            held[s.cache_name] = held.get(s.cache_name, 0) + s.byte_length
    return held


def _grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


@pytest.mark.parametrize("page", ["compare", "whatif", "evaluate", "inside", "map", "explore", "draw"])
@pytest.mark.slow
def test_a_primed_page_opens_without_a_cache_miss(primed, page):
    before = _cached_bytes()
    _open(page)
    assert _grown(before, _cached_bytes()) == {}, "the page computed what priming did not"


@pytest.mark.slow
def test_a_view_priming_did_not_compute_is_a_miss(primed):
    """The measure above can fail: a digit other than the default's is computed, and seen."""
    before = _cached_bytes()
    at = AppTest.from_file(ENTRY, default_timeout=300)
    at.query_params["index"] = "5"
    at.run()
    at.switch_page("app_pages/explore.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "app.state.caches._explanation" in _grown(before, _cached_bytes())


def test_priming_stops_when_asked(monkeypatch):
    import app.state.default_views as prime_module
    import app.state.resources as state

    calls: list[str] = []
    monkeypatch.setattr(prime_module, "explanation", lambda *a, **k: calls.append(a[2]))
    stop = threading.Event()
    stop.set()
    prime_module.prime(state.bundled_model(), stop)
    assert calls == []
    prime_module._explain_all(state.bundled_model(), state.test_split().images[0].numpy(), ["saliency"])
    assert calls == ["saliency"]  # the same patch sees a call when one is made
