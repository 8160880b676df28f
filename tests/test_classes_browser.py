"""In Chromium, on the session's app server: the Classes page draws every figure from the shipped class
views, and Compare's "Download report" gives a file that draws every figure with the network blocked."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser import watch_hosts

DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].length > 0 &&
                 [...document.querySelectorAll('.js-plotly-plot')].every(d => d.querySelector('.main-svg'))"""
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && !document.querySelector('[data-testid="stSpinner"]')"""


@pytest.mark.browser
def test_classes_page_and_an_offline_report(new_page, server, tmp_path):
    page = new_page(viewport={"width": 1400, "height": 1000})
    hosts = watch_hosts(page)
    page.goto(f"{server}/classes")
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=120_000)
    assert urlparse(page.url).path.strip("/") == "classes", f"landed on {page.url}"
    page.wait_for_function(IDLE, timeout=120_000)
    page.wait_for_function(DRAWN, timeout=60_000)
    page.get_by_role("tab", name="Strategies").click()
    page.get_by_text("Silhouette per k").first.wait_for(timeout=60_000)
    page.wait_for_function(IDLE, timeout=120_000)
    page.wait_for_function(DRAWN, timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert hosts == {urlparse(server).netloc}, f"the Classes page asked other hosts: {hosts}"

    page.goto(f"{server}/compare?index=3&methods=saliency,deeplift")
    button = page.get_by_role("button", name="Download report")
    button.wait_for(timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000)
    with page.expect_download(timeout=120_000) as download:
        button.click()
    saved = tmp_path / "report.html"
    download.value.save_as(saved)

    report = new_page(viewport={"width": 390, "height": 844})
    asked: list[str] = []

    def only_the_file(route) -> None:
        asked.append(route.request.url)
        route.continue_() if route.request.url.startswith("file:") else route.abort()

    report.route("**/*", only_the_file)
    report.goto(saved.as_uri())
    report.wait_for_function(DRAWN, timeout=30_000)
    assert report.locator(".js-plotly-plot").count() == 5  # digit, prediction, maps, deletion, insertion
    assert report.locator(".js-plotly-plot .colorbar").count() >= 2  # signed and unsigned maps: two titled bars
    assert asked == [saved.as_uri()], f"the report asked for more than itself: {asked}"
    assert "test digit #3" in report.content()
