"""The What-if page in a real Chromium: opens clean, paints a pixel, and its screenshot is in the docs."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server, watch_hosts
from tests.conftest import ARTIFACTS, ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                       reason="Debian chromium not installed (.ci/run installs it)"),
]


# Pixel (row 14, col 3) as the page's charts hold it (in _fullData, where plotly.js has decoded the
# binary arrays): the editor's marker colour, and the "original" panel of the counterfactual row
# (the edited digit is the page's working input).
EDITOR_PIXEL = "document.querySelector('.js-plotly-plot')._fullData[0].marker.color[14 * 28 + 3]"
ORIGINAL_PIXEL = """(() => { for (const p of document.querySelectorAll('.js-plotly-plot')) {
  const a = (p.layout.annotations || [])[0];
  if (a && a.text === 'original' && p.data[0].type === 'heatmap') return p._fullData[0].z[14][3]; } })()"""


def test_whatif_page_opens_clean_and_a_clicked_pixel_is_painted():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(timeout=180) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        hosts = watch_hosts(page)
        page.goto(f"{url}/whatif?index=3&to=6")
        page.get_by_text("Pixels changed").first.wait_for(timeout=240_000)
        page.wait_for_timeout(2000)
        assert urlparse(page.url).path.strip("/") == "whatif", page.url
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "to=6" in page.url and "view=counterfactual" in page.url  # settings travel in the URL
        page.screenshot(path=str(ARTIFACTS / "whatif.png"), full_page=True)

        # Paint the pixel at row 14, column 3 (black in test digit #3) with one click.
        box = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
        x, y = box["x"] + 3.5 / 28 * box["width"], box["y"] + 14.5 / 28 * box["height"]
        page.mouse.move(x - 3, y - 3)
        page.mouse.move(x, y, steps=3)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        page.get_by_text("edited: this is the page").wait_for(timeout=240_000)
        # The old counterfactual stays on screen while the page reruns: wait for the run to finish.
        page.wait_for_function(f"() => {ORIGINAL_PIXEL} === 1", timeout=240_000)
        assert page.evaluate(EDITOR_PIXEL) == 1  # the editor shows the painted pixel
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(ARTIFACTS / "whatif-edited.png"), full_page=True)
        browser.close()
    assert hosts <= {urlparse(url).netloc}, hosts  # no request leaves the app's own host
    assert (ROOT / "docs" / "whatif.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
