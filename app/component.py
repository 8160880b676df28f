"""Our Custom Components v2 hand their data to the browser as JSON bytes, not as a dict.

Streamlit passes a dict through its dataframe-aware serialiser, and that serialiser's first call imports
pandas (about a second here): on a fresh server, that import stood between the first visitor and the
drawing pad. Bytes reach the browser as they are (a Uint8Array); `decode` in each component's JS reads them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import streamlit as st

DECODE_JS = ("const decode = (raw) => (raw instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(raw))"
             " : raw || {});\n")


def light_component(name: str, html: str, css: str, js: str) -> Callable[..., Any]:
    """`st.components.v2.component(name, ...)` whose mount function takes `data` as a JSON-able dict and
    sends it as bytes; `js` reads it with `decode(data)`."""
    mount = st.components.v2.component(name, html=html, css=css, js=DECODE_JS + js)

    def show(*, data: dict, **kwargs: Any) -> Any:
        return mount(data=json.dumps(data, separators=(",", ":")).encode(), **kwargs)

    return show
