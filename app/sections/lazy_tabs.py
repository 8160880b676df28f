"""Tabs of which only the open one runs, and whose widgets keep their values while closed."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st


def lazy_tabs(key: str, sections: dict[str, Callable[[], None]], keep: tuple[str, ...] = ()) -> None:
    """One tab per section; only the open tab's section runs and draws (a tab click reruns the page).

    Streamlit forgets the value of a widget that a run does not draw, so a closed tab's widgets would be
    back at their defaults when it opens again. `keep` names those widgets' keys: writing a value back
    through the Session State API makes it the session's own, which outlives the run. (Buttons and file
    uploaders refuse such writes: never list them.)
    """
    for k in keep:
        if k in st.session_state:
            st.session_state[k] = st.session_state[k]
    tabs = st.tabs(list(sections), key=key, on_change="rerun")
    for tab, section in zip(tabs, sections.values(), strict=True):
        if tab.open:
            with tab:
                section()
