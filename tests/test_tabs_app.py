"""Lazy tabs (app/sections/lazy_tabs.py): only the open tab runs, and a closed tab's widgets keep their values."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest


ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def _page(page: str) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=240)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(("page", "tab_key", "widget", "kind", "value", "other_tab"), [
    ("map", "map-tab", "map-nb-k", "slider", 20, "Seeds"),
    ("inside", "inside-tab", "inside-order", "radio", "how strongly each unit fires for this input",
     "One neuron up close"),
    ("evaluate", "evaluate-tab", "evaluate-repl", "radio", "blur", "Sanity checks"),
])
def test_a_closed_tab_runs_nothing_and_keeps_its_widgets_values(page, tab_key, widget, kind, value, other_tab):
    at = _page(page)
    getattr(at, kind)(key=widget).set_value(value).run()
    at.session_state[tab_key] = other_tab
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert widget not in {w.key for w in getattr(at, kind)}  # its tab is closed: not drawn
    at.session_state[tab_key] = at.tabs[0].label  # back to the first tab, open by default
    at.run()
    assert getattr(at, kind)(key=widget).value == value  # not back at its default


@pytest.mark.browser
def test_a_conductance_bar_click_opens_that_unit_in_the_neuron_tab(new_page, server):
    """Inside: the click lands in one tab and opens another (a callback sets the tab and the unit)."""
    from playwright.sync_api import expect

    from benchmarks.browser import _ready

    page = new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/inside?index=4")
    _ready(page)
    page.get_by_role("tab", name="Which units carry the prediction").click()
    bars = page.locator(".js-plotly-plot .bars .point path")
    bars.first.wait_for(timeout=120_000)
    labels = page.locator(".js-plotly-plot .xtick text").all_text_contents()  # "unit 49", "unit 79", …
    bars.nth(2).scroll_into_view_if_needed()  # the chart may start near the fold (its height follows the data)
    box = bars.nth(2).bounding_box()  # Plotly's drag layer covers the bars: click where the third one is
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_role("tab", name="One neuron up close", selected=True).wait_for(timeout=60_000)
    _ready(page)
    unit = labels[2].split()[-1]
    assert f"Activation of unit {unit} here" in page.get_by_test_id("stMetricLabel").inner_text()  # server side
    # The field shows the session-state value one React effect after the run ends (its default first): wait.
    expect(page.get_by_test_id("stNumberInputField")).to_have_value(unit, timeout=10_000)
    assert page.locator('[data-testid="stException"]').count() == 0
