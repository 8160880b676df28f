"""A real browser: start the app, draw a digit with the mouse, read the prediction, visit pages."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, draw_stroke, streamlit_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                       reason="Debian chromium not installed (.ci/run installs it)"),
]

PAGES = ["home", "draw", "explore", "compare", "evaluate", "inside", "train"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(artifacts_dir):
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def artifacts_dir():
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "an exception box is shown"


def test_draw_a_one_and_read_the_prediction(browser, server, artifacts_dir):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/draw")
    page.wait_for_selector("canvas.upper-canvas", timeout=120_000)
    page.get_by_text("Draw a digit on the canvas").wait_for(timeout=90_000)
    draw_stroke(page, [(0.5, 0.12), (0.5, 0.5), (0.51, 0.88)])
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")
    metric.wait_for(timeout=90_000)
    value = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "draw.png"), full_page=True)
    assert value == "1"
    _no_exception(page)
    page.close()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_without_exception(browser, server, artifacts_dir, path):
    # Streamlit scrolls inside its main block, so a tall viewport is what captures the whole page.
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/{path}")
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=120_000)
    page.wait_for_timeout({"compare": 5000, "evaluate": 9000, "inside": 4000}.get(path, 1500))
    landed = urlparse(page.url).path.strip("/")
    assert landed == path or (path == "home" and landed == ""), f"landed on {page.url}"
    _no_exception(page)
    page.screenshot(path=str(artifacts_dir / f"page-{path}.png"), full_page=True)
    page.close()


def _upload(page, index: int, name: str, data: bytes, mime: str) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').nth(index).set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_checkpoint_uploads_in_the_browser(browser, server, artifacts_dir, tmp_path):
    import pickle

    import torch

    from model.checkpoint import CheckpointMeta, checkpoint_bytes
    from model.network import MLP, MLPConfig

    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/train")
    page.get_by_text("Upload a model").wait_for(timeout=120_000)
    _upload(page, 0, "evil.pt", pickle.dumps({"x": 1}), "application/octet-stream")
    page.get_by_text("only loads .safetensors").wait_for(timeout=90_000)
    assert page.get_by_text("Active model: bundled").count() == 1  # unchanged
    page.close()
    torch.manual_seed(1)
    good = checkpoint_bytes(MLP(MLPConfig(hidden=(24,))), CheckpointMeta(hidden=(24,)))
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/train")
    page.get_by_text("Upload a model").wait_for(timeout=120_000)
    _upload(page, 0, "tiny.safetensors", good, "application/octet-stream")
    try:
        page.get_by_text("Active model: uploaded tiny.safetensors").wait_for(timeout=120_000)
    finally:
        page.screenshot(path=str(artifacts_dir / "train-upload.png"), full_page=True)
    _no_exception(page)


def test_image_upload_on_explore(browser, server, artifacts_dir):
    import io

    import numpy as np
    from PIL import Image

    arr = np.full((300, 200), 255, np.uint8)
    arr[40:260, 90:115] = 0  # a dark "1" on white paper, as a phone photo would be
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/explore")
    page.get_by_text("…or upload a picture of a digit").click(timeout=120_000)
    _upload(page, 0, "one.png", buf.getvalue(), "image/png")
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")
    metric.wait_for(timeout=120_000)
    assert metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == "1"
    _upload(page, 0, "fake.png", b"this is not an image", "image/png")
    page.get_by_text("not a supported image").wait_for(timeout=90_000)
    _no_exception(page)


def test_train_download_and_reupload_in_a_new_session(browser, server, artifacts_dir):
    """Train 784-256-10 for one epoch in the browser, use it, download it, upload it in a new session."""
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/train")
    hidden = page.get_by_label("Hidden layer sizes", exact=True).and_(page.locator("input"))
    try:
        hidden.wait_for(timeout=120_000)
        hidden.fill("256")
        page.get_by_label("Epochs", exact=True).and_(page.locator("input")).fill("1")
        page.get_by_role("button", name="Train").click()
        page.get_by_text("active model on every page").wait_for(timeout=240_000)  # (markdown curls apostrophes)
    finally:
        page.screenshot(path=str(artifacts_dir / "train-e2e.png"), full_page=True)
    page.get_by_text("Active model: trained 784-256-10 seed 0").wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts_dir / "train-done.png"), full_page=True)
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Download this model (.safetensors)").click()
    data = open(dl.value.path(), "rb").read()
    page.goto(f"{server}/explore?index=0")  # the trained model now explains the digits of this session
    page.locator('[data-testid="stMetric"]').filter(has_text="Prediction").wait_for(timeout=120_000)
    _no_exception(page)

    fresh = browser.new_context().new_page()
    fresh.set_viewport_size({"width": 1400, "height": 2400})
    fresh.goto(f"{server}/train")
    fresh.get_by_text("Active model: bundled").wait_for(timeout=120_000)  # sessions do not share models
    _upload(fresh, 0, "mine.safetensors", data, "application/octet-stream")
    fresh.get_by_text("Active model: uploaded mine.safetensors").wait_for(timeout=120_000)
    fresh.locator('[data-testid="stMetric"]').filter(has_text="784-256-10").wait_for(timeout=120_000)
    _no_exception(fresh)
