"""Compare: many methods on one input (or several) on one honest scale, and how much they agree."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures import agreement_figure, attribution_grid
from app.inputs import pick_input, test_input
from app.text import plain
from app.state import active_model, probabilities
from app.views import export_buttons, method_selector, panel_title, run_methods, target_selector
from explain import get_method, method_names
from explain.agreement import agreement_matrix

st.title("Compare methods")
loaded = active_model()
all_names = method_names()


def param_widgets(name: str) -> dict:
    """An expander of the method's parameters, defaults and bounds from the registry."""
    spec = get_method(name)
    values = {}
    fields = spec.params.describe()
    if not fields:
        return values
    with st.expander(f"{spec.display} parameters"):
        for f in fields:
            k = f"cmp-p-{name}-{f['name']}"
            if f["choices"]:
                values[f["name"]] = st.selectbox(f["name"], f["choices"], index=f["choices"].index(f["default"]),
                                                 key=k, help=f["help"])
            elif isinstance(f["default"], bool):
                values[f["name"]] = st.checkbox(f["name"], value=f["default"], key=k, help=f["help"])
            else:
                values[f["name"]] = st.number_input(f["name"], min_value=f["lo"], max_value=f["hi"],
                                                    value=f["default"], key=k, help=f["help"])
    return values


mode = st.radio("Layout", ["One input × many methods", "Several test digits × methods"], horizontal=True,
                key="cmp-layout")
selected = method_selector("cmp", default=all_names)
a, b, c = st.columns(3)
shared = a.toggle("Shared colour scale", value=True, key="cmp-shared",
                  help="On: one ± limit for every map, so magnitudes compare. Off: each map scaled to its own max.")
overlay = b.radio("Draw maps", ["over the digit", "beside the digit"], horizontal=True, key="cmp-overlay") == "over the digit"
seed = int(c.number_input("Seed", 0, 2**31 - 1, 0, key="cmp-seed"))
with st.sidebar:
    st.subheader("Method parameters")
    params = {n: param_widgets(n) for n in selected}

if mode == "One input × many methods":
    current = pick_input("cmp")
    if current is None:
        st.info("Choose an input: draw one on the Draw page, pick a test digit, or upload a picture.")
        st.stop()
    predicted = int(probabilities(loaded.model, current.x).argmax())
    target = target_selector("cmp", predicted, allow_all=False)
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
            slot.plotly_chart(attribution_grid([(panel_title(x), x.values) for x in done.values()], current.x,
                                               shared, overlay, cols=6), key="cmp-grid-fast")
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
        slot.plotly_chart(attribution_grid([(panel_title(x), x.values) for x in ordered], current.x, shared,
                                           overlay, cols=6), key="cmp-grid")
    for n, err in errors.items():
        st.error(f"{get_method(n).display} failed: {plain(err)}")
    if len(ordered) >= 2:
        st.subheader("How much the methods agree")
        maps = {get_method(x.method).display: x.values for x in ordered}
        t1, t2 = st.tabs(["Spearman rank correlation", "Top-10 % pixel overlap"])
        t1.plotly_chart(agreement_figure(agreement_matrix(maps, "spearman"), list(maps),
                                         "Spearman rank correlation of the maps"), key="cmp-agree-s")
        t2.plotly_chart(agreement_figure(agreement_matrix(maps, "top_k", 0.1), list(maps),
                                         "Share of the top-10 % pixels in common", zmin=0.0), key="cmp-agree-k")
    export_buttons({x.method: x for x in ordered}, current.x,
                   {"input": current.description, "index": current.index, "methods": selected,
                    "params": params, "target": str(target), "seed": seed, "model": loaded.key}, "cmp")
else:
    raw = st.text_input("Test digit indices (comma separated, up to 8)", "0,1,2,3", key="cmp-indices")
    try:
        indices = [int(t) for t in raw.split(",") if t.strip()][:8]
        inputs = [test_input(i) for i in indices]
    except ValueError:
        st.error("Give test indices between 0 and 9999, separated by commas.")
        st.stop()
    if not selected or not inputs:
        st.info("Pick at least one method and one digit.")
        st.stop()
    panels = []
    with st.spinner("Explaining…"):
        for ci in inputs:
            got, errs = run_methods(loaded, ci.x, selected, None, params, seed)
            for n in selected:
                values = got[n].values if n in got else np.zeros((28, 28))
                title = f"#{ci.index} · {get_method(n).display}" + ("" if n in got else " (failed)")
                panels.append((title, values))
    st.plotly_chart(attribution_grid(panels, None, shared, overlay, cols=len(selected), panel_px=150),
                    key="cmp-multi")
    st.caption("Rows: digits (each explained for its predicted class); columns: methods.")
