"""The Concepts page in a real browser (the session server): the known answer, class 7 on the planted-shortcut model."""

from __future__ import annotations

import pytest


@pytest.mark.browser
def test_concepts_page_shows_the_patch_pushing_7_on_the_shortcut_model(new_page, server):
    from benchmarks.browser import _ready

    page = new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/concepts")
    _ready(page)
    page.get_by_role("heading", name="Concepts").wait_for(timeout=60_000)
    page.get_by_text("the planted-shortcut model").click()
    page.wait_for_function("document.body.innerText.includes('--model shortcut')", timeout=120_000)
    _ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator(".js-plotly-plot").count() == 2  # one chart per hidden layer
    found = page.get_by_text("Significant (Bonferroni").locator("..").inner_text()
    assert "digit 7 in hidden 1" in found, found
