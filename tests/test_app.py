"""AppTest smoke tests: every page runs without an exception and shows what it promises."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def _app() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def test_home_shows_measured_accuracy():
    at = _app()
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["Test accuracy"].rstrip("%")) >= 98.0


def test_draw_blank_shows_hint_not_a_guess():
    at = _app()
    at.switch_page("app_pages/draw.py").run()
    assert not at.exception
    assert not [m for m in at.metric if m.label == "Prediction"]
    assert any("Draw a digit" in i.value for i in at.info)


@pytest.mark.parametrize("digit", [1, 0])
def test_draw_injected_pixels_predicts(digit):
    img = np.zeros((280, 280, 4), np.uint8)
    img[..., 3] = 255
    if digit == 1:
        img[40:240, 130:152, :3] = 255
    else:
        yy, xx = np.mgrid[:280, :280]
        r = np.hypot((yy - 140) / 1.3, xx - 140)
        img[(r > 60) & (r < 80), :3] = 255
    at = _app()
    at.switch_page("app_pages/draw.py")
    at.session_state["draw_pixels"] = img
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Prediction"] == str(digit)
