"""Issue 28: the "does not look like a digit" warning appears for uploads, through the uploader Explore
uses (`app.state.inputs.upload_input` → decode, crop-fit-and-centre → the prediction section): noise and a
typed letter are warned about, a real test digit saved as a PNG is not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explain.whatif import ood_inputs as oi

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")
WARNING = "does not look like a handwritten digit"


@pytest.fixture(scope="module")
def explore() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=300)
    at.run()
    at.switch_page("app_pages/explore.py")
    at.run()
    assert not at.exception
    return at


def _warned(at: AppTest, name: str, data: bytes) -> bool:
    at.file_uploader[0].set_value((name, data, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["current_input"].description == f"upload {name}"
    return any(WARNING in w.value for w in at.warning)


def test_uploaded_noise_and_a_letter_are_warned_about_and_a_real_digit_is_not(explore, test_split):
    noise = np.random.default_rng(0).random((280, 280))  # the first example: read as a 2, no warning
    assert _warned(explore, "noise.png", oi.encoded(noise))
    [letter] = oi.letters([None], 1, seed=0, chars="A")  # the second: a letter A, read as a 2
    assert _warned(explore, "letter_A.png", oi.encoded(1 - letter))  # black on white, as typed
    digit = test_split.images[0].numpy().reshape(28, 28)  # a 7: a real handwritten digit as a visitor's PNG
    assert not _warned(explore, "seven.png", oi.encoded(digit))
