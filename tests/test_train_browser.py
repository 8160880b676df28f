"""The Train page in Chromium: a confusion cell opens Explore, a run shows live curves and ends cleanly.

Screenshots of its three states (idle, running, finished) go to test-artifacts/.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

CELL_CENTRE = """([row, col]) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g._fullLayout && g.data.length == 2
      && g.data[0].type === 'heatmap');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
  return [r.left + xa._offset + xa.l2p(col), r.top + ya._offset + ya.l2p(row)];
}"""


@pytest.fixture(scope="module")
def page(browser, server):
    """One session for the module's tests, in order: they continue each other's state."""
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.base = server
    yield pg
    ctx.close()


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
    from playwright.sync_api import expect

    # 20 epochs of 20,000 digits: long enough to be watched on a fast machine (a short run can end
    # between two polls), short enough per epoch on a loaded one (the whole suite, 2 cores). Any
    # epoch after the first means a validation point is on the curves; then Stop (or, if it was
    # faster than us, the run's own end) must leave the trained model active.
    _confusion_ready(page)
    page.get_by_label("Hidden layer sizes", exact=True).fill("32")
    page.get_by_label("Epochs", exact=True).fill("20")
    page.get_by_label("Training digits", exact=True).click()
    page.get_by_role("option", name="20,000", exact=True).click()
    page.get_by_role("button", name="Train").click()
    later_epoch = page.get_by_text(re.compile(r"Epoch ([2-9]|1[0-9]|20) of 20"))
    try:
        later_epoch.or_(page.get_by_text("Active model: trained 784-32-10 seed 0")).first.wait_for(timeout=300_000)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "train-no-progress.png"), full_page=True)
        (ARTIFACTS / "train-no-progress.txt").write_text(page.inner_text("body"))
        raise
    if later_epoch.count():
        page.get_by_text("left of the 10-minute budget").first.wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "train-running.png"), full_page=True)
        page.get_by_role("button", name="Stop").click()
    page.get_by_text("Active model: trained 784-32-10 seed 0").wait_for(timeout=300_000)
    done = page.locator('[data-testid="stAlert"]').filter(has_text=re.compile("Training (was stopped|finished)"))
    done.wait_for(timeout=30_000)
    assert "now this session's active model" in done.inner_text()
    assert "the completed epoch with the best validation accuracy" in done.inner_text()
    expect(page.get_by_label("Epochs", exact=True)).to_have_value("20")  # the form shows the run's own settings
    page.screenshot(path=str(ARTIFACTS / "train-finished.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
