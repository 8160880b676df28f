"""The sidebar's model switcher."""

from __future__ import annotations

import streamlit as st

from app.safe_text import plain
from app.sections.workspace import load_saved_model, saved_models
from app.state.caches import model_accuracy
from app.state.models import active_model, session_models
from app.state.session import ACTIVE_MODEL


SHOWN_WHOLE = 26  # characters of a label the sidebar's box shows uncut at its default width


def model_switcher() -> None:
    """Sidebar: choose this session's active model among bundled / trained / uploaded ones.

    Deliberately without a widget key: its identity then follows the options and the active model,
    so when a page activates a new model the old widget (and any stale value the browser still
    holds for it) is simply gone, instead of being sent back and switching the model again.
    """
    models = session_models()
    names = list(models)
    active = active_model().name
    saved = saved_models(set(names))  # the workspace's models not loaded yet: loaded when chosen

    def label(name: str) -> str:
        if name in saved:
            return saved[name]
        m = models[name]
        return f"{name} · {model_accuracy(m):.2%}"

    options = names + list(saved)
    chosen = st.sidebar.selectbox("Model (test accuracy)", options, index=options.index(active), format_func=label)
    if len(label(active)) > SHOWN_WHOLE:  # the box cuts a long name (an uploaded file's): say it whole below
        st.sidebar.caption(plain(label(active)))
    if chosen != active:
        if chosen in saved:
            if load_saved_model(chosen):
                st.rerun()
            return
        ACTIVE_MODEL.set(chosen)
        st.rerun()
