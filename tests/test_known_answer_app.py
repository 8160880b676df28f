"""Evaluate's Known answer tab in a real browser (the session server), and its figure's house rules."""

from __future__ import annotations

import re

import numpy as np
import pytest


def test_known_scores_figure_follows_the_house_rules():
    from app.figures.known import known_scores_figure

    mean = np.array([0.3, 0.02])
    fig = known_scores_figure(["Input × Gradient", "control: random map"], (mean, mean - 0.01, mean + 0.01),
                              (mean / 5, mean / 5 - 0.01, mean / 5 + 0.01), 16 / 784)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and "chance" in fig.layout.title.text
    assert fig.layout.font.size >= 11 and fig.layout.legend.font.size >= 11
    assert list(fig.data[1].y) == ["control: random map", "Input × Gradient"]  # best at the top (drawn last)
    assert fig.data[1].x[-1] == pytest.approx(30.0)  # percent


@pytest.mark.browser
def test_known_answer_tab_shows_scores_and_the_patch_on_both_models(new_page, server):
    from benchmarks.browser import _ready

    page = new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/evaluate?tab=known&known_methods=input_x_gradient")
    _ready(page)
    page.get_by_role("tab", name="Known answer", selected=True).wait_for(timeout=60_000)
    page.get_by_text("Find the mark").wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_text("Bundled model (no shortcut)").wait_for(timeout=120_000)

    def shares() -> list[float]:  # Input × Gradient's share on the patch: the shortcut model's, then the bundled one's
        subs = [page.locator(f".st-key-known-grid-{k} figure span") for k in (0, 1)]  # Playwright pierces shadow roots
        for _ in range(240):  # both grids drawn (each is its own component, painted when its data arrives)
            text = " ".join(t for s in subs for t in s.all_text_contents())
            found = [float(v) for v in re.findall(r"([\d.]+)% on the patch", text)]
            if len(found) == 2:
                return found
            page.wait_for_timeout(500)
        return found

    marked = shares()
    assert len(marked) == 2 and marked[0] > 3 * marked[1], marked  # only the shortcut model looks at the patch
    page.get_by_test_id("stCheckbox").get_by_text("With the patch").click()
    page.wait_for_function("!document.body.innerText.includes('the digit and the patch')", timeout=120_000)
    _ready(page)
    clean = shares()
    assert clean[0] < marked[0] / 3, (clean, marked)  # no patch, nothing there to see


def test_tcav_figure_greys_what_is_not_significant():
    from app.figures.known import NOT_SIGNIFICANT, tcav_figure
    from app.figures.palette import RED

    fig = tcav_figure("hidden 1", [0, 7], np.array([0.5, 1.0]), np.array([0.1, 0.0]), np.array([0.5, 0.4]),
                      np.array([False, True]), np.array([0.8, 0.001]))
    sig, grey = fig.data[0], fig.data[1]
    assert list(sig.x) == ["7"] and sig.marker.color == RED and list(grey.x) == ["0"] and grey.marker.color == NOT_SIGNIFICANT
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and fig.layout.font.size >= 11
