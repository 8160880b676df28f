"""Issue 28's second major defect in Chromium: an uploaded picture of noise gets the "does not look like a
handwritten digit" warning on Explore (whose uploader lists file kinds, not MIME types); a phone photo of a
real test digit on paper, lit from one side, gets the digit's answer and no warning."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.test_image_io import harsh_light_photo

pytestmark = pytest.mark.browser
WARNING = "does not look like a handwritten digit"


def _upload(page, name: str, data: bytes, mime: str) -> None:
    page.locator('[data-testid="stMain"] [data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_uploaded_noise_is_warned_about_and_a_photo_of_a_digit_is_not(new_page, server, test_split, artifacts):
    from explain.whatif import ood_inputs as oi

    page = new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/explore")
    page.get_by_text("…or upload a picture of a digit").click(timeout=120_000)
    hint = page.locator('[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInstructions"]').first
    hint.wait_for(timeout=120_000)  # file kinds a newcomer reads, not MIME types (issue 28)
    assert "image, PNG" in hint.inner_text() and "/" not in hint.inner_text(), hint.inner_text()
    _upload(page, "noise.png", oi.encoded(np.random.default_rng(0).random((280, 280))), "image/png")
    warning = page.locator('[data-testid="stAlert"]').filter(has_text=WARNING)
    warning.wait_for(timeout=120_000)
    page.screenshot(path=str(artifacts / "ood-upload-noise.png"), full_page=True)
    _upload(page, "seven.jpg", harsh_light_photo(test_split.images[0].numpy().reshape(28, 28)), "image/jpeg")
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("7", timeout=120_000)
    warning.wait_for(state="detached", timeout=60_000)
    page.screenshot(path=str(artifacts / "ood-upload-photo.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
