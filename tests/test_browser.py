"""A real browser: start the app, draw a digit with the mouse, read the prediction, visit pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser import (
    PAD, PAD_HOST, draw_stroke, watch_hosts, pad_box, prediction, touch_stroke,
)

pytestmark = pytest.mark.browser

PAGES = ["home", "draw", "explore", "compare", "evaluate", "inside", "train"]
DESKTOP, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}
ONE = [(0.5, 0.12), (0.5, 0.5), (0.51, 0.88)]
SEVEN = [(0.2, 0.15), (0.8, 0.15), (0.45, 0.9)]


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "an exception box is shown"


def _settled(page, timeout: float = 120_000) -> None:
    """Wait (on a condition, not a clock) until the app is idle: no script running, no spinner."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-testid="stSpinner"]')""", timeout=timeout)


def _answered(page, count: int, timeout: float = 90_000) -> None:
    """Wait until the pad has had `count` strokes answered (prediction and maps on the page)."""
    page.wait_for_function(
        "([host, n]) => Number(document.querySelector(host).dataset.answered || 0) >= n",
        arg=[PAD_HOST, count], timeout=timeout)


def _model_input_png(page) -> bytes:
    """The pad's 280×280 rendering at 1×: what the old component would have sent as its PNG."""
    import base64

    url = page.evaluate("host => document.querySelector(host).shadowRoot.querySelector('canvas.dl-model')"
                        ".toDataURL('image/png')", PAD_HOST)
    return base64.b64decode(url.split(",", 1)[1])


def _expected(png: bytes) -> tuple[str, str]:
    """Prediction and confidence the bundled model gives for that PNG through the old path."""
    import io

    import numpy as np
    import torch
    from PIL import Image

    from model.checkpoint import load_checkpoint
    from model.paths import bundled_checkpoint
    from model.preprocess import preprocess

    steps = preprocess(np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")))
    model, _ = load_checkpoint(bundled_checkpoint())
    with torch.no_grad():
        p = torch.softmax(model(torch.as_tensor(steps.centred).reshape(1, 28, 28)), 1)[0]
    return str(int(p.argmax())), f"{float(p.max()):.1%}"


def test_draw_with_the_mouse_reads_the_same_prediction_as_the_old_png_path(new_page, server, artifacts):
    page = new_page(viewport=DESKTOP)
    hosts = watch_hosts(page)
    page.goto(f"{server}/draw")
    page.get_by_text("Draw a digit on the pad").wait_for(timeout=120_000)
    pad_box(page)
    assert page.locator(PAD).count() == 1  # exactly one drawing canvas
    draw_stroke(page, ONE)
    _answered(page, 1)
    assert prediction(page) == "1"
    page.get_by_text("Fingerprint of these maps").wait_for(timeout=60_000)
    digit, confidence = _expected(_model_input_png(page))
    shown = page.locator('[data-testid="stMetric"]').filter(has_text="Confidence")
    assert (digit, shown.locator('[data-testid="stMetricValue"]').inner_text().strip()) == ("1", confidence)
    page.keyboard.press("Delete")  # clear from the keyboard
    page.get_by_text("Draw a digit on the pad").wait_for(timeout=60_000)
    page.keyboard.press("Control+z")  # undo the clear: the "1" and its answer come back
    assert prediction(page) == "1"
    _no_exception(page)
    assert hosts == {urlparse(server).netloc}, f"requests left the machine: {hosts}"
    page.close()


def test_the_pads_run_length_encoder_is_the_one_the_server_decodes(new_page):
    """The browser's `rle` (pad.js) and the server's `_rle` give the same bytes for a drawing's ink."""
    import base64

    import numpy as np

    from app.components.drawing_pad import payload

    JS = Path(payload.__file__).with_name("pad.js").read_text()
    source = JS[JS.index("function b64("):JS.index("function paintStroke")]
    rng = np.random.default_rng(0)
    ink = np.repeat(rng.choice([0, 0, 255, 128], 400), rng.integers(1, 400, 400)).astype(np.uint8)
    page = new_page()
    got = page.evaluate(f"values => {{ {source}; return rle(new Uint8Array(values)); }}", ink.tolist())
    page.close()
    assert base64.b64decode(got) == payload._rle(ink)


def test_the_shared_decoder_reads_what_b64_array_sends(new_page):
    """decode.js, which every component's JS starts with, reads the JSON bytes and `b64_array`'s float32
    values and greyscale pixels exactly."""
    import numpy as np

    from app.components.base import DECODE_JS, b64_array

    values = np.array([0.0, -1.5, 3.25e-7, 1e6, 0.1])
    grey = np.array([[0, 7, 255], [128, 1, 2]], np.uint8)
    page = new_page()
    got = page.evaluate(
        "([f, g, json]) => {" + DECODE_JS + """
          return {floats: Array.from(floats(f)), grey: Array.from(greyPixels(g, 3, 2).data),
                  data: decode(new TextEncoder().encode(json)), none: decode(null)}; }""",
        [b64_array(values, "<f4"), b64_array(grey, np.uint8), '{"a": [1, 2.5]}'])
    page.close()
    assert got["floats"] == values.astype(np.float32).tolist()
    assert got["grey"] == np.stack([grey, grey, grey, np.full_like(grey, 255)], axis=-1).reshape(-1).tolist()
    assert got["data"] == {"a": [1, 2.5]} and got["none"] == {}


def test_draw_by_touch_on_a_phone(new_page, server, artifacts):
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    page.goto(f"{server}/draw")
    page.get_by_text("Draw a digit on the pad").wait_for(timeout=120_000)
    box = pad_box(page)
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"pad does not fit: {box}"
    touch_stroke(page, SEVEN)
    _answered(page, 1)
    assert prediction(page) == "7"
    _settled(page)
    # Nothing in the page scrolls sideways (the collapsed sidebar, off-screen, does not count).
    overflow = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"] *')].some(e =>
        e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))""")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / "draw-phone-touch.png"))
    assert wide <= PHONE["width"] and not overflow, "the Draw page scrolls sideways at 390 px"
    _no_exception(page)


def test_home_is_served_at_root_and_at_slash_home(new_page, server):
    page = new_page(viewport=DESKTOP)
    for path in ("", "home"):
        page.goto(f"{server}/{path}")
        page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=120_000)
        assert page.locator("h1").first.inner_text().strip() == "Digit Lens"
        _settled(page)
        assert page.get_by_text("Page not found").count() == 0, f"/{path} says Page not found"
        assert urlparse(page.url).path.strip("/") == path
    page.close()


def _open(page, server: str, path: str) -> None:
    page.goto(f"{server}/{path}")
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=120_000)
    _settled(page)


# Every page in its main states (the ones a first visit shows, plus Draw drawn and Draw's all-10 view).
STATES = {
    "home": None, "explore": None, "compare": None, "evaluate": None, "inside": None, "train": None,
    "draw-empty": None,
    "draw-drawn": lambda page: (draw_stroke(page, SEVEN) if page.viewport_size["width"] > 500 else touch_stroke(page, SEVEN),
                                _answered(page, 1)),
    "draw-all-classes": lambda page: (STATES["draw-drawn"](page), page.get_by_text("All 10 classes").click(),
                                      page.get_by_text("all 10 classes in").first.wait_for(timeout=120_000)),
}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("state", list(STATES))
def test_every_page_state_screenshot_and_no_other_host(new_page, server, artifacts, state, size):
    """Screenshots into test-artifacts/ at 1400×1000 and 390×844; no request to any host but the app's."""
    viewport = DESKTOP if size == "desktop" else PHONE
    page = new_page(viewport=viewport, has_touch=size == "phone")
    hosts = watch_hosts(page)
    path = state.split("-")[0]
    _open(page, server, path)
    landed = urlparse(page.url).path.strip("/")
    assert landed == path or (path == "home" and landed == ""), f"landed on {page.url}"
    if STATES[state]:
        STATES[state](page)
        _settled(page)
    _no_exception(page)
    # Streamlit scrolls inside its main block: stretch the viewport to the content for the whole page.
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], min(height, 6000))})
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
        .every(c => c.querySelector('.main-svg'))""", timeout=60_000)  # every chart drawn at the new size
    page.screenshot(path=str(artifacts / f"{state}-{size}.png"))
    assert hosts == {urlparse(server).netloc}, f"{state} requested other hosts: {hosts}"


def _upload(page, index: int, name: str, data: bytes, mime: str) -> None:
    # The page's own uploaders, not the sidebar's (the workspace import).
    page.locator('[data-testid="stMain"] [data-testid="stFileUploader"] input[type="file"]').nth(index).set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_checkpoint_uploads_in_the_browser(new_page, server, artifacts, tmp_path):
    import pickle

    import torch

    from model.checkpoint import CheckpointMeta, checkpoint_bytes
    from model.network import MLP, MLPConfig

    page = new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/train")
    page.get_by_text("Upload a model").wait_for(timeout=120_000)
    # The box offers .safetensors only (pickles are refused: it must not list .pt and friends); a pickle
    # renamed to .safetensors is caught by its content.
    instructions = page.locator('[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInstructions"]').first
    instructions.wait_for(timeout=120_000)
    assert "SAFETENSORS" in instructions.inner_text() and "PT" not in instructions.inner_text().replace("SAFETENSORS", "")
    _upload(page, 0, "evil.safetensors", pickle.dumps({"x": 1}), "application/octet-stream")
    page.get_by_text("only loads .safetensors").wait_for(timeout=90_000)
    assert page.get_by_text("Active model: bundled").count() == 1  # unchanged
    page.close()
    torch.manual_seed(1)
    good = checkpoint_bytes(MLP(MLPConfig(hidden=(24,))), CheckpointMeta(hidden=(24,)))
    page = new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/train")
    page.get_by_text("Upload a model").wait_for(timeout=120_000)
    _upload(page, 0, "tiny.safetensors", good, "application/octet-stream")
    try:
        page.get_by_text("Active model: uploaded tiny.safetensors").wait_for(timeout=120_000)
    finally:
        page.screenshot(path=str(artifacts / "train-upload.png"), full_page=True)
    _no_exception(page)


def test_image_upload_on_explore(new_page, server, artifacts):
    import io

    import numpy as np
    from PIL import Image

    arr = np.full((300, 200), 255, np.uint8)
    arr[40:260, 90:115] = 0  # a dark "1" on white paper, as a phone photo would be
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    page = new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/explore")
    page.get_by_text("…or upload a picture of a digit").click(timeout=120_000)
    _upload(page, 0, "one.png", buf.getvalue(), "image/png")
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")
    metric.wait_for(timeout=120_000)
    assert metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == "1"
    _upload(page, 0, "fake.png", b"this is not an image", "image/png")
    page.get_by_text("not a supported image").wait_for(timeout=90_000)
    _no_exception(page)


def test_train_download_and_reupload_in_a_new_session(new_page, server, artifacts):
    """Train 784-256-10 for one epoch on 5,000 digits in the browser, use it, download it, upload it in a
    new session."""
    page = new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/train")
    hidden = page.get_by_label("Hidden layer sizes", exact=True).and_(page.locator("input"))
    try:
        hidden.wait_for(timeout=120_000)
        hidden.fill("256")
        page.get_by_label("Epochs", exact=True).and_(page.locator("input")).fill("1")
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Training digits").click()
        page.get_by_role("option", name="5,000", exact=True).click()
        page.get_by_role("button", name="Train").click()
        page.get_by_text("active model on every page").wait_for(timeout=240_000)  # (markdown curls apostrophes)
    finally:
        page.screenshot(path=str(artifacts / "train-e2e.png"), full_page=True)
    page.get_by_text("Active model: trained 784-256-10 seed 0").wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "train-done.png"), full_page=True)
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Download this model (.safetensors)").click()
    data = open(dl.value.path(), "rb").read()
    page.goto(f"{server}/explore?index=0")  # the trained model now explains the digits of this session
    page.locator('[data-testid="stMetric"]').filter(has_text="Prediction").wait_for(timeout=120_000)
    _no_exception(page)

    fresh = new_page(viewport={"width": 1400, "height": 2400})  # another session
    fresh.goto(f"{server}/train")
    fresh.get_by_text("Active model: bundled").wait_for(timeout=120_000)  # sessions do not share models
    _upload(fresh, 0, "mine.safetensors", data, "application/octet-stream")
    fresh.get_by_text("Active model: uploaded mine.safetensors").wait_for(timeout=120_000)
    fresh.locator('[data-testid="stMetric"]').filter(has_text="784-256-10").wait_for(timeout=120_000)
    _no_exception(fresh)


def test_ctrl_z_after_clear_brings_the_drawing_back(new_page, server):
    """Clear disables itself; focus goes back to the pad, so the Ctrl+Z that follows undoes it (issue 28)."""
    page = new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/draw")
    draw_stroke(page, SEVEN)
    clear = page.locator('.st-key-pad button[data-act="clear"]').first
    assert clear.is_enabled()
    clear.click()
    assert clear.is_disabled()
    page.keyboard.press("Control+z")
    page.wait_for_timeout(300)
    assert clear.is_enabled(), "Ctrl+Z after Clear did not bring the strokes back"
