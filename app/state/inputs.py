"""The session's current input (a drawing, a test digit or an upload), shared by every page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from app.components.image_strip import image_strip, upscale
from app.state.defaults import DEFAULT_TEST_INDEX
from app.state.resources import test_split
from app.safe_text import plain, safe_name
from app.state.session import CURRENT_INPUT, INDEX_SEEN, integer, link_value, query_value, set_query
from model.image_io import FORMATS, MAX_UPLOAD_BYTES, decode_upload
from model.preprocess import preprocess



@dataclass(frozen=True, eq=False)  # eq on numpy arrays is ambiguous; compare by source/index
class CurrentInput:
    source: str  # "drawing", "test" or "upload"
    x: np.ndarray  # 28×28 float32 pixels in [0, 1]
    description: str
    index: int | None = None  # test-set index
    true_label: int | None = None


def get_current() -> CurrentInput | None:
    return CURRENT_INPUT.get()


def set_current(ci: CurrentInput) -> None:
    CURRENT_INPUT.set(ci)
    set_query("index", None if ci.index is None else str(ci.index))  # shareable: the URL reopens this digit


def test_input(index: int) -> CurrentInput:
    split = test_split()
    if not 0 <= index < len(split):
        raise ValueError(f"test index must be in 0..{len(split) - 1}, got {index}")
    label = int(split.labels[index])
    return CurrentInput("test", split.images[index].numpy(), f"test digit #{index} (a {label})", index, label)


def input_from_query() -> None:
    """Open the test digit named by `?index=` (once per value), or say why it cannot."""
    raw = query_value("index")
    if raw is None or INDEX_SEEN.get() == raw:
        return
    INDEX_SEEN.set(raw)
    index = link_value("index", integer(0, len(test_split()) - 1), "that test digit does not exist (use 0–9999)")
    if index is not None:
        set_current(test_input(index))


def file_upload(label: str, extensions: list[str], key: str, mime: list[str], **kwargs: Any) -> Any:
    """`st.file_uploader` for files named `*.{extensions}`, whose refusal of another name is a message.

    The browser offers only these types, but a renamed file or a modified client can send any name, and
    Streamlit's own check of the name raises before the page runs (an exception box on every rerun, out of
    the page's reach). Listing `mime` types too turns that check off (Streamlit then trusts the browser)
    and the name is checked here instead: one error naming the extension and the accepted ones."""
    up = st.file_uploader(label, type=[*extensions, *mime], key=key, **kwargs)
    if up is None:
        return None
    extension = Path(up.name).suffix.lower()
    if extension.lstrip(".") not in extensions:
        what = f"a {plain(extension, 24)} file" if extension else "a file name without an extension"
        st.error(f"Upload refused: {what} is not accepted here. Accepted: "
                 f"{', '.join('.' + e for e in extensions)}.", icon=":material/block:")
        return None
    return up


def upload_input(key: str) -> CurrentInput | None:
    """A file uploader that turns a picture of a digit into MNIST's form; errors are shown, not raised."""
    up = file_upload("Upload a picture of one digit", [f.lower() for f in FORMATS] + ["jpg"], key,
                     # The category, not image/png, image/jpeg…: the drop zone lists these as given, and a
                     # newcomer read MIME types there (issue 28); it reads "image, PNG, JPEG, GIF, BMP, WEBP".
                     ["image"],
                     max_upload_size=MAX_UPLOAD_BYTES // 2**20,  # the server allows more (model uploads)
                     help="Any ink colour on any plain background; it is converted to white on black, "
                          "cropped, fitted and centred like MNIST.")
    if up is None:
        return None
    name = safe_name(up.name)
    problem = None
    if up.size > MAX_UPLOAD_BYTES:  # checked here too: the browser's check can be bypassed
        problem = f"it is {up.size / 2**20:.1f} MB; pictures may be at most {MAX_UPLOAD_BYTES // 2**20} MB."
    else:
        try:
            steps = preprocess(decode_upload(up.getvalue()))
            if steps is None:
                problem = "it has no visible ink after conversion to white-on-black."
        except ValueError as exc:
            problem = plain(exc)
    if problem:
        st.error(f"Could not use {name}: {problem}")
        current = get_current()
        if current is not None and current.source == "upload":  # never show the previous picture's analysis
            CURRENT_INPUT.set(None)
        return None
    # The same four steps the Draw page shows: what became of the picture before the model saw it.
    st.caption("What the model sees, after MNIST's own preprocessing:")
    image_strip([upscale(img, 96) for img in (steps.drawing, steps.cropped, steps.fitted, steps.centred)],
                ["your picture (white on black)", "cropped", "fit into 20 px", "centred 28×28"], key=f"{key}-steps")
    return CurrentInput("upload", steps.centred, f"upload {name}")


def pick_input(key: str) -> CurrentInput | None:
    """Choose this page's input: the session's current one, a test digit, or an upload."""
    input_from_query()
    current = get_current()
    options = (["current"] if current else []) + ["test", "upload"]
    labels = {"current": f"Current: {current.description}" if current else "", "test": "A test digit",
              "upload": "Upload a picture"}
    choice = st.radio("Input", options, format_func=labels.get, horizontal=True, key=f"{key}-source")
    if choice == "current":
        return current
    if choice == "test":
        index = st.number_input("Test digit index", 0, len(test_split()) - 1,
                                value=current.index if current and current.index is not None else DEFAULT_TEST_INDEX,
                                key=f"{key}-index")
        ci = test_input(int(index))
        if current is None or current.index != ci.index:
            set_current(ci)
        return ci
    ci = upload_input(f"{key}-upload")
    if ci is not None:
        set_current(ci)
    return ci
