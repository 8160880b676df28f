"""Compare: many methods on one input (or several) on one honest scale, and how much they agree."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.components.heatmap_grid import grid_data, heatmap_grid
from app.components.image_strip import image_strip, upscale
from app.figures.common import LABELLED_UP_TO, agreement_figure, spread_figure
from app.safe_text import plain
from app.sections.attribution_maps import export_buttons, method_selector, run_methods
from app.sections.report import report_button
from app.sections.target import target_selector, target_text
from app.state.caches import batch_explanation, probabilities
from app.state.defaults import WHY_COMPARE_METHODS
from app.state.inputs import get_current, pick_input, test_input
from app.state.models import active_model, session_models
from app.state.session import LinkValueError, Partly, link_value, set_query, url_setting, write_url
from explain import Attribution, get_method, method_names
from explain.evaluation.agreement import agreement_matrix, model_agreement
from explain.grid import explain_grid, seed_spread

MAX_DIGITS = 8
LAYOUTS = {"one": "One input × many methods", "digits": "Several test digits × methods",
           "models": "Two models, one digit"}  # ?layout= → the radio's label
REQUEST_BUDGET_S = 30.0  # one press of the page: stop between methods after this, and say what was cut

st.title("Compare methods")
loaded = active_model()
all_names = method_names()


def _parse_params(raw: str) -> dict[str, dict[str, str]] | Partly[dict[str, dict[str, str]]]:
    """'integrated_gradients.steps=32,occlusion.window=6' → method → parameter → value (checked per method
    by its parameter set when its widgets are built); items naming no known method are dropped."""
    out: dict[str, dict[str, str]] = {}
    bad: list[str] = []
    for item in raw.split(","):
        key, _, value = item.partition("=")
        method, _, name = key.partition(".")
        if method in all_names and name and value:
            out.setdefault(method, {})[name] = value
        elif item.strip():
            bad.append(item[:40])
    if bad and not out:
        raise LinkValueError(raw)
    return Partly(out, f"not method.parameter=value: {', '.join(bad[:5])}") if bad else out


def params_from_link() -> dict[str, dict[str, str]]:
    """`?params=integrated_gradients.steps=32,occlusion.window=6`: non-default parameters of a shared link."""
    return link_value("params", _parse_params, "use method.parameter=value, e.g. integrated_gradients.steps=32") or {}


def param_widgets(name: str, linked: dict[str, str]) -> dict:
    """An expander of the method's parameters, defaults and bounds from the registry; only the ones
    that matter for the chosen settings (blur width only for a blurred reference)."""
    spec = get_method(name)
    values = {}
    fields = spec.params.describe()
    if not fields:
        return values
    try:
        start = spec.params.from_dict(linked).to_dict()
    except ValueError as exc:
        st.warning(f"Ignoring the link's {spec.display} parameters: {plain(str(exc), 120)}")
        start = spec.params.from_dict({}).to_dict()
    with st.expander(f"{spec.display} parameters"):
        for f in fields:
            k, label = f"compare-p-{name}-{f['name']}", f["name"].replace("_", " ").capitalize()
            if f["name"] == "blur_sigma" and values.get("baseline") != "blur":
                continue
            if f["choices"]:
                values[f["name"]] = st.selectbox(label, f["choices"], index=f["choices"].index(start[f["name"]]),
                                                 key=k, help=f["help"])
            elif isinstance(f["default"], bool):
                values[f["name"]] = st.checkbox(label, value=start[f["name"]], key=k, help=f["help"])
            else:
                values[f["name"]] = st.number_input(label, min_value=f["lo"], max_value=f["hi"],
                                                    value=start[f["name"]], key=k, help=f["help"])
    return values


def changed(name: str, values: dict) -> dict:
    """The parameters that differ from the method's defaults."""
    defaults = get_method(name).params.from_dict({}).to_dict()
    return {k: v for k, v in values.items() if defaults.get(k) != v}


url_setting("compare-layout", "layout", LAYOUTS["one"], lambda raw: LAYOUTS[raw], f"use one of {', '.join(LAYOUTS)}")
mode = st.radio("Layout", list(LAYOUTS.values()), horizontal=True, key="compare-layout")
write_url("compare-layout", "layout", {label: slug for slug, label in LAYOUTS.items()}.get)
selected = method_selector("compare", default=all_names, why=WHY_COMPARE_METHODS)
a, b, c = st.columns(3)
shared = a.toggle("Shared colour scale", value=True, key="compare-shared",
                  help="On: one ± limit for every map, so magnitudes compare. Off: each map scaled to its own max.")
overlay = b.radio("Draw maps", ["over the digit", "beside the digit"], horizontal=True, key="compare-overlay") == "over the digit"
seed = int(c.number_input("Seed", 0, 2**31 - 1, 0, key="compare-seed"))
with st.sidebar:
    st.subheader("Method parameters")
    linked = params_from_link()
    params = {n: param_widgets(n, linked.get(n, {})) for n in selected}
non_default = {n: changed(n, v) for n, v in params.items() if changed(n, v)}
if non_default:  # shareable: the link reproduces these maps
    set_query("params", ",".join(f"{n}.{k}={v}" for n, kv in non_default.items() for k, v in kv.items()))
else:
    set_query("params", None)


def panel(a: Attribution) -> tuple[str, str, np.ndarray]:
    """A map panel: the method, its runtime and any non-default parameters under it."""
    extra = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in non_default.get(a.method, {}).items())
    return get_method(a.method).display, f"{a.runtime_ms:.1f} ms" + (f" · {extra}" if extra else ""), a.values


def show_grid(panels: list[tuple[str, str, np.ndarray]], x: np.ndarray, key: str) -> None:
    """The maps on the light grid: the digit's outline over each, or the digit in its own column first."""
    grid = grid_data(panels, x if overlay else None, shared, cols=6, px=120)
    if overlay:
        heatmap_grid(grid, key=key)
        return
    left, right = st.columns([1, 7])
    with left:
        image_strip([upscale(x, 112)], ["input"], key=f"{key}-input")
    with right:
        heatmap_grid(grid, key=key)


def cancel_button(slot) -> None:
    """Cancel while a run computes. A click stops the running script (Streamlit interrupts it at its next
    progress update) and the rerun that follows says so, with a button to compute again: no setting has
    to change for that. The button lives in `slot`, emptied when the run is done (no Cancel after a run)."""
    if slot.button("Cancel", key="compare-cancel", help="Stop computing"):
        slot.empty()
        st.info("Cancelled.")
        st.button("Compute again", key="compare-again", icon=":material/replay:")
        st.stop()


def digits_from_link(current) -> None:
    """`?digits=0,1,2,3` seeds the indices box (once per value); without one the box starts with the
    session's current test digit, so switching from one input to several keeps it."""
    first = [str(current.index)] if current is not None and current.index is not None else []
    default = ",".join(list(dict.fromkeys([*first, "0", "1", "2", "3"]))[:4])
    url_setting("compare-indices", "digits", default, _digit_list, f"up to {MAX_DIGITS} test indices 0–9999, "
                "comma separated")


def _digit_list(raw: str) -> str:
    tokens = [t.strip() for t in raw.split(",") if t.strip()]
    if not tokens or len(tokens) > MAX_DIGITS or not all(t.isdigit() and int(t) <= 9999 for t in tokens):
        raise LinkValueError(raw)
    return ",".join(tokens)


def several_digits() -> None:
    """A grid of test digits × methods; the session's current input first when it is not among them."""
    current = get_current()
    digits_from_link(current)
    raw = st.text_input(f"Test digit indices (comma separated, up to {MAX_DIGITS})", key="compare-indices")
    write_url("compare-indices", "digits", lambda v: ",".join(t.strip() for t in v.split(",") if t.strip()) or None)
    tokens = [t.strip() for t in raw.split(",") if t.strip()]
    bad = [t for t in tokens if not t.isdigit() or not 0 <= int(t) <= 9999]
    if bad:
        st.error(f"Not a test index (0–9999): {plain(bad[0], 20)}")
        st.stop()
    if len(tokens) > MAX_DIGITS:
        st.warning(f"Showing the first {MAX_DIGITS} of the {len(tokens)} digits given.")
    inputs = [test_input(int(t)) for t in tokens[:MAX_DIGITS]]
    if current is not None and current.index is None:  # a drawing or an upload: its own row, first
        inputs = [current, *inputs][:MAX_DIGITS]
    if not selected or not inputs:
        st.info("Pick at least one method and one digit.")
        st.stop()
    slot = st.empty()
    cancel_button(slot)
    bar = st.progress(0.0, text="Explaining…")
    how_many = f"{len(inputs)} digit{'s' if len(inputs) > 1 else ''}"
    result = explain_grid(loaded.model, np.stack([ci.x for ci in inputs]), selected, params, seed, REQUEST_BUDGET_S,
                          lambda name, k, n: bar.progress(k / n, text=f"{get_method(name).display} on "
                                                          f"{how_many} ({k + 1}/{n})…"),
                          run=lambda m, x, name, t, p, s: batch_explanation(loaded, x, name, p, s))
    bar.empty()
    slot.empty()
    if result.cut:
        st.warning(f"Stopped after {result.seconds:.0f} s (the budget per request is {REQUEST_BUDGET_S:.0f} s): "
                   "not computed: " + ", ".join(get_method(n).display for n in result.cut))
    for n, err in result.errors.items():
        st.error(f"{get_method(n).display} failed: {plain(err)}")
    shown = [n for n in selected if n in result.done]
    predicted = list(result.done[shown[0]].targets) if shown else [None] * len(inputs)
    for i, ci in enumerate(inputs):
        left, right = st.columns([1, 7])
        said = f"predicted {predicted[i]}" if predicted[i] is not None else ""
        label = (f"#{ci.index} (a {ci.true_label})" if ci.index is not None else ci.description) \
            + (f": {said}" if said else "") + (" ✗" if ci.true_label is not None and predicted[i] is not None
                                               and predicted[i] != ci.true_label else "")
        with left:
            image_strip([upscale(ci.x, 112)], [label], key=f"compare-multi-input-{i}")
        if shown:
            with right:
                heatmap_grid(grid_data([(get_method(n).display, "", result.done[n].values[i]) for n in shown],
                                       ci.x if overlay else None, shared, cols=6, px=110), key=f"compare-multi-{i}")
    st.caption("Each digit explained for its predicted class (✗: the model is wrong); one batch per method for all "
               "digits. " + ("One colour scale per digit row." if shared else "Each map on its own scale."))


def two_models() -> None:
    """The bundled model and one of the session's on the same digit, methods and target, one colour scale."""
    models = session_models()
    others = [n for n in models if n != "bundled"]
    if not others:
        st.info("Only the bundled model is loaded in this session. Train a model (or upload one) on the Train page, "
                "then come back to see both models explain the same digit.")
        st.page_link("app_pages/train.py", label="Train or upload a model →", icon=":material/model_training:")
        return
    active = active_model().name
    other = st.selectbox("Compare the bundled model with", others,
                         index=others.index(active) if active in others else len(others) - 1, key="compare-model-b")
    pair = [models["bundled"], models[other]]
    current = pick_input("compare")
    if current is None:
        st.info("Choose an input: draw one on the Draw page, pick a test digit, or upload a picture.")
        return
    if not selected:
        st.info("Pick at least one method.")
        return
    predictions = [int(probabilities(m.model, current.x).argmax()) for m in pair]
    target = target_selector("compare", predictions[0], allow_all=False)
    st.caption(f"{current.description}: the bundled model predicts **{predictions[0]}**, {plain(other, 40)} predicts "
               f"**{predictions[1]}**. Both explain the same class, so their maps compare.")
    slot = st.empty()
    cancel_button(slot)
    bar = st.progress(0.0, text="Explaining with both models…")
    done, errors = [], {}
    for k, m in enumerate(pair):
        got, errs = run_methods(m, current.x, selected, target, params, seed)
        done.append(got)
        errors.update(errs)
        bar.progress((k + 1) / 2, text=f"{plain(m.name, 40)} done ({k + 1}/2)")
    bar.empty()
    slot.empty()
    for n, err in errors.items():
        st.error(f"{get_method(n).display} failed: {plain(err)}")
    both = [n for n in selected if n in done[0] and n in done[1]]
    if not both:
        return
    rho = model_agreement({n: done[0][n].values for n in both}, {n: done[1][n].values for n in both})
    # The grid writes text as text (no markdown to escape): the name itself, shortened to fit under a map.
    names = [m.name if len(m.name) <= 16 else m.name[:15] + "…" for m in pair]
    # Each method's two maps side by side, every map on one shared colour scale (the toggle's "off" aside).
    panels = [(get_method(n).display, f"{names[k]} · predicts {predictions[k]}", done[k][n].values)
              for n in both for k in (0, 1)]
    show_grid(panels, current.x, "compare-models-grid")
    st.caption("Left of each pair: the bundled model; right: " + plain(other, 40) + ". "
               + ("One colour scale for every map." if shared else "Each map on its own scale."))
    st.subheader("How much the two models agree")
    # A short header: a long one made the column wider than a phone (390 px) and pushed its right-aligned
    # numbers out of sight (issue 28); the long name is the header's tooltip.
    st.dataframe({"method": [get_method(n).display for n in both], "rho": [rho[n] for n in both]}, hide_index=True,
                 column_config={"rho": st.column_config.NumberColumn(
                     "Spearman ρ", help="Spearman ρ between the two models' maps", format="%.3f")})
    st.caption("Spearman ρ: 1 when both models order the pixels the same way, 0 when the orders are unrelated. "
               "Low agreement on a digit both models read correctly means the explanation depends on the training run.")


if mode == LAYOUTS["models"]:
    two_models()
elif mode == LAYOUTS["one"]:
    current = pick_input("compare")
    if current is None:
        st.info("Choose an input: draw one on the Draw page, pick a test digit, or upload a picture.")
        st.stop()
    predicted = int(probabilities(loaded.model, current.x).argmax())
    target = target_selector("compare", predicted, allow_all=False)
    st.caption(f"{current.description}: the model predicts **{predicted}**.")
    # Fast methods first, so they appear while the slow ones are still running.
    order = sorted(selected, key=lambda n: not get_method(n).fast)
    slot = st.empty()
    done, errors = {}, {}
    fast = [n for n in order if get_method(n).fast]
    if fast:
        got, errs = run_methods(loaded, current.x, fast, target, params, seed)
        done.update(got)
        errors.update(errs)
        if done:
            with slot.container():
                show_grid([panel(x) for x in done.values()], current.x, "compare-grid-fast")
    slow = [n for n in order if n not in fast]
    if slow:
        bar = st.progress(0.0, text="Computing the slower methods…")
        for i, n in enumerate(slow, 1):
            got, errs = run_methods(loaded, current.x, [n], target, params, seed)
            done.update(got)
            errors.update(errs)
            bar.progress(i / len(slow), text=f"{get_method(n).display} done ({i}/{len(slow)})")
        bar.empty()
    ordered = [done[n] for n in selected if n in done]
    if ordered:
        with slot.container():
            show_grid([panel(x) for x in ordered], current.x, "compare-grid")
    for n, err in errors.items():
        st.error(f"{get_method(n).display} failed: {plain(err)}")
    stochastic = [x.method for x in ordered if get_method(x.method).stochastic]
    if stochastic and st.toggle(f"How much the {len(stochastic)} stochastic maps depend on the seed", key="compare-spread",
                                help="Each stochastic method again with seeds 0–4: the per-pixel standard deviation"):
        with st.spinner("Explaining with five seeds…"):
            spread = [(get_method(n).display, seed_spread(loaded.model, current.x, n, params.get(n))[1])
                      for n in stochastic]
        st.plotly_chart(spread_figure(spread), key="compare-spread-fig")
        st.caption("Standard deviation over seeds 0–4 per pixel, on one scale: what the luck of the draw adds to a map.")
    if len(ordered) >= 2:
        st.subheader("How much the methods agree")
        maps = {get_method(x.method).display: x.values for x in ordered}
        t1, t2 = st.tabs(["Spearman rank correlation", "Top-10 % pixel overlap"], key="compare-agree-tab",
                         on_change="rerun")  # only the open tab draws its matrix
        if t1.open:
            t1.plotly_chart(agreement_figure(agreement_matrix(maps, "spearman"), list(maps),
                                             "Spearman rank correlation of the maps"), key="compare-agree-s")
        if t2.open:
            t2.plotly_chart(agreement_figure(agreement_matrix(maps, "top_k", 0.1), list(maps),
                                             "Share of the top-10 % pixels in common", zmin=0.0), key="compare-agree-k")
        if len(maps) > LABELLED_UP_TO:
            st.caption("Hover a cell for its value (printed in the cells up to "
                       f"{LABELLED_UP_TO} methods).")
        st.page_link("app_pages/classes.py", label="Over all 10,000 test digits: top-k feature, rank and sign "
                     "agreement (Krishna et al. 2022) on the Classes page", icon=":material/category:",
                     query_params={"tab": "disagreement"})
    export_buttons({x.method: x for x in ordered}, current.x,
                   {"input": current.description, "index": current.index, "methods": selected,
                    "params": params, "target": target_text(target, predicted), "seed": seed, "model": loaded.key}, "compare")
    report_button(loaded, current.x, [x.method for x in ordered], target, "compare", "Compare", current.index,
                  current.true_label, non_default, seed)
else:
    several_digits()
