"""The What-if page in a real Chromium: opens clean, paints a pixel, and its screenshot is in the docs."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser import watch_hosts
from tests.conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.browser


# Pixel (row 14, col 3) as the page shows it: the editor's marker colour (plotly.js has decoded the
# binary arrays in _fullData), and the grey value painted in the "original" image of the counterfactual
# row (the edited digit is the page's working input), read from its canvas (28 pixels drawn on 128).
EDITOR_PIXEL = "document.querySelector('.js-plotly-plot')._fullData[0].marker.color[14 * 28 + 3]"
ORIGINAL_CANVAS = ".st-key-whatif-cf-images-digits canvas"  # Playwright's CSS pierces the component's shadow root
READ_PIXEL = "c => c.getContext('2d').getImageData(Math.floor(3.5 * c.width / 28), Math.floor(14.5 * c.height / 28), 1, 1).data[0]"


def _original_pixel(page, want: int, timeout_s: float = 240) -> int:
    """The original image's pixel (14, 3), polled until it reads `want` (the page reruns after a click)."""
    import time

    deadline, value = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        value = page.locator(ORIGINAL_CANVAS).first.evaluate(READ_PIXEL)
        if value == want:
            break
        page.wait_for_timeout(250)
    return value


def test_whatif_page_opens_clean_and_a_clicked_pixel_is_painted(new_page, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page = new_page(viewport={"width": 1400, "height": 2400})
    hosts = watch_hosts(page)
    page.goto(f"{server}/whatif?index=3&to=6")
    page.get_by_text("Pixels changed").first.wait_for(timeout=240_000)
    page.wait_for_timeout(2000)
    assert urlparse(page.url).path.strip("/") == "whatif", page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "to=6" in page.url and "view=counterfactual" in page.url  # settings travel in the URL
    page.screenshot(path=str(ARTIFACTS / "whatif.png"), full_page=True)

    assert _original_pixel(page, 0, timeout_s=5) == 0  # black before the click
    # Paint the pixel at row 14, column 3 (black in test digit #3) with one click.
    box = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    x, y = box["x"] + 3.5 / 28 * box["width"], box["y"] + 14.5 / 28 * box["height"]
    page.mouse.move(x - 3, y - 3)
    page.mouse.move(x, y, steps=3)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    page.get_by_text("edited: this is the page").wait_for(timeout=240_000)
    # The old counterfactual stays on screen while the page reruns: wait for the run to finish.
    assert _original_pixel(page, 255) == 255
    assert page.evaluate(EDITOR_PIXEL) == 1  # the editor shows the painted pixel
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "whatif-edited.png"), full_page=True)
    assert hosts <= {urlparse(server).netloc}, hosts  # no request leaves the app's own host
    assert (ROOT / "docs" / "whatif.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
