"""Evaluate: which map to trust. Scores on the current input, the dataset leaderboard, sanity checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.state.defaults import EVALUATE_METHODS, EVALUATE_REPLACEMENT, SANITY_DIGITS, SANITY_METHODS
from app.sections.recompute import recompute_leaderboard, sanity_over_digits
from app.figures.scores import curves_figure, leaderboard_figure, rank_figure, sanity_curves_figure, sanity_many_figure
from app.components.image_strip import image_strip, upscale
from app.state.inputs import pick_input
from app.components.heatmap_grid import grid_data, heatmap_grid
from app.state.caches import explanation, sanity_cascade, score_card
from app.state.models import active_model
from app.state.resources import REFERENCES_FILE, bundled_leaderboard
from app.sections.lazy_tabs import lazy_tabs
from app.safe_text import plain
from app.sections.attribution_maps import method_selector
from explain.evaluation.leaderboard import variant_display
from explain.evaluation.metrics import REPLACEMENTS, MaxSensitivity, core_metrics
from explain.evaluation.metrics.faithfulness import STEPS
from explain.evaluation.metrics.road import RoadLeRF, RoadMoRF
from explain.evaluation.ranking import directions
from explain.evaluation.scorecard import best, deleted_images, stack
from model.network import randomised_display_name

LABELS = {m.name: m.label for m in [*core_metrics(REPLACEMENTS), MaxSensitivity(), RoadMoRF(), RoadLeRF()]} \
    | {"seed_stability": "Seed stability"}
HIGHLIGHT = "background-color: #c7e9c0; font-weight: bold"


def display(name: str) -> str:
    return {"control_random": "control: random map", "control_sobel": "control: input edges"}.get(name) \
        or variant_display(name)


def arrow(higher: bool) -> str:
    return "↑" if higher else "↓"


def score_table(card) -> None:
    winners = best(card)
    cols = {m.name: f"{m.label} {arrow(m.higher_is_better)}" for m in card.metrics}
    table = pd.DataFrame({display(k): v for k, v in card.scores.items()}).T.reindex(columns=list(cols))
    marks = pd.DataFrame("", index=table.index, columns=table.columns)
    for metric, names in winners.items():
        for n in names:
            marks.loc[display(n), metric] = HIGHLIGHT
    table, marks = table.rename(columns=cols), marks.rename(columns=cols)
    st.dataframe(table.style.format("{:.4f}", na_rep="n/a").apply(lambda _: marks, axis=None))
    st.caption("Best per column highlighted (ties to 4 decimals alike); ↑ higher is better, ↓ lower is better; n/a: "
               "the metric does not apply (completeness needs a method with the axiom). The two control maps know "
               "nothing about the model: a method that does not beat them on a metric is not explaining the model "
               "by that measure. " + " · ".join(f"**{m.label}**: {m.description}" for m in card.metrics))


def this_input() -> None:
    loaded = active_model()
    current = pick_input("evaluate")
    methods = method_selector("evaluate", default=EVALUATE_METHODS)
    replacement = st.radio("Deleted pixels become", list(REPLACEMENTS), index=EVALUATE_REPLACEMENT, horizontal=True,
                           key="evaluate-repl",
                           help="On MNIST, deleting a black background pixel by setting it to zero changes "
                                "nothing; the mean training digit is the default replacement.")
    if current is None or not methods:
        st.info("Choose an input and at least one method.")
        return
    with st.spinner(f"Scoring {len(methods)} methods and two controls…"):
        card = score_card(loaded, current.x, methods, replacement)
    for name, e in card.errors.items():
        st.error(f"{display(name)} failed: {plain(e)}")
    if st.toggle("Add max-sensitivity (explains every method four more times)", key="evaluate-sens"):
        with st.spinner("Re-explaining each method under small input noise…"):
            card = score_card(loaded, current.x, methods, replacement, sensitivity=True)
    score_table(card)
    c1, c2 = st.columns(2)
    for col, kind, better in ((c1, "deletion", "lower"), (c2, "insertion", "higher")):
        lines = {display(k): v for k, v in card.curves[kind].items()}
        col.plotly_chart(curves_figure(lines, f"{kind.title()}: most relevant first ({better} is better)",
                                       "model confidence in the target"), key=f"evaluate-{kind}")
    frac = st.slider("Pixels deleted, in each method's order", 0.0, 1.0, 0.1, 1 / STEPS, format="%.2f", key="evaluate-frac")
    ok = [m for m in methods if m not in card.errors]
    if ok:
        batch = stack([explanation(loaded, current.x, m, None) for m in ok])
        imgs = deleted_images(loaded.model, current.x, batch, replacement, frac)
        image_strip([upscale(img, 84) for img in imgs], [display(m) for m in ok], key="evaluate-thumbs")


def replacement_words(meta: dict) -> str:
    """Where the winner depends on the replacement, say so, from the leaderboard's own meta."""
    parts = []
    for curve, taus in meta.get("kendall_tau_between_replacements", {}).items():
        wins = meta.get("winners", {}).get(curve, {})
        if not wins:
            continue
        named = ", ".join(f"{r} → **{display(m)}**" for r, m in wins.items())
        same = len(set(wins.values())) == 1
        tau = ", ".join(f"{k}: {v:.2f}" for k, v in taus.items())
        parts.append(f"{curve.title()} winner by replacement: {named}. "
                     + ("The same method wins under every replacement. " if same
                        else "**The winner depends on what a deleted pixel becomes.** ")
                     + f"Kendall τ between the rankings: {tau}.")
    return " ".join(parts)


def leaderboard_view(rows: list[dict], key: str) -> None:
    df = pd.DataFrame(rows).set_index("method")
    for col in df.columns.difference(["library", "family", "display", "error"]):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    metrics = [m for m in LABELS if m in df]
    name = st.selectbox("Metric", metrics, format_func=LABELS.get, key=f"{key}-metric")
    higher = directions()[name]
    names = [display(m) for m in df.index]
    c1, c2 = st.columns(2)
    c1.plotly_chart(leaderboard_figure(names, df[name].to_numpy(float), df[f"{name}_ci95"].to_numpy(float),
                                       LABELS[name], higher), key=f"{key}-chart")
    c2.plotly_chart(rank_figure(names, df[f"{name}_rank"], df[f"{name}_rank_lo"], df[f"{name}_rank_hi"],
                                "Rank with bootstrap 95 % interval"), key=f"{key}-ranks")
    table = pd.DataFrame({
        "method": names,
        f"{LABELS[name]} {arrow(higher)}": [f"{v:.4f} ± {c:.4f}" if not np.isnan(v) else "n/a"
                                            for v, c in zip(df[name], df[f"{name}_ci95"], strict=True)],
        "rank (95 % interval)": [f"{r:.0f} ({lo:.0f}–{hi:.0f})" if not np.isnan(r) else "n/a"
                                 for r, lo, hi in zip(df[f"{name}_rank"], df[f"{name}_rank_lo"],
                                                      df[f"{name}_rank_hi"], strict=True)],
        "digits": df[f"{name}_n"].astype("Int64"),
    }).sort_values("rank (95 % interval)", key=lambda s: s.str.split().str[0].replace("n/a", "999").astype(float))
    st.dataframe(table, hide_index=True)


def leaderboard() -> None:
    bundled = bundled_leaderboard()
    if bundled is None:
        st.warning("No bundled leaderboard found in assets/leaderboard/ (make assets writes it).")
    else:
        rows, meta = bundled
        if active_model().name != "bundled":
            st.info(f"This leaderboard belongs to the bundled model, not to your active model "
                    f"({plain(active_model().name, 60)}); recompute it for yours on a subsample below.")
        sub = meta.get("subsample", {})
        st.caption(f"Bundled: all {meta.get('n', '?')} test digits for the core metrics; max-sensitivity, ROAD and "
                   f"seed stability on a stratified {sub.get('max_sensitivity', '?')}. Computed {meta.get('date', '?')} "
                   f"with `{meta.get('command', '?')}` in {meta.get('seconds', '?')} s.")
        st.markdown(replacement_words(meta))
        leaderboard_view(rows, "leaderboard")
    references = bundled_leaderboard(REFERENCES_FILE)
    if references is not None:
        rows, meta = references
        st.subheader("Why the replacement decides the winner: the reference")
        st.caption(f"The same metrics for methods run with another reference ({meta.get('n', '?')} digits, "
                   f"`{meta.get('command', '?')}`). A method that compares with a reference deletes best when "
                   "deleted pixels become something like that reference: Integrated Gradients against the mean "
                   "digit behaves like the Shapley-style methods against their training-digit background, and "
                   "those methods against black behave like DeepLift against black.")
        cols = [f"{c}_{r}" for c in ("deletion", "insertion") for r in REPLACEMENTS]
        st.dataframe(pd.DataFrame({"method": [display(r["method"]) for r in rows],
                                   **{LABELS[c]: [float(r[c]) for r in rows] for c in cols}}).set_index("method")
                     .style.format("{:.3f}"))
    with st.expander("Recompute for the active model on fewer digits"):
        n = st.slider("Digits (stratified by class)", 10, 500, 50, 10, key="leaderboard-n")
        chosen = method_selector("leaderboard", default=["saliency", "integrated_gradients", "deeplift", "gradient_shap"],
                                 param="leaderboard_methods")
        recompute_leaderboard(active_model(), n, chosen, st.button("Run", key="leaderboard-run"), leaderboard_view)


def sanity() -> None:
    loaded = active_model()
    independent = st.toggle("One layer at a time (instead of cascading)", key="sanity-indep")
    how = ("each Linear layer re-initialised on its own, the others trained" if independent
           else "layers re-initialised from the output down, cumulatively")
    st.caption(f"Model-parameter randomisation (Adebayo et al. 2018): {how}; a map that barely changes is not "
               "explaining the model.")
    current = pick_input("sanity")
    methods = method_selector("sanity", default=SANITY_METHODS, param="sanity_methods")
    if current is None or not methods:
        return
    panels, lines = [], {}
    with st.spinner("Randomising the layers and explaining again…"):
        for m in methods:
            try:
                original, rows = sanity_cascade(loaded, current.x, m, independent)
            except Exception as exc:  # noqa: BLE001 - shown in place of that method's row
                st.error(f"{display(m)} failed: {plain(f'{type(exc).__name__}: {exc}')}")
                continue
            panels.append((display(m), "trained", original))
            panels += [(display(m), f"{randomised_display_name(r.randomised)} randomised", r.values) for r in rows]
            lines[display(m)] = [("none", 1.0)] + [(randomised_display_name(r.randomised), r.spearman) for r in rows]
    if panels:
        cols = len(loaded.model.config.hidden) + 2  # the trained map, then one per Linear layer
        heatmap_grid(grid_data(panels, current.x, shared=False, cols=cols, px=130), key="sanity-grid")
    st.caption("Rows: methods; columns: the trained model, then " + ("one layer randomised at a time" if independent
               else "more layers randomised") + " (each map on its own scale).")
    c1, c2 = st.columns(2)
    c1.plotly_chart(sanity_curves_figure(lines, "This input: similarity to the trained model's map"),
                    key="sanity-curves")
    n = SANITY_DIGITS
    many = {display(m): ([randomised_display_name(step) for step in s.steps], s.mean, s.ci95)
            for m, s in sanity_over_digits(loaded, methods, independent, n).items()}
    c2.plotly_chart(sanity_many_figure(many, f"Over {n} test digits: mean similarity with 95 % intervals"),
                    key="sanity-many")


st.title("Evaluate the explanations")
st.caption("Maps are easy to draw and hard to trust. Here each method is *measured*: faithfulness "
           "(deletion / insertion), infidelity, robustness, complexity and completeness, against two control maps.")
# Only the open tab runs and draws: the other two cost every visit seconds of charts.
lazy_tabs("evaluate-tab", {"This input": this_input, "Leaderboard": leaderboard, "Sanity checks": sanity},
          keep=("evaluate-source", "evaluate-index", "evaluate-methods", "evaluate-repl", "evaluate-sens", "evaluate-frac", "leaderboard-n", "leaderboard-methods",
                "sanity-indep", "sanity-source", "sanity-index", "sanity-methods"))
