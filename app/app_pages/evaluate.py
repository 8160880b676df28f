"""Evaluate: which map to trust. Scores on the current input, the dataset leaderboard, sanity checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from app.figures import attribution_grid, curves_figure, leaderboard_figure, sanity_curves_figure, thumbnails_figure
from app.inputs import pick_input
from app.text import plain
from app.state import active_model, bundled_leaderboard, explanation, method_scores, sanity_cascade, test_split
from app.views import method_selector
from explain import get_method
from explain.leaderboard import CONTROLS, LeaderboardConfig, run_leaderboard
from explain.metrics import Scored, curve, default_metrics
from explain.metrics.faithfulness import path_images

st.title("Evaluate the explanations")
st.caption("Maps are easy to draw and hard to trust. Here each method is *measured*: faithfulness "
           "(deletion / insertion), infidelity, robustness, complexity and completeness, against two control maps.")
loaded = active_model()
DEFAULT = ["saliency", "integrated_gradients", "deeplift", "guided_backprop", "shap_deep", "lime_image"]


def arrow(metric) -> str:
    return "↑" if metric.higher_is_better else "↓"


tab_input, tab_board, tab_sanity = st.tabs(["This input", "Leaderboard", "Sanity checks"])

with tab_input:
    current = pick_input("ev")
    methods = method_selector("ev", default=DEFAULT)
    replacement = st.radio("Deleted pixels become", ["mean", "zero", "blur"], horizontal=True, key="ev-repl",
                           help="On MNIST, deleting a black background pixel by setting it to zero changes "
                                "nothing; the mean training digit is the default replacement.")
    if current is None or not methods:
        st.info("Choose an input and at least one method.")
    else:
        metrics = default_metrics(replacement)
        rows, errors = {}, {}
        with st.spinner("Scoring…"):
            for m in [*methods, *CONTROLS]:
                label = m.replace("control_", "control: ") if m in CONTROLS else get_method(m).display
                try:
                    rows[label] = method_scores(loaded, current.x, m, replacement)
                except Exception as exc:  # noqa: BLE001 - shown, the others still score
                    errors[label] = f"{type(exc).__name__}: {exc}"
        for label, e in errors.items():
            st.error(f"{label} failed: {plain(e)}")
        if rows:
            table = pd.DataFrame(rows).T.reindex(columns=[m.name for m in metrics])
            table.columns = [f"{m.name} {arrow(m)}" for m in metrics]
            best = {f"{m.name} {arrow(m)}": (table[f"{m.name} {arrow(m)}"].max() if m.higher_is_better
                                             else table[f"{m.name} {arrow(m)}"].min()) for m in metrics}
            styled = table.style.format("{:.4f}", na_rep="–").apply(
                lambda col: ["background-color: #c7e9c0; font-weight: bold" if v == best[col.name] else ""
                             for v in col], axis=0)
            st.dataframe(styled)
            st.caption("Best per column highlighted; ↑ higher is better, ↓ lower is better. The two control maps "
                       "(uniform noise, the input's edges) know nothing about the model: a method that does "
                       "not beat them on a metric is not explaining the model by that measure. "
                       + " · ".join(f"**{m.name}**: {m.description}" for m in metrics))
            x = torch.as_tensor(current.x).reshape(1, 1, 28, 28)
            attrs = {m: explanation(loaded, current.x, m, None) for m in methods
                     if get_method(m).display not in errors}
            dels = {get_method(m).display: curve(Scored(loaded.model, x, a), replacement) for m, a in attrs.items()}
            ins = {get_method(m).display: curve(Scored(loaded.model, x, a), replacement, insertion=True)
                   for m, a in attrs.items()}
            c1, c2 = st.columns(2)
            c1.plotly_chart(curves_figure(dels, "Deletion: most relevant first (lower is better)",
                                          "model confidence"), key="ev-del")
            c2.plotly_chart(curves_figure(ins, "Insertion: most relevant first (higher is better)",
                                          "model confidence"), key="ev-ins")
            frac = st.slider("Pixels deleted, in each method's order", 0.0, 1.0, 0.1, 1 / 28, format="%.2f",
                             key="ev-frac")
            imgs = [path_images(Scored(loaded.model, x, a), replacement, fractions=[frac])[1][0, 0].numpy()
                    for a in attrs.values()]
            st.plotly_chart(thumbnails_figure(np.stack(imgs), [get_method(m).display for m in attrs], cols=6),
                            key="ev-thumbs")

with tab_board:
    bundled = bundled_leaderboard()
    if bundled is None:
        st.warning("No bundled leaderboard found in assets/leaderboard/.")
    else:
        rows, meta = bundled
        st.caption(f"Bundled: {meta.get('n', '?')} stratified test digits, computed {meta.get('date', '?')} "
                   f"with `{meta.get('command', '?')}` in {meta.get('seconds', '?')} s.")
        df = pd.DataFrame(rows).set_index("method")
        for col in df.columns.difference(["library", "family"]):
            df[col] = pd.to_numeric(df[col], errors="coerce")
        st.dataframe(df, height=420)
        metric_objs = {m.name: m for m in default_metrics(str(meta.get("replacement", "mean")))}
        name = st.selectbox("Chart", list(metric_objs), key="lb-metric")
        if f"{name}_mean" in df:
            st.plotly_chart(leaderboard_figure(list(df.index), df[f"{name}_mean"].to_numpy(float),
                                               df[f"{name}_ci95"].to_numpy(float), name,
                                               metric_objs[name].higher_is_better), key="lb-chart")
    with st.expander("Recompute on fewer digits"):
        n = st.slider("Digits (stratified by class)", 10, 200, 20, 10, key="lb-n")
        chosen = method_selector("lb", default=["saliency", "integrated_gradients", "deeplift", "gradient_shap"])
        if st.button("Run", key="lb-run") and chosen:
            bar = st.progress(0.0, text="Scoring…")
            split = test_split()
            result = run_leaderboard(loaded.model, split.images, split.labels,
                                     LeaderboardConfig(tuple(chosen), n=n, sensitivity_every=10),
                                     lambda k, total: bar.progress(k / total, text=f"{k}/{total} digits"))
            bar.empty()
            st.dataframe(pd.DataFrame(result).set_index("method"))

with tab_sanity:
    st.caption("Model-parameter randomisation (Adebayo et al. 2018): layers are re-initialised from the top "
               "down; a map that barely changes is not explaining the model.")
    current_s = pick_input("sa")
    sa_methods = method_selector("sa", default=["saliency", "integrated_gradients", "guided_backprop",
                                                "deconvolution"])
    independent = st.toggle("One layer at a time (instead of cascading)", key="sa-indep")
    if current_s is not None and sa_methods:
        panels, curves = [], {}
        with st.spinner("Randomising…"):
            for m in sa_methods:
                name = get_method(m).display
                try:
                    original, rows = sanity_cascade(loaded, current_s.x, m, independent)
                except Exception as exc:  # noqa: BLE001 - shown in place of that method's row
                    st.error(f"{name} failed: {plain(f'{type(exc).__name__}: {exc}')}")
                    continue
                panels.append((f"{name} · trained", original))
                panels += [(f"{r.randomised}", r.values) for r in rows]
                curves[name] = [("none", 1.0)] + [(r.randomised, r.spearman) for r in rows]
        if panels:
            cols = len(loaded.model.config.hidden) + 2  # the trained map, then one per Linear layer
            st.plotly_chart(attribution_grid(panels, current_s.x, shared=False, overlay=True, cols=cols,
                                             panel_px=150), key="sa-grid")
        st.caption("Rows: methods; columns: the trained model, then more layers randomised (each map on its own scale).")
        st.plotly_chart(sanity_curves_figure(curves, "Similarity to the trained model's map"), key="sa-curves")
