"""AppTests of the workspace in the app: the first save makes one (?ws=), a bad link is one warning, and an
unavailable database leaves the app working under a read-only banner."""

from __future__ import annotations

import numpy as np
import pytest

from model.workspaces import Store, StoreConfig
from tests.test_app import _app, _metrics, _one


@pytest.fixture
def database(monkeypatch, tmp_path):
    """A fresh store URL for the app (its process-wide store and availability caches emptied around it)."""
    from app.state import workspace

    def clear() -> None:
        workspace._store.clear()
        workspace.unavailable.clear()

    def use(url: str) -> str:
        monkeypatch.setenv("DIGIT_LENS_DATABASE_URL", url)
        clear()
        return url

    yield use
    clear()


def test_first_save_on_draw_makes_a_workspace_holding_the_drawing(database, tmp_path):
    url = database(f"sqlite:///{tmp_path / 'ws.sqlite3'}")
    at = _app("draw", state={"draw_pixels": _one()})
    assert "Prediction" in _metrics(at) and "ws" not in at.query_params
    at.text_input(key="ws-draw-name").input("my one")
    at.button(key="ws-draw-save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ws = at.query_params["ws"][0] if isinstance(at.query_params["ws"], list) else at.query_params["ws"]
    store = Store(StoreConfig(url=url))
    try:
        [info] = store.list_items(ws)
        _, drawing = store.load(ws, info.id)
    finally:
        store.close()
    assert info.name == "my one" and info.kind == "drawing"
    assert drawing.pixels.shape == (28, 28) and drawing.pixels.sum() > 10  # the drawn 1, preprocessed
    assert any(ws in c.value for c in at.sidebar.code)  # the link, with its copy button


def test_a_link_to_no_workspace_is_one_warning(database, tmp_path):
    database(f"sqlite:///{tmp_path / 'ws.sqlite3'}")
    at = _app(query={"ws": "A" * 32})  # the home page, in the first run of the session
    assert any("does not exist" in w.value for w in at.warning)


def test_an_unavailable_database_leaves_a_working_app_with_a_banner(database):
    database("sqlite:////proc/no-such-folder/ws.sqlite3")  # its folder can never be created
    at = _app("draw", state={"draw_pixels": _one()})
    assert any("Workspaces are unavailable" in w.value for w in at.sidebar.warning)
    assert any("Workspaces are unavailable" in c.value for c in at.caption)  # where Draw would offer to save
    assert _metrics(at)["Prediction"] == "1"  # everything else works
    assert not [b for b in at.button if b.key == "ws-draw-save"]  # nothing offers to save
    assert np.isfinite(float(_metrics(at)["Confidence"].rstrip("%")))


def test_save_this_view_keeps_the_page_and_its_link_settings(database, tmp_path):
    url = database(f"sqlite:///{tmp_path / 'ws.sqlite3'}")
    at = _app(query={"index": "17"})
    at.switch_page("app_pages/explore.py").run()
    at.sidebar.button(key="ws-view-save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ws = at.query_params["ws"][0] if isinstance(at.query_params["ws"], list) else at.query_params["ws"]
    store = Store(StoreConfig(url=url))
    try:
        [info] = store.list_items(ws, "view")
        _, view = store.load(ws, info.id)
    finally:
        store.close()
    assert view.page == "explore" and view.params.get("index") == "17" and "ws" not in view.params
    assert any(o.startswith("Explore ") for o in at.sidebar.selectbox(key="ws-view-pick").options)
