"""This session's workspace: the shared store (one per process) and the id in the URL (`?ws=`).

The store is opened on first need, not at start-up (SQLAlchemy and Alembic cost a second to import),
and an unavailable database is remembered for a short while only, so a database that comes back is
used again without a restart. The app never lists workspaces: a session holds only the id it was given.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import streamlit as st

from app.state.session import WORKSPACE, WORKSPACE_LINK_SEEN, query_value, set_query

if TYPE_CHECKING:
    from model.workspaces.store import Store

log = logging.getLogger("digit_lens.workspaces")
RETRY_S = 30  # how long "the database is unavailable" is believed before trying again


@st.cache_resource(show_spinner="Opening the workspace database…")
def _store() -> Store:
    from model.workspaces.store import Store

    return Store()


@st.cache_data(ttl=RETRY_S, show_spinner=False)
def unavailable() -> str | None:
    """Why workspaces cannot be used now (the database cannot be opened), or None when they can."""
    from model.workspaces.store import StoreUnavailable

    try:
        _store()
    except (StoreUnavailable, ValueError) as exc:
        log.warning("workspaces unavailable: %s", exc)  # the details (host, driver) for the operator only
        return str(exc)
    return None


def store() -> Store | None:
    """The process's store, or None while the database is unavailable."""
    return None if unavailable() else _store()


def current() -> str | None:
    """This session's workspace id: a new ?ws= link is opened once (and checked), then the session's id
    is kept in the URL on every page, so the link in the address bar is always the one to share."""
    linked = query_value("ws")
    if linked and linked != WORKSPACE_LINK_SEEN.get() and linked != WORKSPACE.get():
        s = store()
        if s is None:  # keep the link in the address bar: the banner says why it cannot be opened now
            return WORKSPACE.get()
        WORKSPACE_LINK_SEEN.set(linked)
        if s.exists(linked):
            s.touch(linked)
            WORKSPACE.set(linked)
        else:
            st.warning("This link's workspace does not exist (or expired after "
                       f"{s.config.retention_days:g} days unused); nothing was opened.")
    ws = WORKSPACE.get()
    if ws is not None:
        set_query("ws", ws)
    return ws


def open_workspace(ws: str) -> None:
    """Make `ws` (checked by the caller) this session's workspace and put it in the URL."""
    WORKSPACE.set(ws)
    WORKSPACE_LINK_SEEN.set(ws)
    set_query("ws", ws)


def ensure() -> str | None:
    """This session's workspace, created now if it has none (the first save makes it); None if unavailable."""
    ws = WORKSPACE.get()
    s = store()
    if ws is None and s is not None:
        ws = s.create_workspace()
        open_workspace(ws)
    return ws
