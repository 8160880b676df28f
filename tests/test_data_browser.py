"""The Data page in a real Chromium: it opens on the suspect labels, a suspect can be picked, and its TracIn
proponents appear (one click away) beside its nearest training digits."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser import watch_hosts

pytestmark = pytest.mark.browser


def test_pick_a_suspect_and_see_its_proponents(new_page, server, artifacts):
    page = new_page(viewport={"width": 1400, "height": 1000})
    hosts = watch_hosts(page)
    try:
        _pick_and_see(page, server, hosts)
    finally:
        page.screenshot(path=str(artifacts / "data-page.png"))


def _pick_and_see(page, server: str, hosts: set[str]) -> None:
    page.goto(f"{server}/data")
    page.get_by_text("Inspect a suspect").first.wait_for(timeout=240_000)
    assert urlparse(page.url).path.strip("/") == "data", page.url  # not the "page not found" fallback
    page.get_by_text("Show its proponents and opponents").wait_for(timeout=240_000)  # the section is drawn
    second = page.get_by_role("option").nth(1)
    for _ in range(5):  # a click during a rerun can land on a box that is being replaced: try again
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Inspect a suspect").click()
        try:
            second.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 (Playwright's TimeoutError)
            page.keyboard.press("Escape")
    name = second.inner_text().strip()  # "#1530: labelled 8, suggested 7"
    second.click()
    given, suggested = name.split("labelled ")[1].split(", suggested ")
    # the inspected digit's metric says the picked suspect's labels once the rerun is done
    page.get_by_text(f"{given.strip()} → {suggested.strip()}", exact=True).wait_for(timeout=120_000)
    page.get_by_text("Show its proponents and opponents").click()
    heading = page.get_by_text("Proponents of class").first
    heading.wait_for(timeout=240_000)
    # test split: the suggested label is the model's own prediction, whose proponents are shown
    assert f"Proponents of class {suggested.strip()}" in heading.inner_text()
    page.get_by_text("Nearest training digits in hidden 2").wait_for(timeout=120_000)  # beside them
    assert not page.locator('[data-testid="stException"]').count()
    assert hosts <= {urlparse(server).netloc}, hosts
