"""The What-if page in a real Chromium: opens clean; painting over the digit works like the Draw pad (the same
component): a mouse drag paints several pixels with one answer at pen-up, and the first tap of a finger paints."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest

from tests.browser import watch_hosts
from tests.conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.browser

# An FGSM attack at ε = 0 is the cheapest section: its "original" image is the page's working input.
WHATIF = "whatif?index=3&view=attack&attack=fgsm&eps=0"
PAINT = ".st-key-whatif-paint canvas.dl-view"  # Playwright's CSS pierces the component's shadow root
PAINT_HOST = '.st-key-whatif-paint [data-testid="stBidiComponentIsolated"]'
ORIGINAL_CANVAS = ".st-key-whatif-adv-images-digits canvas"
# The grey of pixel (row, col) of the original image as the page draws it (28 pixels drawn on 128).
READ_PIXEL = ("(c, [r, k]) => c.getContext('2d').getImageData(Math.floor((k + 0.5) * c.width / 28), "
              "Math.floor((r + 0.5) * c.height / 28), 1, 1).data[0]")


def _open(page, server: str):
    page.goto(f"{server}/{WHATIF}")
    page.locator(ORIGINAL_CANVAS).first.wait_for(timeout=240_000)
    box = page.locator(PAINT).first.bounding_box()
    assert box is not None, "paint pad not visible"
    return box


def _cell(box: dict, row: float, col: float) -> tuple[float, float]:
    return box["x"] + (col + 0.5) / 28 * box["width"], box["y"] + (row + 0.5) / 28 * box["height"]


def _pixels(page, cells: list[tuple[int, int]], want: int, timeout_s: float = 240) -> list[int]:
    """The original image's pixels, polled until all read `want` (the page reruns after pen-up)."""
    deadline, values = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        canvas = page.locator(ORIGINAL_CANVAS).first
        values = [canvas.evaluate(READ_PIXEL, [r, k]) for r, k in cells]
        if all(v == want for v in values):
            break
        page.wait_for_timeout(250)
    return values


def _counter(page, name: str) -> str | None:
    return page.locator(PAINT_HOST).first.get_attribute(f"data-{name}")


def test_a_mouse_drag_paints_a_line_of_pixels_with_one_answer(new_page, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page = new_page(viewport={"width": 1400, "height": 1600})
    hosts = watch_hosts(page)
    box = _open(page, server)
    assert urlparse(page.url).path.strip("/") == "whatif", page.url
    assert "view=attack" in page.url and "eps=0" in page.url  # settings travel in the URL
    column = [(12, 3), (16, 3), (20, 3)]  # black in test digit #3
    assert _pixels(page, column, 0, timeout_s=5) == [0, 0, 0]
    page.mouse.move(*_cell(box, 12, 3))
    page.mouse.down()
    for row in range(13, 21):  # a drag of about half a second: a pad that answered mid-stroke would send again
        page.mouse.move(*_cell(box, row, 3), steps=3)
        page.wait_for_timeout(60)
    page.mouse.up()
    page.get_by_text("edited: this is the page").wait_for(timeout=240_000)
    assert _pixels(page, column, 255) == [255, 255, 255]
    assert _counter(page, "sends") == "1"  # one answer for the whole stroke, at pen-up
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "whatif-painted.png"), full_page=True)
    assert hosts <= {urlparse(server).netloc}, hosts  # no request leaves the app's own host
    assert (ROOT / "docs" / "whatif.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_first_tap_of_a_finger_paints_on_a_phone(new_page, server):
    page = new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    box = _open(page, server)
    page.locator(PAINT).first.scroll_into_view_if_needed()
    box = page.locator(PAINT).first.bounding_box()
    assert _pixels(page, [(14, 3)], 0, timeout_s=5) == [0]
    page.touchscreen.tap(*_cell(box, 14, 3))  # real touch events (touchstart, touchend) through the browser
    page.get_by_text("edited: this is the page").wait_for(timeout=240_000)
    assert _pixels(page, [(14, 3)], 255) == [255]
    assert _counter(page, "sends") == "1"
    page.screenshot(path=str(ARTIFACTS / "whatif-phone-tapped.png"), full_page=True)
