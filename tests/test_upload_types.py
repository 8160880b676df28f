"""A renamed upload (a name the uploader does not accept) is one message naming the accepted types and
a fresh uploader, never Streamlit's exception box (issue 24, item 7)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def _png() -> bytes:
    img = np.zeros((28, 28), np.uint8)
    img[4:24, 12:16] = 255
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def _page(page: str) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=300)
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("name, shown", [("digit.svg", ".svg"), ("digit.exe", ".exe"), ("notes.txt", ".txt"),
                                         ("digit.png.svg", ".svg"), ("digit", "without an extension")])
def test_a_picture_upload_with_another_name_is_refused_with_the_accepted_types(name, shown):
    at = _page("explore")
    [uploader] = at.main.file_uploader  # the page's, not the sidebar's workspace import
    uploader.upload(name, _png(), "image/png").run()
    assert not at.exception, [e.value for e in at.exception]
    [error] = [e.value for e in at.error]
    assert "Upload refused" in error and shown in error.replace("\\", "") and ".png" in error.replace("\\", "")
    at.run()  # a rerun: the message again (the file is still there), never a box
    assert not at.exception and len(at.error) == 1
    at.main.file_uploader[0].set_value(("digit.png", _png(), "image/png")).run()  # the next upload works
    assert not at.exception and not at.error
    assert at.session_state["current_input"].description == "upload digit.png"


def test_a_model_upload_with_another_name_is_refused_with_the_accepted_types():
    at = _page("train")
    [uploader] = [u for u in at.file_uploader if u.key.startswith("train-upload")]
    uploader.upload("model.exe", b"MZ" + bytes(100)).run()
    assert not at.exception, [e.value for e in at.exception]
    [error] = [e.value for e in at.error]
    assert ".exe" in error.replace("\\", "") and ".safetensors" in error.replace("\\", "")
    at.file_uploader(key=uploader.key).clear().run()  # removed: no box, no message
    assert not at.exception and not at.error
