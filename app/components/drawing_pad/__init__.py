"""Our drawing pad (Streamlit Custom Components v2; pad.html, pad.css, pad.js) and its session side.

`read_drawing` (top of the fragment) gives the session's latest drawing; `drawing_pad` (mounted
last in the fragment, so its acknowledgement reaches the browser only once the answer is on the
page) shows the pad. The drawing is kept in the session, so it survives reruns and page switches.
payload.py reads what the pad sends. With `over=` the same pad paints pixels over a 28×28 digit (What if):
drag to paint or erase, one answer at pen-up, kept in its own slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from app.components.base import b64_array, light_component
from app.components.drawing_pad.payload import GRID, SIZE, Drawing, decode
from app.state.session import DRAW_OPEN, DRAWING, Slot

_PAD = light_component("digit_lens.drawing_pad", Path(__file__).parent)


@dataclass(frozen=True, eq=False)
class PaintOver:
    """A 28×28 digit (values 0–1) to paint over, and its id: a new id starts the pad afresh on it."""

    pixels: np.ndarray
    id: str

    def data(self) -> dict:
        grey = np.clip(np.round(np.asarray(self.pixels, np.float64).reshape(GRID, GRID) * 255), 0, 255)
        return {"id": self.id, "side": GRID, "base": b64_array(grey, np.uint8)}


def _receive(key: str, slot: Slot = DRAWING, size: int = SIZE) -> None:
    """on_change: decode the pad's new value into the session (before the fragment body runs). A payload
    that cannot be read keeps the last good drawing and leaves one message (until the next good one), and
    is acknowledged like any other, so the pad does not wait for an answer that never comes."""
    value = (st.session_state.get(key) or {}).get("drawing")
    if value is None:
        return
    try:
        slot.set(decode(value, size))
        st.session_state.pop(f"{key}-error", None)
    except (ValueError, TypeError) as exc:  # decode checks every field; TypeError only as a last guard
        st.session_state[f"{key}-error"] = str(exc)
        seq = value.get("seq") if isinstance(value, dict) else None
        if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= 2**53:
            st.session_state[f"{key}-refused"] = seq


def read_drawing(key: str = "pad", slot: Slot = DRAWING) -> tuple[Drawing | None, str | None]:
    """This session's latest drawing, and an error message if the last update could not be read."""
    return slot.get(), st.session_state.get(f"{key}-error")


def answered(key: str = "pad", slot: Slot = DRAWING) -> int:
    """The last update this session answered: the latest drawing's seq, or a later refused one's."""
    saved: Drawing | None = slot.get()
    return max(saved.seq if saved else 0, st.session_state.get(f"{key}-refused", 0))


def drawing_pad(key: str = "pad", slot: Slot = DRAWING, over: PaintOver | None = None, note: str | None = None
                ) -> None:
    """Mount the pad; `ack` tells the browser which update this run answered. `over`: paint over that digit
    (the strokes kept in `slot` are redrawn only while they were made on it). `note`: one line shown under
    the pad (the answer, where the page's own answer may be out of sight)."""
    saved: Drawing | None = slot.get()
    if over is not None and saved is not None and saved.base != over.id:
        saved = None
    data = {"ack": answered(key, slot), "strokes": saved.strokes if saved else [],
            "brush": saved.brush if saved else 20, "note": note or ""}
    if over is None and slot is DRAWING and DRAW_OPEN.is_set():  # a drawing opened from the workspace: the pad
        data["load"] = DRAW_OPEN.get()  # takes it up once (by its id)
    size = SIZE
    if over is not None:
        data["grid"], size = over.data(), GRID
    _PAD(key=key, data=data, default={"drawing": None}, on_drawing_change=lambda: _receive(key, slot, size),
         width="content")
