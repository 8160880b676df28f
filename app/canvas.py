"""Our drawing pad (Streamlit Custom Components v2) and the decoding of what it sends.

`read_drawing` (top of the fragment) gives the session's latest drawing; `drawing_pad` (mounted
last in the fragment, so its acknowledgement reaches the browser only once the answer is on the
page) shows the pad. The drawing is kept in the session, so it survives reruns and page switches.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from app.canvas_js import CSS, HTML, JS
from app.session import DRAWING

SIZE = 280  # CSS pixels of the pad, and the side of the greyscale image the server rebuilds
MAX_STROKE_VALUES = 40_000  # coordinates kept for redrawing the pad after a page switch

_PAD = st.components.v2.component("digit_lens.drawing_pad", html=HTML, css=CSS, js=JS)


@dataclass(frozen=True, eq=False)
class Drawing:
    """One update from the pad: its sequence number and the 280×280 greyscale ink (uint8), or None."""

    seq: int
    final: bool  # sent on pointer-up (or undo/redo/clear); False while a stroke is in progress
    image: np.ndarray | None
    strokes: list = field(default_factory=list)
    brush: int = 20


def _int(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ValueError(f"drawing {name} must be a number in {lo}..{hi}, got {value!r:.40}")
    return int(value)


def decode(value: Any) -> Drawing:
    """The pad's `drawing` state value → a Drawing; ValueError naming what is wrong otherwise."""
    if not isinstance(value, dict):
        raise ValueError(f"drawing must be an object, got {type(value).__name__}")
    seq = _int(value.get("seq"), "seq", 0, 2**53)
    if _int(value.get("size", SIZE), "size", SIZE, SIZE) != SIZE:
        raise ValueError("drawing size must be 280")
    strokes = value.get("strokes") or []
    if not isinstance(strokes, list) or sum(len(s.get("pts", ())) for s in strokes if isinstance(s, dict)) > MAX_STROKE_VALUES:
        strokes = []  # only used to redraw the pad; never worth failing over
    crop = value.get("crop")
    image = None
    if crop is not None:
        if not isinstance(crop, dict):
            raise ValueError(f"drawing crop must be an object, got {type(crop).__name__}")
        x, y = _int(crop.get("x"), "crop x", 0, SIZE - 1), _int(crop.get("y"), "crop y", 0, SIZE - 1)
        w, h = _int(crop.get("w"), "crop width", 1, SIZE - x), _int(crop.get("h"), "crop height", 1, SIZE - y)
        try:
            raw = base64.b64decode(str(crop.get("data", "")), validate=True)
            if crop.get("enc") == "deflate":
                inflater = zlib.decompressobj()
                raw = inflater.decompress(raw, w * h + 1)  # bounded: a small payload cannot blow up
        except (ValueError, zlib.error) as exc:
            raise ValueError(f"drawing crop data is not valid base64/deflate: {exc}") from None
        if len(raw) != w * h:
            raise ValueError(f"drawing crop has {len(raw)} bytes for {w}×{h} pixels")
        image = np.zeros((SIZE, SIZE), np.uint8)
        image[y : y + h, x : x + w] = np.frombuffer(raw, np.uint8).reshape(h, w)
    brush = value.get("brush", 20)
    return Drawing(seq, bool(value.get("final", True)), image, strokes,
                   int(brush) if isinstance(brush, (int, float)) else 20)


def encode(image: np.ndarray, seq: int = 1, final: bool = True) -> dict:
    """What the pad sends for a 280×280 greyscale uint8 image (the browser's encoder, for tests)."""
    ys, xs = np.nonzero(image)
    crop = None
    if len(ys):
        y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
        part = np.ascontiguousarray(image[y0 : y1 + 1, x0 : x1 + 1], np.uint8)
        crop = {"x": int(x0), "y": int(y0), "w": part.shape[1], "h": part.shape[0], "enc": "deflate",
                "data": base64.b64encode(zlib.compress(part.tobytes())).decode()}
    return {"seq": seq, "final": final, "size": SIZE, "brush": 20, "strokes": [], "crop": crop}


def _receive(key: str) -> None:
    """on_change: decode the pad's new value into the session (before the fragment body runs)."""
    value = (st.session_state.get(key) or {}).get("drawing")
    if value is None:
        return
    try:
        DRAWING.set(decode(value))
        st.session_state.pop(f"{key}-error", None)
    except ValueError as exc:
        st.session_state[f"{key}-error"] = str(exc)


def read_drawing(key: str = "pad") -> tuple[Drawing | None, str | None]:
    """This session's latest drawing, and an error message if the last update could not be read."""
    return DRAWING.get(), st.session_state.get(f"{key}-error")


def drawing_pad(key: str = "pad") -> None:
    """Mount the pad; `ack` tells the browser which update this run answered."""
    saved: Drawing | None = DRAWING.get()
    data = {"ack": saved.seq if saved else 0, "strokes": saved.strokes if saved else [],
            "brush": saved.brush if saved else 20}
    _PAD(key=key, data=data, default={"drawing": None}, on_drawing_change=lambda: _receive(key),
         width="content")
