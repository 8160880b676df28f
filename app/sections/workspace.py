"""The workspace in the app: the sidebar (link with a copy button, new, open), "save to workspace" where
a user makes something (Draw's drawing, Train's model), and what the workspace holds where it is used
(Draw opens a saved drawing; the model picker lists saved models). Widget keys start with "ws".

Every call into the store may meet a database that went away: the user gets one line, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import numpy as np
import streamlit as st

from app.safe_text import plain
from app.state import workspace
from app.state.session import DRAW_OPEN, URL, WORKSPACE, WORKSPACE_IMPORTED, declared_query
from model.workspaces.store import WORKSPACE_ID, ItemInfo, StoreUnavailable

if TYPE_CHECKING:
    from app.state.resources import LoadedModel

UNAVAILABLE = ("Workspaces are unavailable (the database cannot be reached), so nothing can be saved or reopened "
               "for now; everything else works.")
SAVED_PREFIX = "ws:"  # a model picker option naming a workspace item, not a loaded model


def link(ws: str) -> str:
    """This app's address with only ?ws= (the page's other settings are not part of the workspace)."""
    try:
        parts = urlsplit(str(st.context.url))
        return urlunsplit((parts.scheme, parts.netloc, parts.path, f"ws={ws}", ""))
    except (AttributeError, ValueError, RuntimeError):  # no browser request (AppTest): the id alone
        return f"?ws={ws}"


def _id_from(text: str) -> str | None:
    text = text.strip()
    if "ws=" in text:
        found = parse_qs(urlsplit(text).query).get("ws") or parse_qs(text.partition("?")[2]).get("ws")
        text = found[0] if found else ""
    return text if WORKSPACE_ID.fullmatch(text) else None


def workspace_sidebar(page_path: str, page_title: str) -> None:
    """The sidebar's workspace box; a read-only banner on the page when the database is unavailable.
    `page_path`: the current page's URL path and title (a saved view reopens that page)."""
    if workspace.unavailable():
        # In the sidebar, not above the page: a banner arriving with the full page would move Draw's pad
        # (a moved pad is mounted anew and loses its undo history). Where a page offers to save, it says so too.
        st.sidebar.warning(UNAVAILABLE, icon=":material/cloud_off:")
        return
    ws = workspace.current()
    s = workspace.store()
    box = st.sidebar.expander("Workspace", expanded=ws is not None, icon=":material/folder_open:")
    if ws:
        box.caption("Your saved work is at this link: keep it to come back, or share it (whoever has it can "
                    "see and add to this workspace).")
        box.code(link(ws), language=None, wrap_lines=True)
        try:
            usage = s.usage(ws)
            box.caption(f"{usage.items} item(s), {usage.bytes / 2**20:.1f} MB of "
                        f"{s.config.quotas.max_bytes / 2**20:.0f} MB; kept {s.config.retention_days:g} days after "
                        "its last use.")
        except (StoreUnavailable, ValueError) as exc:
            box.error(plain(exc, 200))
    else:
        box.caption("Nothing saved yet: the first “Save to workspace” makes a workspace, with a link to come back to.")
    _views(box, page_path, page_title)
    if ws:
        from model.workspaces.archive import export_workspace

        # Made when clicked (on its own thread), not on every rerun: a workspace may hold 64 MB.
        box.download_button("Download this workspace (.zip)", lambda: export_workspace(s, ws),
                            "digit-lens-workspace.zip", "application/zip", key="ws-export", on_click="ignore",
                            icon=":material/download:")
    if box.button("New workspace", key="ws-new", icon=":material/add:"):
        try:
            workspace.open_workspace(s.create_workspace())
        except StoreUnavailable as exc:
            box.error(plain(exc, 200))
        else:
            st.rerun()
    with box.form("ws-open-form", border=False):
        text = st.text_input("Open workspace", key="ws-open-text", placeholder="its link or id")
        if st.form_submit_button("Open"):
            opened = _id_from(text)
            if opened and s.exists(opened):
                workspace.open_workspace(opened)
                s.touch(opened)
                st.rerun()
            st.error("That is not the link of an existing workspace (links look like …?ws= and 32+ letters).")
    with box:
        _import(s)


IMPORT_LIMIT_MB = 16  # the server's upload limit (.streamlit/config.toml); the store checks its own too


def _import(s: Any) -> None:
    """A workspace zip (from Download or the CLI's export) into a new workspace, checked as an upload is."""
    from app.state.inputs import file_upload
    from model.workspaces.archive import import_workspace

    up = file_upload("Import a workspace (.zip)", ["zip"], "ws-import", ["application/zip"],
                     max_upload_size=IMPORT_LIMIT_MB)
    if up is None or WORKSPACE_IMPORTED.get() == up.file_id:
        return
    WORKSPACE_IMPORTED.set(up.file_id)  # once per upload, whatever the outcome
    try:
        if up.size > IMPORT_LIMIT_MB * 2**20:
            raise ValueError(f"it is {up.size / 2**20:.1f} MB; the limit is {IMPORT_LIMIT_MB} MB")
        workspace.open_workspace(import_workspace(s, up.getvalue()))
    except (StoreUnavailable, ValueError, TypeError) as exc:
        st.error(f"Not imported: {plain(exc, 300)}")
        return
    st.rerun()


def _page_file(page_path: str) -> str:
    return f"app_pages/{'home' if page_path in ('', 'index') else page_path}.py"


def _views(box: Any, page_path: str, page_title: str) -> None:
    """Save this page with its settings (its URL parameters) as a view; reopen a saved one."""
    from model.workspaces.kinds import ViewItem

    if box.button("Save this view", key="ws-view-save", icon=":material/bookmark_add:",
                  help="This page with its current settings, to reopen from any browser with the link"):
        params = {k: v for k, v in declared_query().items() if k != "ws"}
        with box:
            _save(f"{page_title} {dt.datetime.now(dt.UTC):%d %b %H:%M}", ViewItem(page_path or "index", params))
    views = {i.id: i.name for i in _items("view")}
    if not views:
        return
    pick = box.selectbox("Saved views", list(views), format_func=views.get, key="ws-view-pick")
    if box.button("Open view", key="ws-view-open", icon=":material/bookmark:"):
        try:
            _, view = workspace.store().load(WORKSPACE.get(), pick)
        except (StoreUnavailable, ValueError) as exc:
            box.error(f"Could not open it: {plain(exc, 300)}")
            return
        target = _page_file(view.page)
        if not (Path(__file__).resolve().parents[1] / target).is_file():  # an imported view of a page we lack
            box.error(f"This view is of a page this app does not have ({plain(view.page, 40)}).")
            return
        params = {k: v for k, v in view.params.items() if k in URL} | {"ws": WORKSPACE.get()}
        st.switch_page(target, query_params=params)


def _save(name: str, value: Any, *more: Any) -> None:
    """Save into this session's workspace (made now if it has none); one line on every failure. `more`: items
    saved after `value` under the same name (a model's checkpoints)."""
    had, saved = WORKSPACE.get(), 0
    try:
        ws = workspace.ensure()
        if ws is None:
            st.error("Workspaces are unavailable: nothing was saved.")
            return
        for item in (value, *more):
            workspace.store().save(ws, name, item)
            saved += 1
    except (StoreUnavailable, ValueError) as exc:
        st.error(f"{'Saved without its checkpoints' if saved else 'Not saved'}: {plain(exc, 300)}")
        if not saved:
            return
    st.toast(f"Saved “{plain(name, 80)}” to the workspace.", icon=":material/check:")
    if had is None:
        st.rerun()  # the sidebar shows the new workspace's link


def _default_name(what: str) -> str:
    return f"{what} {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S}"


def draw_panel(pixels: np.ndarray | None, drawing: Any) -> None:
    """Draw: save the current drawing (strokes and 28×28 input); open one saved before."""
    if workspace.store() is None:
        st.caption(UNAVAILABLE)
        return
    from model.workspaces.kinds import DrawingItem

    with st.container(border=True, key="ws-draw"):
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        name = c1.text_input("Drawing name", key="ws-draw-name", placeholder="e.g. my seven")
        if c2.button("Save to workspace", key="ws-draw-save", icon=":material/save:", disabled=pixels is None):
            strokes = list(getattr(drawing, "strokes", None) or [])
            _save(name.strip() or _default_name("drawing"),
                  DrawingItem(np.asarray(pixels, np.float32), strokes, int(getattr(drawing, "brush", 20) or 20)))
        saved = {i.id: f"{i.name} · {i.created:%d %b %H:%M}" for i in _items("drawing")}
        if saved:
            c3, c4 = st.columns([3, 2], vertical_alignment="bottom")
            pick = c3.selectbox("Saved drawings", list(saved), format_func=saved.get, key="ws-draw-pick")
            if c4.button("Open on the pad", key="ws-draw-open", icon=":material/open_in_browser:"):
                _open_drawing(pick)


def _items(kind: str) -> list[ItemInfo]:
    """This workspace's items of `kind`, newest first; none without a workspace or a database."""
    s = workspace.store()
    ws = workspace.current() if s is not None else None
    if ws is None or s is None:
        return []
    try:
        return s.list_items(ws, kind)
    except (StoreUnavailable, ValueError):
        return []


def _open_drawing(item_id: str) -> None:
    try:
        _, item = workspace.store().load(WORKSPACE.get(), item_id)
    except (StoreUnavailable, ValueError) as exc:
        st.error(f"Could not open it: {plain(exc, 300)}")
        return
    if not item.strokes:
        st.info("This drawing was saved without its strokes, so the pad cannot redraw it.")
        return
    # A fresh token each time: the pad takes up a drawing once per token (opening it again redraws it).
    DRAW_OPEN.set({"id": f"{item_id}.{secrets.token_hex(4)}", "strokes": item.strokes, "brush": item.brush})


def save_model_button(loaded: LoadedModel, accuracy: float, per_class: list[dict[str, Any]]) -> None:
    """Train: save the active model (weights as safetensors, its training metadata and report)."""
    if loaded.name == "bundled":
        return
    if workspace.store() is None:
        st.caption(UNAVAILABLE)
        return
    if st.button("Save this model to the workspace", key="ws-model-save", icon=":material/save:"):
        from dataclasses import asdict

        from app.state.trainingdata import run_checkpoints_of
        from model.checkpoint import checkpoint_bytes
        from model.workspaces.kinds import CheckpointsItem, ModelItem

        record = {"meta": asdict(loaded.meta), "test_accuracy": accuracy, "per_class": per_class}
        kept = run_checkpoints_of(loaded)  # a Train-page run's: TracIn travels with the model
        _save(loaded.name, ModelItem(checkpoint_bytes(loaded.model, loaded.meta), record),
              *([CheckpointsItem(kept)] if kept is not None and kept.checkpoints is not None else []))


def saved_models(loaded_names: set[str]) -> dict[str, str]:
    """The model picker's extra options: SAVED_PREFIX + item id → label, for saved models not loaded yet."""
    return {f"{SAVED_PREFIX}{i.id}": f"{i.name} · in workspace" for i in _items("model") if i.name not in loaded_names}


def load_saved_model(option: str) -> bool:
    """Load a saved model (validated like an upload) into the session and make it active."""
    from app.state.models import add_model
    from app.state.resources import make_loaded

    try:
        info, item = workspace.store().load(WORKSPACE.get(), option.removeprefix(SAVED_PREFIX))
    except (StoreUnavailable, ValueError) as exc:
        st.sidebar.error(f"Could not load it: {plain(exc, 300)}")
        return False
    network, meta = item.loaded
    loaded = make_loaded(info.name, network, meta)
    add_model(loaded)
    _reopen_checkpoints(info.name, loaded)
    return True


def _reopen_checkpoints(name: str, loaded: LoadedModel) -> None:
    """The checkpoints saved with a model (same name, a set that ends at its very weights), kept for the Data
    page; a model saved without them, or a set that fails validation, simply has none."""
    from app.state.trainingdata import keep_run_checkpoints
    from explain.trainingdata.influence import check_model_matches

    for info in _items("checkpoints"):
        if info.name != name:
            continue
        try:
            _, item = workspace.store().load(WORKSPACE.get(), info.id)
            check_model_matches(loaded.model, item.run.checkpoints)
        except (StoreUnavailable, ValueError):
            continue
        keep_run_checkpoints(loaded.key, item.run)
        return
