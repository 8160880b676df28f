"""The one loader of our Custom Components v2, and the one encoder of the arrays they are sent.

Each component is a folder next to this file: its Python (`__init__.py`) and exactly one `.html`, `.css`
and `.js` file, read once at import and registered inline (no build step, no packaged-component manifest:
app/cli.py skips Streamlit's scan for those). Every component's JS starts with `decode.js`, the shared
decoder of what `light_component` and `b64_array` send.

Data goes to the browser as JSON bytes, not as a dict: Streamlit passes a dict through its
dataframe-aware serialiser, and that serialiser's first call imports pandas (about a second here); on a
fresh server that import stood between the first visitor and the drawing pad. Bytes reach the browser as
they are (a Uint8Array).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import streamlit as st

DECODE_JS = Path(__file__).with_name("decode.js").read_text(encoding="utf-8")


def _one(folder: Path, suffix: str) -> str:
    """The text of the folder's only `*{suffix}` file (two would leave it unclear which one is served)."""
    found = sorted(folder.glob(f"*{suffix}"))
    if len(found) != 1:
        raise FileNotFoundError(f"{folder} needs exactly one {suffix} file, found {[p.name for p in found]}")
    return found[0].read_text(encoding="utf-8")


def light_component(name: str, folder: str | Path) -> Callable[..., Any]:
    """`st.components.v2.component(name, ...)` from the folder's HTML, CSS and JS (`decode.js` first),
    whose mount function takes `data` as a JSON-able dict and sends it as bytes (the JS reads it with
    `decode(data)`)."""
    folder = Path(folder)
    mount = st.components.v2.component(name, html=_one(folder, ".html"), css=_one(folder, ".css"),
                                       js=DECODE_JS + _one(folder, ".js"))

    def show(*, data: dict, **kwargs: Any) -> Any:
        return mount(data=json.dumps(data, separators=(",", ":")).encode(), **kwargs)

    return show


def b64_array(array: npt.ArrayLike, dtype: npt.DTypeLike) -> str:
    """An array's values as `dtype`, C order, base64 (inside the JSON): decode.js's `floats` reads "<f4",
    `greyPixels` reads np.uint8."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode()
