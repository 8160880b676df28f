"""Evaluate's "Known answer" tab: a model with a planted shortcut (a bright patch on most 7s), which
methods put their attribution on it, and the bundled model beside it as the case with no shortcut; then the
second kind of shortcut, a faint watermark over the border of most 3s."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from app.components.heatmap_grid import grid_data, heatmap_grid
from app.components.image_strip import image_strip, upscale
from app.figures.known import known_scores_figure
from app.safe_text import plain
from app.state.caches import explanation, probabilities
from app.state.guidance import human_date
from app.state.known import shipped_border, shipped_known, shipped_scores, shortcut_model
from app.state.resources import bundled_model, test_split
from explain.known.scores import KnownScores
from explain.known.shipped import BORDER_MODEL, scores_of
from explain.known.words import display, share_summary, summary
from model.shortcut import BORDER, PATCH

MAP_METHODS = ["input_x_gradient", "integrated_gradients", "saliency", "smoothgrad", "occlusion", "kernel_shap"]


def pct(v: float) -> str:
    return "n/a" if not math.isfinite(v) else f"{v:.1%}"


def known_column(methods: list[str]) -> list[str] | None:
    """The known-answer score of each method (and control) from the shipped file, for the leaderboard
    table: share on the planted patch, its 95 % interval; None when the file is missing."""
    scores = shipped_scores("shortcut")
    if scores is None:
        return None
    by = {m.method: m for m in scores.methods}
    return [f"{pct(by[m].share)} ({pct(by[m].share_lo)}–{pct(by[m].share_hi)})" if m in by else "n/a"
            for m in methods]


KNOWN_COLUMN = "known-answer score ↑ (share on a planted patch)"


def known_note() -> str:
    scores = shipped_scores("shortcut")
    chance = pct(scores.chance) if scores else "n/a"
    return ("Known-answer score (another model, same methods): on a model trained with a bright patch planted on most "
            f"7s, the share of each method's attribution that lands on the patch (chance {chance}), with its 95 % "
            "interval; the Known answer tab shows it.")


def reliance_lines(record: dict) -> None:
    c = st.columns(2)
    for col, (name, label) in zip(c, (("shortcut", "Model with the planted shortcut"),
                                      ("bundled", "Bundled model (never saw the patch)")), strict=True):
        rel = record["models"][name]["reliance"]
        box = col.container(border=True)
        box.markdown(f"**{label}**")
        m1, m2, m3 = box.columns(3)
        m1.metric("7s right, with patch", pct(rel["accuracy_with"]))
        m2.metric("7s right, no patch", pct(rel["accuracy_without"]))
        m3.metric("Others flipped to 7", pct(rel["flip_rate"]),
                  help="Share of the other test digits (correctly classified without the patch) that the patch "
                       "turns into a 7.")


def score_chart(shortcut: KnownScores, bundled: KnownScores) -> None:
    rows = [m for m in shortcut.methods if m.error is None]
    names = [display(m.method) for m in rows]
    b = [bundled.row(m.method) for m in rows]
    fig = known_scores_figure(names, tuple(np.array([getattr(m, f) for m in rows]) for f in ("share", "share_lo", "share_hi")),
                              tuple(np.array([getattr(m, f) for m in b]) for f in ("share", "share_lo", "share_hi")),
                              shortcut.chance)
    st.plotly_chart(fig, key="known-chart")
    table = pd.DataFrame({
        "method": names,
        "share on the patch ↑": [f"{pct(m.share)} ({pct(m.share_lo)}–{pct(m.share_hi)})" for m in rows],
        f"found at top-{shortcut.k} ↑": [pct(m.found_at_k) for m in rows],
        "deletion AUC ↓": [f"{m.deletion:.3f}" for m in rows],
        "insertion AUC ↑": [f"{m.insertion:.3f}" for m in rows],
        "bundled model: share": [pct(m.share) for m in b],
    })
    st.dataframe(table, hide_index=True)
    st.caption(f"Share: the mean share of each map's absolute attribution on the {shortcut.k} patch pixels, with a "
               f"bootstrap 95 % interval over {shortcut.n} marked test 7s (chance {pct(shortcut.chance)}). Found: the "
               f"share of digits where at least half of the map's top {shortcut.k} pixels are patch pixels (chance "
               f"{shortcut.found_chance:.0e}). Deletion / insertion: the same maps on the same digits, deleted "
               "pixels becoming the mean digit.")


def digit_and_maps(shortcut: KnownScores) -> None:
    shortcut_loaded, bundled = shortcut_model(), bundled_model()
    c1, c2 = st.columns([1, 2])
    pos = c1.number_input(f"Test 7 (1–{len(shortcut.indices)})", 1, len(shortcut.indices), 1, key="known-digit")
    marked = c1.toggle("With the patch", value=True, key="known-marked")
    index = shortcut.indices[int(pos) - 1]
    clean = test_split().images[index].numpy()
    patched = PATCH.apply(test_split().images[index : index + 1])[0].numpy()
    x = patched if marked else clean
    with c2:
        image_strip([upscale(clean, 112), upscale(patched, 112)], [f"test #{index}", "with the patch"], key="known-strip")
        rows = []
        for label, loaded in (("with the shortcut", shortcut_loaded), ("bundled", bundled)):
            p_clean, p_patch = probabilities(loaded.model, clean), probabilities(loaded.model, patched)
            rows.append({"model": label, "predicts, no patch": f"{int(p_clean.argmax())} (p(7) {p_clean[7]:.2f})",
                         "predicts, with patch": f"{int(p_patch.argmax())} (p(7) {p_patch[7]:.2f})"})
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    from app.sections.attribution_maps import method_selector

    methods = method_selector("known", default=MAP_METHODS, param="known_methods")
    if not methods:
        return
    grids, errors = {}, []
    with st.spinner(f"Explaining class 7 with {len(methods)} methods on both models…"):
        for label, loaded in (("Model with the planted shortcut", shortcut_loaded),
                              ("Bundled model (no shortcut)", bundled)):
            panels = grids.setdefault(label, [])
            for m in methods:
                try:
                    a = explanation(loaded, x, m, PATCH.target)
                except Exception as exc:  # noqa: BLE001 - shown in place of that map
                    errors.append(f"{display(m)} on the {label}: {plain(f'{type(exc).__name__}: {exc}')}")
                    continue
                mask = PATCH.mask()
                total = float(np.abs(a.values).sum())
                share = float(np.abs(a.values)[mask].sum()) / total if total > 0 else float("nan")
                panels.append((display(m), f"{pct(share)} on the patch", a.values))
    for e in errors:
        st.error(e)
    for k, (label, panels) in enumerate(grids.items()):
        if panels:
            st.markdown(f"**{label}**")
            heatmap_grid(grid_data(panels, shared=False, cols=min(len(panels), 6), px=130, digits=[x] * len(panels)),
                         key=f"known-grid-{k}")
    st.caption("Each method's map for class 7, each on its own scale; the outline is the digit"
               + (" and the patch" if marked else "") + ".")


def border_case() -> None:
    """The border watermark: its model's reliance and every method's share on the border, from the shipped file."""
    record = shipped_border()
    st.subheader("A second kind: a faint watermark over the border")
    if record is None:
        st.info("No border-watermark results in assets/known/ (`make assets` writes them).")
        return
    scores, rel = scores_of(record, BORDER_MODEL), record["models"][BORDER_MODEL]["reliance"]
    st.markdown(f"Another model of the same shape learnt a **faint checkerboard** (pixels at least "
                f"{BORDER.value:.1f}) over the outer {BORDER.size} pixels of the image, on {BORDER.rate_target:.0%} of the "
                f"training {BORDER.target}s and {BORDER.rate_other:.0%} of the others. The mark is spread thin over "
                f"{BORDER.chance:.1%} of the image, far from the strokes: a method that blurs or groups pixels may miss it.")
    left, right = st.columns([1, 2])
    index = scores.indices[0]
    clean = test_split().images[index : index + 1]
    with left:
        image_strip([upscale(clean[0].numpy(), 112), upscale(BORDER.apply(clean)[0].numpy(), 112)],
                    [f"test #{index}", "with the watermark"], key="known-border-strip")
    with right:
        box = right.container(border=True)
        m1, m2, m3 = box.columns(3)
        m1.metric(f"{BORDER.target}s right, with watermark", pct(rel["accuracy_with"]))
        m2.metric(f"{BORDER.target}s right, without", pct(rel["accuracy_without"]))
        m3.metric(f"Others flipped to {BORDER.target}", pct(rel["flip_rate"]),
                  help=f"Share of the other test digits (correctly classified without it) that the watermark turns "
                       f"into a {BORDER.target}.")
    st.markdown("\n\n".join(share_summary(scores)))
    rows = [m for m in scores.methods if m.error is None]
    st.plotly_chart(known_scores_figure([display(m.method) for m in rows],
                                        tuple(np.array([getattr(m, f) for m in rows]) for f in ("share", "share_lo",
                                                                                                "share_hi")),
                                        None, scores.chance, "border watermark"), key="known-border-chart")
    st.caption(f"The mean share of each map's absolute attribution on the {scores.k} watermark pixels, with a bootstrap "
               f"95 % interval over {scores.n} marked test {scores.target}s (chance {pct(scores.chance)}). From the "
               f"shipped results (`{record.get('command', 'n/a')}`, {human_date(record.get('date'))}).")


def known_answer() -> None:
    record = shipped_known()
    shortcut, bundled = shipped_scores("shortcut"), shipped_scores("bundled")
    if record is None or shortcut is None or bundled is None or shortcut_model() is None:
        st.warning("No known-answer results in assets/known/ (`make assets` writes them).")
        return
    st.markdown(f"We trained a model of the bundled shape with a **bright {PATCH.size}×{PATCH.size} patch** near the "
                f"top-left corner on {PATCH.rate_target:.0%} of the training 7s and {PATCH.rate_other:.0%} of the other "
                "digits. So we *know* it uses the patch, and can check which methods see it. The bundled model, which "
                "never saw the patch, is the case with no shortcut.")
    reliance_lines(record)
    st.markdown("\n\n".join(summary(shortcut, bundled)))
    st.caption(f"From the shipped results (`{record.get('command', 'n/a')}`, {human_date(record.get('date'))}).")
    score_chart(shortcut, bundled)
    border_case()
    st.subheader("One digit, with and without the patch")
    digit_and_maps(shortcut)
