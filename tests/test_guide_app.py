"""AppTests of the guidance (issue 28): Home's start links, Evaluate's verdicts and trust box from the shipped
results, Compare's two models and its settings in the URL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")
PAGES = ["draw", "explore", "compare", "evaluate", "whatif", "inside", "map", "train", "classes", "concepts", "data"]


def _app(page: str | None = None, query: dict | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=300)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    for k, v in (state or {}).items():
        at.session_state[k] = v
    if page:
        at.switch_page(f"app_pages/{page}.py")
    if page or state:
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_home_links_every_page_in_order_with_an_example_and_the_model_card():
    at = _app()
    links = [(link.proto.page, link.proto.query_string) for link in at.get("page_link")]
    assert [p for p, _ in links[:len(PAGES)]] == PAGES  # the tour, in the order a newcomer should go
    # ...and the sidebar lists the pages in the same order (Home first, the model card hidden)
    sidebar = re.findall(r'url_path="([\w-]+)"', Path(ENTRY).read_text())
    assert [p for p in sidebar if p not in ("index", "home", "model-card")] == PAGES
    queries = dict(links)
    for page in ("compare", "evaluate", "whatif", "inside", "map"):
        assert "index=0" in queries[page]  # opens on an example digit
    explore = int(queries["explore"].removeprefix("index="))  # a mistake of the model's
    assert "model-card" in queries  # the model card is a link, not text
    assert all((Path(ENTRY).parents[1] / "assets" / "home" / f"{p}.png").is_file() for p in PAGES)
    from app.state.resources import bundled_model, test_split

    x = test_split().images[explore : explore + 1]
    assert int(bundled_model().model(x).argmax()) != int(test_split().labels[explore])


@pytest.mark.slow
def test_evaluate_says_which_methods_to_trust_and_gives_verdicts():
    at = _app("evaluate", query={"index": "0"})
    text = " ".join(m.value for m in at.markdown)
    assert "Which method should I trust here?" in text and "LRP" in text  # generated from the shipped results
    assert "Fail the sanity check: Guided Backprop" in text
    card = at.dataframe[0].value
    verdicts = card["beats the random map on"]
    assert verdicts["control: random map"] == "(control)"
    assert all(v.endswith("metrics") or v.endswith("✓") for k, v in verdicts.items() if not k.startswith("control"))
    assert at.query_params["tab"] == "input"
    at.session_state["evaluate-tab"] = "Sanity checks"
    at.run()
    assert not at.exception and at.query_params["tab"] == "sanity"
    table = at.dataframe[-1].value.set_index("method")
    assert table.loc["Guided Backprop", "verdict"] == "fail" and table.loc["Integrated Gradients", "verdict"] == "pass"
    assert (table.loc[["control: random map", "control: input edges"], "verdict"] == "fail").all()


def test_evaluate_tab_and_metric_come_from_the_link():
    at = _app("evaluate", query={"tab": "leaderboard", "metric": "seed_stability"})
    assert at.selectbox(key="leaderboard-metric").value == "seed_stability"
    assert any(c.value.startswith("n/a for Saliency") for c in at.caption)  # deterministic methods: said, not drawn
    at.selectbox(key="leaderboard-metric").set_value("infidelity").run()
    assert at.query_params["metric"] == "infidelity" and at.query_params["tab"] == "leaderboard"


@pytest.mark.slow
def test_compare_two_models_share_one_scale_and_report_agreement():
    from app.state.resources import bundled_model, make_loaded
    from model.network import MLP, MLPConfig

    bundled = bundled_model()
    torch.manual_seed(1)
    mine = make_loaded("mine", MLP(MLPConfig(hidden=(32,))), bundled.meta)
    at = _app("compare", query={"index": "3", "layout": "models", "methods": "saliency,deeplift"},
              state={"models": {"bundled": bundled, "mine": mine}})
    [grid] = [json.loads(c.proto.bytes) for c in at.get("bidi_component")
              if c.proto.component_name == "digit_lens.heatmap_grid"]
    assert [p["sub"].split(" ·")[0] for p in grid["panels"]] == ["bundled", "mine"] * 2
    assert all(p["scale"] == 1.0 for p in grid["panels"])  # one shared scale
    rho = at.dataframe[0].value.iloc[:, 1]
    assert len(rho) == 2 and rho.between(-1, 1).all()
    assert not [b for b in at.button if b.label == "Cancel"]  # no Cancel once the run is done
    at.radio(key="compare-layout").set_value("Several test digits × methods").run()
    assert at.text_input(key="compare-indices").value.startswith("3,")  # the current digit is kept
    assert at.query_params["layout"] == "digits" and at.query_params["digits"].startswith("3,")


def test_evaluate_figures_use_distinct_colours_and_ranks_from_one():
    import numpy as np

    from app.figures.scores import SERIES, rank_figure, series_styles

    styles = series_styles(["Saliency", "Integrated Gradients", "control: random map", "DeepLift"])
    colours = [styles[n]["color"] for n in ("Saliency", "Integrated Gradients", "DeepLift")]
    assert colours == list(SERIES[:3]) and len(set(colours)) == 3  # a control does not use up a colour
    assert styles["control: random map"]["dash"] == "dot"
    n = 21
    fig = rank_figure([f"m{i}" for i in range(n)], np.arange(1, n + 1), np.arange(1, n + 1), np.arange(1, n + 1), "t")
    ticks = list(fig.layout.xaxis.tickvals)
    assert ticks[0] == 1 and ticks[-1] == n and fig.layout.xaxis.range[0] > 0


def test_dates_in_words():
    from app.state.guidance import human_date

    assert human_date("2026-11-29T04:48:10+00:00") == "29 Nov 2026"
    assert human_date(None) == "unknown" and human_date("soon") == "soon"
