"""The What-if page's sections: pixel editor, counterfactual, attack, map stability (test-set attacks:
app.sections.whatif_testset)."""

from __future__ import annotations

import io
import json

import numpy as np
import streamlit as st

from app.components.drawing_pad import PaintOver, drawing_pad
from app.components.heatmap_grid import grid_data, heatmap_grid
from app.components.image_strip import image_strip, upscale
from app.figures.common import duration, symmetric_limit
from app.figures.whatif import probabilities_before_after, stability_figure
from app.safe_text import plain, sentence
from app.sections.attribution_maps import is_unsigned, run_methods, sign_note
from app.state.defaults import WHATIF_MIN_PROB
from app.state.inputs import CurrentInput
from app.state.resources import LoadedModel
from app.state.session import WHATIF_PAINT, choice, flag, number, url_setting, write_url
from app.state.whatif import (
    make_adversarial,
    make_counterfactual,
    paint_id,
    reset_edits,
    stability,
)
from explain import drawing_methods, get_method
from explain.evaluation.stability import StabilityConfig
from explain.export import figure_png
from explain.whatif.attacks import AttackConfig
from explain.whatif.counterfactual import CounterfactualConfig


def pixel_editor(current: CurrentInput, edited: bool, note: str) -> None:
    """Paint or erase pixels over the digit with the Draw page's pad (drag, touch or mouse; one answer at
    pen-up, which makes the painted digit the page's working input: app.state.whatif.working_input)."""
    drawing_pad("whatif-paint", WHATIF_PAINT, PaintOver(current.x, paint_id(current)), note=note)
    note = "edited: this is the page's input until you reset" if edited else "unedited"
    c, d = st.columns([1.6, 1])
    c.caption(f"Drag over the digit to paint (or pick Erase). {sentence(current.description)} · {note}.")
    if d.button("Reset edits", icon=":material/restart_alt:", disabled=not edited, key="whatif-reset"):
        reset_edits()
        st.rerun()


def images_and_change(images: list[tuple[str, np.ndarray]], change: np.ndarray, key: str) -> None:
    """Digits in grey side by side, then the pixel change between the first two on a diverging scale."""
    left, right = st.columns([len(images), 1.6])
    with left:
        image_strip([upscale(img, 128) for _, img in images], [title for title, _ in images], key=f"{key}-digits")
    with right:
        heatmap_grid(grid_data([("difference", "after − before", np.asarray(change))], cols=1, px=128,
                           quantity="pixel change"), key=f"{key}-change")


def maps_before_after(loaded: LoadedModel, before: np.ndarray, after: np.ndarray, names: tuple[str, str], key: str
                      ) -> dict[str, np.ndarray]:
    """The fast methods' maps of both images (each for its own prediction), one row each, one scale."""
    methods = drawing_methods()
    got_b, err_b = run_methods(loaded, before, methods, None)
    got_a, err_a = run_methods(loaded, after, methods, None)
    panels, out = [], {}
    for label, got, image in ((names[0], got_b, before), (names[1], got_a, after)):
        for m in methods:
            if m in got:
                panels.append((is_unsigned(got[m]), image,
                               (f"{label} · {get_method(m).display}", f"explains {got[m].target}", got[m].values)))
                out[f"map_{label.replace(' ', '_')}_{m}"] = got[m].values
    if panels:
        # One scale for every map; unsigned maps (|gradient|) in a grid of their own with a sequential bar
        # from 0, as on Draw and Explore: on the diverging bar they would claim a direction they lack.
        limit = symmetric_limit([v for *_, (*_, v) in panels])
        for signed, suffix in ((True, ""), (False, "-unsigned")):
            group = [(image, p) for unsigned, image, p in panels if unsigned != signed]
            if group:
                cols = len(group) // 2 if signed else len(group)  # signed: a row per image; unsigned: one row
                # Each map with the outline of the image it explains (before and after differ).
                heatmap_grid(grid_data([p for _, p in group], None, shared=True, cols=max(cols, 1), px=130,
                                       limit=limit, signed=signed, digits=[np.asarray(i) for i, _ in group]),
                             key=f"{key}-maps{suffix}")
        # Titles, not rows: on a narrow screen the maps wrap onto more rows.
        st.caption(f"Each map's title says which image it explains: the {names[0]} (before) or the {names[1]} "
                   f"(after), each for its own predicted class (under the title). {sign_note({**got_b, **got_a})}; "
                   "one colour scale for all.")
    for m, err in {**err_b, **err_a}.items():
        st.error(f"{get_method(m).display} failed: {plain(err)}")
    return out


def exports(arrays: dict[str, np.ndarray], summary: dict, png: np.ndarray, name: str, key: str) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()})
    a, b, c = st.columns(3)
    a.download_button("Difference (PNG)", figure_png(png, f"{name}: after − before", quantity="pixel change"),
                      f"digit-lens-{name}.png", "image/png", key=f"{key}-png")
    b.download_button("Images and maps (NPZ)", buf.getvalue(), f"digit-lens-{name}.npz", key=f"{key}-npz")
    c.download_button("Numbers and settings (JSON)", json.dumps(summary, indent=2, default=str),
                      f"digit-lens-{name}.json", "application/json", key=f"{key}-json")


def counterfactual_section(loaded: LoadedModel, x: np.ndarray, predicted: int, probs: np.ndarray) -> None:
    runner_up = int(np.argsort(probs)[-2])
    url_setting("whatif-to", "to", runner_up, choice(list(range(10))), "use a class 0–9")
    url_setting("whatif-norm", "norm", "l2", choice(["l2", "l1"]), "use l2 or l1")
    url_setting("whatif-minprob", "minprob", WHATIF_MIN_PROB, number(0.1, 0.99), "use a probability 0.1–0.99")
    url_setting("whatif-pen", "pen", False, flag, "use 0 or 1")
    a, b, c, d = st.columns([1, 1.2, 1.2, 1])
    target = a.selectbox("Make it a", list(range(10)), key="whatif-to")
    norm = b.radio("Change", ["l2", "l1"], key="whatif-norm", horizontal=True,
                   format_func={"l2": "spread out (L2)", "l1": "sparse (L1)"}.get)
    min_prob = c.slider("with probability at least", 0.1, 0.99, step=0.01, key="whatif-minprob")
    pen = d.toggle("Pen only", key="whatif-pen", help="Add or remove ink only within 2 px of the existing strokes.")
    for k, n in (("whatif-to", "to"), ("whatif-norm", "norm"), ("whatif-minprob", "minprob")):
        write_url(k, n)
    write_url("whatif-pen", "pen", lambda v: "1" if v else "0")
    if target == predicted:
        st.info(f"The model already says {target}. Pick another class.")
        return
    config = CounterfactualConfig(int(target), float(min_prob), norm, bool(pen))
    with st.spinner(f"Searching for the smallest change that makes it a {target}…"):
        cf, near = make_counterfactual(loaded, x, config)
    if not cf.success:
        st.warning(f"No change found that makes the model say {target} with p ≥ {min_prob:.0%}"
                   + (" with the pen only near the strokes; try without." if pen else "."))
    images_and_change([("original", cf.original), (f"counterfactual ({cf.prediction})", cf.image),
                       (f"nearest real {target} (train #{near.index})", near.image)], cf.difference, "whatif-cf-images")
    m = st.columns(6)
    m[0].metric(f"p({target}) after", f"{cf.probability:.1%}", f"from {cf.probs_before[target]:.1%}")
    m[1].metric("L2 change", f"{cf.l2:.2f}")
    m[2].metric("L1 change", f"{cf.l1:.1f}")
    m[3].metric("Pixels changed (> 0.05)", cf.changed_pixels)
    m[4].metric(f"L2 to nearest real {target}", f"{near.l2:.2f}")
    m[5].metric("Search time", duration(cf.runtime_ms))
    st.caption(f"The counterfactual is {near.l2 / max(cf.l2, 1e-9):.1f}× closer to the input than the nearest real "
               f"training {target}: an edit of this digit, not a swap for another.")
    st.plotly_chart(probabilities_before_after(cf.probs_before, cf.probs_after, ("original", "counterfactual")),
                    key="whatif-cf-probs", config={"displayModeBar": False})
    maps = maps_before_after(loaded, cf.original, cf.image, ("original", "counterfactual"), "whatif-cf")
    exports({"original": cf.original, "counterfactual": cf.image, "difference": cf.difference,
             "nearest_real": near.image, **maps},
            {**cf.to_dict(), "nearest_real_index": near.index, "nearest_real_l2": near.l2, "model": loaded.key},
            cf.difference, f"counterfactual-{target}", "whatif-cf-export")


def attack_section(loaded: LoadedModel, x: np.ndarray) -> None:
    url_setting("whatif-attack", "attack", "pgd", choice(["fgsm", "pgd"]), "use fgsm or pgd")
    url_setting("whatif-anorm", "anorm", "linf", choice(["linf", "l2"]), "use linf or l2")
    url_setting("whatif-eps", "eps", 0.1, number(0.0, 3.0), "use a radius 0–3")
    a, b, c = st.columns([1, 1, 2])
    attack = a.radio("Attack", ["fgsm", "pgd"], key="whatif-attack", horizontal=True, format_func=str.upper)
    norm = b.radio("Norm", ["linf", "l2"], key="whatif-anorm", horizontal=True, disabled=attack == "fgsm",
                   format_func={"linf": "L∞", "l2": "L2"}.get)
    norm = "linf" if attack == "fgsm" else norm
    hi = 0.5 if norm == "linf" else 3.0
    st.session_state["whatif-eps"] = min(float(st.session_state["whatif-eps"]), hi)
    eps = c.slider("ε (largest change allowed)", 0.0, hi, step=0.005 if norm == "linf" else 0.05, key="whatif-eps")
    for k, n in (("whatif-attack", "attack"), ("whatif-anorm", "anorm"), ("whatif-eps", "eps")):
        write_url(k, n)
    with st.spinner("Attacking…"):
        adv = make_adversarial(loaded, x, float(eps), AttackConfig(attack, norm))
    verdict = (f"flipped: {adv.label} → **{adv.prediction}**" if adv.flipped
               else f"not flipped: still {adv.label}")
    st.markdown(f"{attack.upper()} at ε = {eps:g} ({'L∞' if norm == 'linf' else 'L2'}): {verdict}.")
    images_and_change([("original", adv.original), (f"adversarial ({adv.prediction})", adv.image)],
                      adv.image - adv.original, "whatif-adv-images")
    st.plotly_chart(probabilities_before_after(adv.probs_before, adv.probs_after, ("original", "adversarial")),
                    key="whatif-adv-probs", config={"displayModeBar": False})
    maps = maps_before_after(loaded, adv.original, adv.image, ("original", "adversarial"), "whatif-adv")
    exports({"original": adv.original, "adversarial": adv.image, "difference": adv.image - adv.original, **maps},
            {**adv.to_dict(), "attack": attack, "norm": norm, "model": loaded.key}, adv.image - adv.original,
            f"{attack}-{eps:g}", "whatif-adv-export")


def stability_section(loaded: LoadedModel, x: np.ndarray) -> None:
    a, b = st.columns(2)
    radius = a.select_slider("Noise radius (L∞)", [0.005, 0.01, 0.02, 0.05], value=0.02, key="whatif-st-radius")
    samples = b.select_slider("Noisy copies", [2, 4, 8], value=4, key="whatif-st-samples")
    methods = drawing_methods()
    config = StabilityConfig(float(radius), int(samples))
    try:
        with st.spinner("Explaining the noisy copies…"):
            rows = stability(loaded, x, methods, config)
    except ValueError as exc:
        st.warning(plain(exc))
        return
    st.plotly_chart(stability_figure([r.display for r in rows], [r.top_k_overlap for r in rows],
                                     [r.spearman for r in rows], config.fraction), key="whatif-st-fig")
    st.dataframe([{"method": r.display, "top-10 % overlap": round(r.top_k_overlap, 3),
                   "Spearman": round(r.spearman, 3), "max-sensitivity (lower is steadier)": round(r.max_sensitivity, 3),
                   "noisy copies": r.samples} for r in rows], hide_index=True)
    st.caption("Each noisy copy keeps the model's prediction; a map that still moves explains the noise, "
               "not the decision. Max-sensitivity is the Evaluate page's metric at the same radius.")
