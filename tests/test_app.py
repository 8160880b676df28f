"""AppTest of every page: inputs injected through session state and query params."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explain import drawing_methods, get_method, method_names

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def _app(page: str | None = None, query: dict | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=180)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
    for k, v in (state or {}).items():
        at.session_state[k] = v
    if page or state:
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _components(at: AppTest, name: str) -> list[dict]:
    """The data of every mounted Custom Component `digit_lens.{name}` (AppTest sees them as unknown)."""
    import json

    return [json.loads(c.proto.bytes) for c in at.get("bidi_component")
            if c.proto.component_name == f"digit_lens.{name}"]


def _one() -> np.ndarray:
    img = np.zeros((280, 280, 4), np.uint8)
    img[..., 3] = 255
    img[40:240, 130:152, :3] = 255
    return img


@pytest.mark.slow
def test_home_shows_measured_accuracy():
    at = _app()
    assert float(_metrics(at)["Test accuracy"].rstrip("%")) >= 98.0


def test_draw_blank_shows_hint_not_a_guess():
    at = _app("draw")
    assert "Prediction" not in _metrics(at)
    assert any("Draw a digit" in i.value for i in at.info)


@pytest.mark.parametrize("digit", [1, 0])
@pytest.mark.slow
def test_draw_injected_pixels_predicts_and_explains(digit):
    img = _one()
    if digit == 0:
        img[..., :3] = 0
        yy, xx = np.mgrid[:280, :280]
        r = np.hypot((yy - 140) / 1.3, xx - 140)
        img[(r > 60) & (r < 80), :3] = 255
    at = _app("draw", state={"draw_pixels": img})
    assert _metrics(at)["Prediction"] == str(digit)
    assert at.multiselect[0].value == drawing_methods()
    from explain import get_method

    [bars] = _components(at, "probability_bars")
    assert int(np.argmax(bars["p"])) == digit and abs(sum(bars["p"]) - 1) < 1e-4
    # The signed maps on a diverging scale, then the unsigned ones (Saliency) on a sequential one from 0.
    grids = _components(at, "heatmap_grid")
    unsigned = {m for m in drawing_methods() if get_method(m).params().to_dict().get("absolute")}
    assert [[p["title"] for p in g["panels"]] for g in grids] == [
        [get_method(m).display for m in drawing_methods() if m not in unsigned],
        [get_method(m).display for m in drawing_methods() if m in unsigned]]
    assert [g["signed"] for g in grids] == [True, False] and grids[0]["limit"] == grids[1]["limit"]
    assert all(g["outline"].count("1") > 20 and g["colorbar"] == "attribution" for g in grids)
    [steps] = _components(at, "image_strip")
    assert [i["caption"] for i in steps["images"]] == ["drawing", "cropped", "fit into 20 px", "centred 28×28"]
    assert not at.error


def test_draw_all_classes_and_contrast():
    at = _app("draw", state={"draw_pixels": _one()})
    at.radio(key="draw-mode").set_value("All 10 classes").run()
    assert not at.exception and not at.error
    at.radio(key="draw-mode").set_value("Why A and not B").run()
    assert not at.exception and not at.error
    assert any("1 vs" in c.value for c in at.caption)


def test_explore_query_index_opens_that_digit():
    at = _app("explore", query={"index": "8"})
    m = _metrics(at)
    assert m["True label"] == "5" and m["Prediction"] == "5"


def test_explore_random_mistake_is_a_mistake():
    at = _app("explore")
    at.button[0].click().run()
    assert not at.exception
    m = _metrics(at)
    assert m["True label"] != m["Prediction"]


def test_explore_bad_query_is_a_warning():
    at = _app("explore", query={"index": "99999"})
    assert any("does not exist" in w.value for w in at.warning)
    at = _app("explore", query={"index": "x" * 5000})
    assert any("does not exist" in w.value for w in at.warning)


@pytest.mark.slow
def test_compare_all_methods_on_one_digit():
    at = _app("compare", query={"index": "0"})
    assert at.multiselect[0].value == method_names()  # every registered method, in registry order
    assert not at.error
    [grid] = [g for g in _components(at, "heatmap_grid")]
    assert [p["title"] for p in grid["panels"]] == [get_method(m).display for m in method_names()]
    assert [c.key for c in at.get("plotly_chart")] == ["compare-agree-s"]  # the open tab's agreement matrix only
    at.session_state["compare-agree-tab"] = "Top-10 % pixel overlap"
    at.run()
    assert [c.key for c in at.get("plotly_chart")] == ["compare-agree-k"]


def test_compare_unknown_method_in_link_is_ignored_with_a_warning():
    at = _app("compare", query={"index": "3", "methods": "saliency,<script>alert(1)</script>,deeplift"})
    assert at.multiselect[0].value == ["saliency", "deeplift"]
    assert any("unknown method" in w.value for w in at.warning)


def test_compare_several_digits():
    at = _app("compare", query={"methods": "saliency,deeplift"})
    at.radio(key="compare-layout").set_value("Several test digits × methods").run()
    assert not at.exception and not at.error
    assert len(_components(at, "heatmap_grid")) == 4, "one row of maps per default digit (0, 1, 2, 3)"
    at.text_input(key="compare-indices").set_value("1, 2, 3, 4, 5, 6, 7, 8, 9").run()
    assert any("first 8 of the 9" in w.value for w in at.warning)
    at.text_input(key="compare-indices").set_value("1, 2, 99999").run()
    assert any("99999" in e.value and "0–9999" in e.value for e in at.error)



@pytest.mark.slow
def test_evaluate_page_scores_curves_and_sanity():
    at = _app("evaluate", query={"index": "0"})
    assert not at.error
    assert len(at.dataframe) >= 1, "the score card is a table"
    card = at.dataframe[0].value
    assert len(card) == 8 and "Deletion AUC (mean fill) ↓" in card.columns
    assert "Integrated Gradients" in card.index and "control: random map" in card.index  # display names
    deletion = card["Deletion AUC (mean fill) ↓"]
    assert deletion["Integrated Gradients"] < deletion["control: random map"]  # a real map beats noise
    assert np.isnan(card["Completeness gap ↓"]["Saliency"]) and card["Completeness gap ↓"]["DeepLift"] < 1e-3
    assert [c.key for c in at.get("plotly_chart")] == ["evaluate-deletion", "evaluate-insertion"]  # only the open tab runs
    [deleted] = [s for s in _components(at, "image_strip")]
    assert [im["caption"] for im in deleted["images"]] == list(card.index[:6])  # each method's digit, deleted
    at.slider(key="evaluate-frac").set_value(0.5).run()
    assert not at.exception
    at.session_state["evaluate-tab"] = "Leaderboard"
    at.run()
    keys = [c.key for c in at.get("plotly_chart")]
    assert not at.exception and any(k.endswith("-ranks") for k in keys) and "evaluate-deletion" not in keys
    at.session_state["evaluate-tab"] = "Sanity checks"
    at.run()
    [sanity] = _components(at, "heatmap_grid")  # per method: the trained model's map, then one per Linear layer
    subs = [p["sub"] for p in sanity["panels"]]
    assert subs[0] == "trained" and all(t.endswith(" randomised") for t in subs[1:4]) and len(subs) == 4 * 4
    # Display names, not module names: cumulative top-down, the output layer first.
    assert subs[1:4] == ["output randomised", "output + hidden 2 randomised", "output + hidden 2 + hidden 1 randomised"]
    assert "evaluate-deletion" not in {c.key for c in at.get("plotly_chart")}
    at.toggle(key="sanity-indep").set_value(True).run()
    assert not at.exception and not at.error


@pytest.mark.parametrize("target, mode", [("3", "Another class"), ("4,9", "Why A and not B"), ("all", "All 10 classes")])
def test_target_from_the_link(target, mode):
    at = _app("explore", query={"index": "4", "target": target})
    assert at.radio(key="explore-mode").value == mode
    assert not at.error
    assert at.query_params.get("target") in (target, [target])  # kept in the link for sharing


@pytest.mark.parametrize("target", ["11", "4,4", "x" * 3000, "1,2,3"])
def test_bad_target_in_the_link_is_a_warning(target):
    at = _app("explore", query={"index": "4", "target": target})
    assert any("Ignoring the link's target" in w.value for w in at.warning)
    assert at.radio(key="explore-mode").value == "Predicted class"


def test_a_method_that_raises_shows_its_error_and_the_others_render(monkeypatch):
    from explain.params import NoParams
    from explain.registry import _REGISTRY, MethodSpec

    def boom(ctx):
        raise RuntimeError("injected failure halfway")

    monkeypatch.setitem(_REGISTRY, "boom", MethodSpec("boom", "Boom", "captum", "gradient", False, NoParams, boom))
    at = _app("compare", query={"index": "2", "methods": "saliency,boom,deeplift"})
    assert any("Boom failed" in e.value and "injected failure" in e.value for e in at.error)
    [grid] = _components(at, "heatmap_grid")
    assert [p["title"] for p in grid["panels"]] == ["Saliency", "DeepLift"]  # the two good maps
    assert [c.key for c in at.get("plotly_chart")] == ["compare-agree-s"]  # and how much they agree


@pytest.mark.parametrize("kind", ["white", "dot", "edge"])
def test_draw_odd_canvases_never_crash(kind):
    img = np.zeros((280, 280, 4), np.uint8)
    img[..., 3] = 255
    if kind == "white":
        img[..., :3] = 255
    elif kind == "dot":
        img[140:143, 140:143, :3] = 255
    else:
        img[:, 270:, :3] = 255
    at = _app("draw", state={"draw_pixels": img})
    assert "Prediction" in _metrics(at) and not at.error


def test_draw_shows_cheaper_previews_while_a_stroke_is_in_progress_and_full_maps_after():
    from app.components.drawing_pad.payload import Drawing

    ink = _one()[..., 0]
    at = _app("draw", state={"draw_drawing": Drawing(1, False, ink)})
    during = " ".join(c.value for c in at.caption)
    assert "While you draw: Integrated Gradients with steps = 16" in during, during
    at.session_state["draw_drawing"] = Drawing(2, True, ink)  # the pen lifts: same ink, final
    at.run()
    after = " ".join(c.value for c in at.caption)
    assert "While you draw" not in after
    fingerprints = [text.split("Fingerprint of these maps: ")[1][:14] for text in (during, after)]
    assert fingerprints[0] != fingerprints[1]  # the full maps replaced the previews
    assert _metrics(at)["Prediction"] == "1"


def test_whatif_shows_the_counterfactual_beside_the_original_and_its_change():
    import base64

    at = _app("whatif", query={"index": "0", "to": "9"})
    assert not at.error
    [digits] = [c for c in _components(at, "image_strip") if c["images"][0]["caption"] == "original"]
    captions = [im["caption"] for im in digits["images"]]
    assert captions[1].startswith("counterfactual (") and captions[2].startswith("nearest real 9 (train #")
    [change] = [g for g in _components(at, "heatmap_grid") if g["quantity"] == "pixel change"]
    diff = np.frombuffer(base64.b64decode(change["panels"][0]["values"]), dtype="<f4")
    assert diff.size == 784 and np.abs(diff).max() > 0 and change["colorbar"] == "pixel change"


def test_whatif_attack_shows_the_adversarial_digit_and_its_change():
    at = _app("whatif", query={"index": "0", "view": "attack"})
    assert not at.error
    [digits] = [c for c in _components(at, "image_strip") if c["images"][0]["caption"] == "original"]
    assert [im["caption"] for im in digits["images"]][1].startswith("adversarial (")
    assert [g for g in _components(at, "heatmap_grid") if g["quantity"] == "pixel change"]
