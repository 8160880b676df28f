"""Evaluate: which map to trust. Scores on the current input, the dataset leaderboard, sanity checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.components.heatmap_grid import grid_data, heatmap_grid
from app.components.image_strip import image_strip, upscale
from app.figures.scores import curves_figure, leaderboard_figure, rank_figure, sanity_curves_figure, sanity_many_figure
from app.safe_text import plain
from app.sections.attribution_maps import method_selector
from app.sections.known_answer import KNOWN_COLUMN, known_answer, known_column, known_note
from app.sections.lazy_tabs import lazy_tabs
from app.sections.recompute import recompute_leaderboard, sanity_over_digits
from app.sections.report import report_button
from app.state.caches import explanation, probabilities, sanity_cascade, score_card
from app.state.defaults import (
    EVALUATE_METHODS,
    EVALUATE_REPLACEMENT,
    LEADERBOARD_METHODS,
    SANITY_DIGITS,
    SANITY_METHODS,
    WHY_EVALUATE_METHODS,
    WHY_LEADERBOARD_METHODS,
    WHY_SANITY_METHODS,
)
from app.state.guidance import human_date, shipped_sanity, shipped_trust
from app.state.inputs import pick_input
from app.state.models import active_model
from app.state.resources import REFERENCES_FILE, bundled_leaderboard
from app.state.session import choice, url_setting, write_url
from explain.evaluation.descriptions import glossary, metric_infos
from explain.evaluation.leaderboard import variant_display
from explain.evaluation.metrics import REPLACEMENTS
from explain.evaluation.metrics.faithfulness import STEPS
from explain.evaluation.ranking import directions
from explain.evaluation.scorecard import best, deleted_images, stack
from explain.evaluation.verdicts import CONTROL_RULE, SANITY_RULE, control_wins, sanity_verdicts
from model.network import randomised_display_name

INFOS = metric_infos()  # one sentence and a direction per metric, from the metric classes
LABELS = {name: info.label for name, info in INFOS.items()}
HIGHLIGHT = "background-color: #c7e9c0; font-weight: bold"
TABS = {"input": "This input", "leaderboard": "Leaderboard", "sanity": "Sanity checks",
        "known": "Known answer"}  # ?tab= → tab
NA = "n/a"  # the one way this page says "does not apply"


def count(v: object) -> str:
    return f"{v:,}" if isinstance(v, int) else NA


def glossary_note(*terms: str) -> str:
    return " · ".join(f"**{t}**: {d}" for t, d in glossary(*terms).items())


def display(name: str) -> str:
    return {"control_random": "control: random map", "control_sobel": "control: input edges"}.get(name) \
        or variant_display(name)


def arrow(higher: bool) -> str:
    return "↑" if higher else "↓"


VERDICT = "beats the random map on"


def score_table(card) -> None:
    winners = best(card)
    cols = {m.name: f"{m.label} {arrow(m.higher_is_better)}" for m in card.metrics}
    table = pd.DataFrame({display(k): v for k, v in card.scores.items()}).T.reindex(columns=list(cols))
    marks = pd.DataFrame("", index=table.index, columns=table.columns)
    for metric, names in winners.items():
        for n in names:
            marks.loc[display(n), metric] = HIGHLIGHT
    table, marks = table.rename(columns=cols), marks.rename(columns=cols)
    wins = control_wins(card.scores, {m.name: m.higher_is_better for m in card.metrics})
    verdicts = {display(m): f"{w.k} of {w.n} metrics" + (" ✓" if w.n and w.k == w.n else "") for m, w in wins.items()}
    table.insert(0, VERDICT, [verdicts.get(i, "(control)") for i in table.index])
    marks.insert(0, VERDICT, "")
    st.dataframe(table.style.format("{:.4f}", na_rep=NA, subset=list(cols.values())).apply(lambda _: marks, axis=None))
    st.caption(f"{CONTROL_RULE} Best per column highlighted (ties to 4 decimals alike); ↑ higher is better, ↓ lower "
               f"is better; {NA}: the metric does not apply. The two control maps know nothing about the model: a "
               "method that does not beat them on a metric is not explaining the model by that measure.")
    with st.expander("What each column measures"):
        st.markdown("\n".join(f"- {INFOS[m.name].sentence}" for m in card.metrics))
        st.caption(glossary_note("control map", "Gini", "infidelity", "AUC"))


def this_input() -> None:
    loaded = active_model()
    current = pick_input("evaluate")
    methods = method_selector("evaluate", default=EVALUATE_METHODS, why=WHY_EVALUATE_METHODS)
    replacement = st.radio("Deleted pixels become", list(REPLACEMENTS), index=EVALUATE_REPLACEMENT, horizontal=True,
                           key="evaluate-repl",
                           help="On MNIST, deleting a black background pixel by setting it to zero changes "
                                "nothing; the mean training digit is the default replacement.")
    if current is None or not methods:
        st.info("Choose an input and at least one method.")
        return
    predicted = int(probabilities(loaded.model, current.x).argmax())
    wrong = current.true_label is not None and current.true_label != predicted
    st.caption(f"Every map explains the class the model predicts, **{predicted}**"
               + (f". The digit is labelled **{current.true_label}**: the model is wrong here, so the maps explain "
                  "the wrong answer." if wrong else "."))
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
    report_button(loaded, current.x, methods, None, "evaluate", "Evaluate", current.index, current.true_label,
                  replacement=replacement)


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
                     + f"How alike the rankings are (Kendall τ, 1 = same order): {tau}.")
    return " ".join(parts)


def leaderboard_view(rows: list[dict], key: str) -> None:
    df = pd.DataFrame(rows).set_index("method")
    for col in df.columns.difference(["library", "family", "display", "error"]):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    metrics = [m for m in LABELS if m in df]
    linked = key == "leaderboard"  # the shipped leaderboard's metric is in the URL (?metric=), a recompute's not
    if linked:
        url_setting(f"{key}-metric", "metric", metrics[0], choice(metrics), f"use one of {', '.join(metrics)}")
    name = st.selectbox("Metric", metrics, format_func=LABELS.get, key=f"{key}-metric")
    if linked:
        write_url(f"{key}-metric", "metric")
    st.caption(INFOS[name].sentence)
    higher = directions()[name]
    # A metric that does not apply to a method (seed stability of a method without random numbers, the
    # controls) is n/a: said once in words, not drawn as empty rows.
    blank = df.index[df[name].isna()]
    if len(blank):
        st.caption(f"{NA} for {', '.join(display(m) for m in blank)}"
                   + (": no random numbers, so every seed draws the same map." if name == "seed_stability" else "."))
        df = df.drop(index=blank)
    if df.empty:
        return
    names = [display(m) for m in df.index]
    c1, c2 = st.columns(2)
    c1.plotly_chart(leaderboard_figure(names, df[name].to_numpy(float), df[f"{name}_ci95"].to_numpy(float),
                                       LABELS[name], higher), key=f"{key}-chart")
    c2.plotly_chart(rank_figure(names, df[f"{name}_rank"], df[f"{name}_rank_lo"], df[f"{name}_rank_hi"],
                                "Rank with bootstrap 95 % interval"), key=f"{key}-ranks")
    known = known_column(list(df.index)) if linked else None  # the shipped model's known answer, beside it
    table = pd.DataFrame({
        "method": names,
        f"{LABELS[name]} {arrow(higher)}": [f"{v:.4f} ± {c:.4f}" if not np.isnan(v) else NA
                                            for v, c in zip(df[name], df[f"{name}_ci95"], strict=True)],
        "rank (95 % interval)": [f"{r:.0f} ({lo:.0f}–{hi:.0f})" if not np.isnan(r) else NA
                                 for r, lo, hi in zip(df[f"{name}_rank"], df[f"{name}_rank_lo"],
                                                      df[f"{name}_rank_hi"], strict=True)],
        "digits": df[f"{name}_n"].astype("Int64"),
        **({KNOWN_COLUMN: known} if known else {}),
    }).sort_values("rank (95 % interval)", key=lambda s: s.str.split().str[0].replace("n/a", "999").astype(float))
    st.dataframe(table, hide_index=True)
    if known:
        st.caption(known_note())


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
        st.caption(f"Bundled: all {count(meta.get('n'))} test digits for the core metrics; max-sensitivity, ROAD and "
                   f"seed stability on a stratified {count(sub.get('max_sensitivity'))}. Computed on "
                   f"{human_date(meta.get('date'))}.")
        with st.expander("How it was computed"):
            st.markdown(f"`{meta.get('command', NA)}` in {meta.get('seconds', NA)} s, at {meta.get('date', NA)}.")
        st.markdown(replacement_words(meta))
        leaderboard_view(rows, "leaderboard")
    references = bundled_leaderboard(REFERENCES_FILE)
    if references is not None:
        rows, meta = references
        st.subheader("Why the replacement decides the winner: the reference")
        st.caption(f"The same metrics for methods run with another reference ({count(meta.get('n'))} digits). A method that compares with a reference deletes best when "
                   "deleted pixels become something like that reference: Integrated Gradients against the mean "
                   "digit behaves like the Shapley-style methods against their training-digit background, and "
                   "those methods against black behave like DeepLift against black.")
        cols = [f"{c}_{r}" for c in ("deletion", "insertion") for r in REPLACEMENTS]
        st.dataframe(pd.DataFrame({"method": [display(r["method"]) for r in rows],
                                   **{LABELS[c]: [float(r[c]) for r in rows] for c in cols}}).set_index("method")
                     .style.format("{:.3f}", na_rep=NA))
    with st.expander("Recompute for the active model on fewer digits"):
        n = st.slider("Digits (stratified by class)", 10, 500, 50, 10, key="leaderboard-n")
        chosen = method_selector("leaderboard", default=LEADERBOARD_METHODS, param="leaderboard_methods",
                                 why=WHY_LEADERBOARD_METHODS)
        recompute_leaderboard(active_model(), n, chosen, st.button("Run", key="leaderboard-run"), leaderboard_view)


def sanity() -> None:
    loaded = active_model()
    independent = st.toggle("One layer at a time (instead of cascading)", key="sanity-indep")
    how = ("each Linear layer re-initialised on its own, the others trained" if independent
           else "layers re-initialised from the output down, cumulatively")
    st.caption(f"Model-parameter randomisation (Adebayo et al. 2018): {how}; a map that barely changes is not "
               "explaining the model.")
    current = pick_input("sanity")
    methods = method_selector("sanity", default=SANITY_METHODS, param="sanity_methods", why=WHY_SANITY_METHODS)
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
    summaries = sanity_over_digits(loaded, methods, independent, n)
    many = {display(m): ([randomised_display_name(step) for step in s.steps], s.mean, s.ci95)
            for m, s in summaries.items()}
    c2.plotly_chart(sanity_many_figure(many, f"Over {n} test digits: mean similarity with 95 % intervals"),
                    key="sanity-many")
    if not independent and summaries:  # the rule is stated for the cascade
        verdict_table(summaries, f"the first {n} test digits")


def verdict_table(summaries: dict, over: str) -> None:
    """Pass / fail per method against the controls, with the rule."""
    verdicts = sanity_verdicts(summaries)
    rows = [{"method": display(m), "verdict": "pass" if v.passed else "fail",
             "most similar after": randomised_display_name(v.step) + " randomised",
             "ρ there (top of 95 % interval)": f"{v.rho:.2f} ({v.upper:.2f})".replace("-0.00", "0.00")}
            for m, v in verdicts.items()]
    rows += [{"method": display(c), "verdict": "fail", "most similar after": "every step",
              "ρ there (top of 95 % interval)": "1.00 (ignores the model)"} for c in ("control_random", "control_sobel")]
    st.markdown(f"**Verdicts over {over}**")
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(SANITY_RULE + " " + glossary_note("Spearman ρ", "95 % interval"))


def trust_box() -> None:
    """"Which method should I trust here?", generated from the shipped leaderboard and sanity checks."""
    bundled, sanity_file = bundled_leaderboard(), shipped_sanity()
    if bundled is None or sanity_file is None:
        return
    advice = shipped_trust(bundled[0])
    box = st.container(border=True)
    box.markdown("**Which method should I trust here?**")
    if advice is None or not advice.trusted:
        box.markdown("No method passes every test on the shipped results.")
    else:
        worst = max(advice.worst_rank[m] for m in advice.trusted)
        box.markdown(f"**{', '.join(display(m) for m in advice.trusted)}**: they pass the sanity check and rank "
                     f"{worst} or better of {advice.rows} on deletion and insertion whatever a deleted pixel becomes.")
    if advice is not None and advice.failed_sanity:
        box.markdown(f"Fail the sanity check: {', '.join(display(m) for m in advice.failed_sanity)}: their maps stay "
                     "much the same when the model's weights are randomised, so they show the digit more than the model.")
    note = "" if active_model().name == "bundled" else " They are the bundled model's, not your active model's."
    box.caption(f"From the shipped leaderboard ({count(bundled[1].get('n'))} test digits) and sanity checks "
                f"({count(sanity_file[1].get('n'))} digits).{note}")
    with box.expander("How this is decided"):
        st.markdown(f"{advice.rule if advice else ''}\n\n{SANITY_RULE}\n\nComputed on "
                    f"{human_date(sanity_file[1].get('date'))} with `{sanity_file[1].get('command', NA)}`.")


st.title("Evaluate the explanations")
st.caption("Maps are easy to draw and hard to trust. Here each method is *measured*: faithfulness "
           "(deletion / insertion), infidelity, robustness, complexity and completeness, against two control maps.")
trust_box()
# ?tab= opens a tab; the open tab is written back, so a copied link reopens it.
url_setting("evaluate-tab", "tab", TABS["input"], lambda raw: TABS[raw], f"use one of {', '.join(TABS)}")
# Only the open tab runs and draws: the other two cost every visit seconds of charts.
lazy_tabs("evaluate-tab", dict(zip(TABS.values(), (this_input, leaderboard, sanity, known_answer), strict=True)),
          keep=("evaluate-source", "evaluate-index", "evaluate-methods", "evaluate-repl", "evaluate-sens", "evaluate-frac",
                "leaderboard-n", "leaderboard-methods", "leaderboard-metric", "sanity-indep", "sanity-source",
                "sanity-index", "sanity-methods", "known-digit", "known-marked", "known-methods"))
write_url("evaluate-tab", "tab", {label: slug for slug, label in TABS.items()}.get)
