"""Our drawing pad (Streamlit Custom Components v2; pad.html, pad.css, pad.js) and its session side.

`read_drawing` (top of the fragment) gives the session's latest drawing; `drawing_pad` (mounted
last in the fragment, so its acknowledgement reaches the browser only once the answer is on the
page) shows the pad. The drawing is kept in the session, so it survives reruns and page switches.
payload.py reads what the pad sends.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.components.base import light_component
from app.components.drawing_pad.payload import Drawing, decode
from app.state.session import DRAW_OPEN, DRAWING

_PAD = light_component("digit_lens.drawing_pad", Path(__file__).parent)


def _receive(key: str) -> None:
    """on_change: decode the pad's new value into the session (before the fragment body runs). A payload
    that cannot be read keeps the last good drawing and leaves one message (until the next good one), and
    is acknowledged like any other, so the pad does not wait for an answer that never comes."""
    value = (st.session_state.get(key) or {}).get("drawing")
    if value is None:
        return
    try:
        DRAWING.set(decode(value))
        st.session_state.pop(f"{key}-error", None)
    except (ValueError, TypeError) as exc:  # decode checks every field; TypeError only as a last guard
        st.session_state[f"{key}-error"] = str(exc)
        seq = value.get("seq") if isinstance(value, dict) else None
        if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= 2**53:
            st.session_state[f"{key}-refused"] = seq


def read_drawing(key: str = "pad") -> tuple[Drawing | None, str | None]:
    """This session's latest drawing, and an error message if the last update could not be read."""
    return DRAWING.get(), st.session_state.get(f"{key}-error")


def answered(key: str = "pad") -> int:
    """The last update this session answered: the latest drawing's seq, or a later refused one's."""
    saved: Drawing | None = DRAWING.get()
    return max(saved.seq if saved else 0, st.session_state.get(f"{key}-refused", 0))


def drawing_pad(key: str = "pad") -> None:
    """Mount the pad; `ack` tells the browser which update this run answered."""
    saved: Drawing | None = DRAWING.get()
    data = {"ack": answered(key), "strokes": saved.strokes if saved else [],
            "brush": saved.brush if saved else 20}
    if DRAW_OPEN.is_set():  # a drawing opened from the workspace: the pad takes it up once (by its id)
        data["load"] = DRAW_OPEN.get()
    _PAD(key=key, data=data, default={"drawing": None}, on_drawing_change=lambda: _receive(key),
         width="content")
