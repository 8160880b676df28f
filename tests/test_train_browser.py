"""The Train page in Chromium: a confusion cell opens Explore, a run shows live curves and ends cleanly.

Screenshots of its three states (idle, running, finished) go to test-artifacts/.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from tests.conftest import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                       reason="Debian chromium not installed (.ci/run installs it)"),
]

CELL_CENTRE = """([row, col]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullLayout && g.data.length == 2
      && g.data[0].type === 'heatmap');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
  return [r.left + xa._offset + xa.l2p(col), r.top + ya._offset + ya.l2p(row)];
}"""


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server() as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        pg = b.new_page(viewport={"width": 1400, "height": 1000})
        pg.base = url
        yield pg
        b.close()


def _confusion_ready(page) -> None:
    page.goto(f"{page.base}/train")
    page.get_by_text("Active model: bundled").wait_for(timeout=120_000)
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some("
                           "g => g.data && g.data[0] && g.data[0].type === 'heatmap')", timeout=60_000)


def test_a_confusion_cell_opens_explore_with_those_digits(page):
    _confusion_ready(page)
    page.screenshot(path=str(ARTIFACTS / "train-idle.png"), full_page=True)
    x, y = page.evaluate(CELL_CENTRE, [4, 9])
    page.mouse.click(x, y)
    page.wait_for_url("**/explore?*", timeout=60_000)
    query = parse_qs(urlparse(page.url).query)
    assert query.get("true") == ["4"] and query.get("pred") == ["9"], page.url


def test_a_run_shows_live_curves_and_its_end(page):
    # A run long enough to be watched whatever the machine's speed (20 epochs of 55,000 digits), then
    # stopped: a short run could end between two polls and never show "Epoch 2".
    _confusion_ready(page)
    page.get_by_label("Hidden layer sizes", exact=True).fill("32")
    page.get_by_label("Epochs", exact=True).fill("20")
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Epoch 2 of 20").wait_for(timeout=180_000)  # one epoch done: a validation point
    page.get_by_text("left of the 10-minute budget").first.wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "train-running.png"), full_page=True)
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Active model: trained 784-32-10 seed 0").wait_for(timeout=180_000)
    done = page.locator('[data-testid="stAlert"]').filter(has_text="Training was stopped")
    done.wait_for(timeout=30_000)
    assert "now this session's active model" in done.inner_text()
    assert "the completed epoch with the best validation accuracy" in done.inner_text()
    assert page.get_by_label("Epochs", exact=True).input_value() == "20"  # the form shows the run's own settings
    page.screenshot(path=str(ARTIFACTS / "train-finished.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
