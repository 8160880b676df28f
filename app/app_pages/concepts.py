"""Concepts: does an idea you give as examples (thick strokes, slant, the planted patch, your own) push the
model towards a class? TCAV on both hidden layers, with its statistical test."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

from app.components.heatmap_grid import grid_data, heatmap_grid
from app.components.image_strip import image_strip, upscale
from app.figures.known import tcav_figure
from app.safe_text import plain
from app.sections.tcav_run import tcav_run
from app.state.concepts import picked_concepts
from app.state.inputs import file_upload
from app.state.known import builtin_examples, shortcut_model
from app.state.models import active_model
from app.state.session import CONCEPT_DRAWN, CONCEPT_PAD, url_setting
from explain.known.concepts import BUILT_IN, MAX_NPZ_BYTES, MAX_PICKED, read_examples
from explain.known.tcav import ALPHA, corrected_alpha
from model.network import layer_display_name

UPLOAD = "your own examples (.npz)"
DRAW = "draw your own on the pad"
N_EXAMPLES, N_RANDOM = 20, 10
MIN_DRAWN, MAX_DRAWN = 5, 100
PICKED = "picked: "  # the option of a concept picked on the Map or in Explore is this prefix and its name


def download_examples(examples: np.ndarray, key: str) -> None:
    """The examples as the .npz this page (and `python -m explain tcav --concept FILE.npz`) reads."""
    buf = io.BytesIO()
    np.savez_compressed(buf, examples=examples)
    st.download_button("Download as .npz", buf.getvalue(), "concept.npz", key=key)


def drawn_examples() -> np.ndarray | None:
    """The pad, and the drawings added so far (kept in this session; downloadable as the .npz this page reads)."""
    from app.components.drawing_pad import drawing_pad, read_drawing
    from model.preprocess import preprocess

    drawn = CONCEPT_DRAWN.setdefault([])
    left, right = st.columns([1, 2])
    with left:
        drawing, error = read_drawing("concepts-pad", CONCEPT_PAD)
        drawing_pad("concepts-pad", CONCEPT_PAD)
        steps = preprocess(drawing.image) if drawing is not None and drawing.image is not None else None
        if error:
            st.error(f"Could not read the drawing: {plain(error)}")
    with right:
        b1, b2 = st.columns(2)
        if b1.button("Add this drawing", key="concepts-add", disabled=steps is None or len(drawn) >= MAX_DRAWN,
                     type="primary"):
            drawn.append(steps.centred.astype(np.float32))
        if b2.button("Start again", key="concepts-clear", disabled=not drawn):
            drawn.clear()
        st.caption(f"Draw one example at a time and add it (at least {MIN_DRAWN}; each is fitted and centred like an "
                   "MNIST digit). A concept can be any shape: a loop, a stroke through the middle, a dot in a corner.")
        if drawn:
            image_strip([upscale(x, 56) for x in drawn[-8:]], [f"#{len(drawn) - min(8, len(drawn)) + i + 1}"
                                                              for i in range(min(8, len(drawn)))], key="concepts-drawn")
            download_examples(np.stack(drawn), "concepts-download")
    if len(drawn) < MIN_DRAWN:
        st.info(f"{len(drawn)} of at least {MIN_DRAWN} examples drawn.")
        return None
    return np.stack(drawn)


st.title("Concepts")
st.caption("A concept is a set of example images. TCAV (Kim et al. 2018) learns the direction that separates "
           "them from random training digits inside a hidden layer (a *concept activation vector*, CAV), then asks: "
           "for the test digits of each class, does moving along that direction raise the class's score? It repeats "
           f"this against {N_RANDOM} random sets of digits and keeps a result only if it differs from random-vs-random "
           "runs (two-sided t-test, held to p < 0.05 over all the classes and layers tested together) and the layer's "
           "CAV tells the concept from random digits better than random digits are told from each other.")

c1, c2 = st.columns(2)
models = {"active": f"your active model ({plain(active_model().name, 40)})"}
if shortcut_model() is not None:
    models["shortcut"] = "the planted-shortcut model (a patch on most 7s)"
which = c1.radio("Model", list(models), format_func=models.get, key="concepts-model",
                 help="The planted-shortcut model is the known answer: with the patch concept, class 7 should stand out.")
picked = picked_concepts()
options = [*BUILT_IN, *(PICKED + name for name in picked), DRAW, UPLOAD]


def _concept_link(raw: str) -> str:
    """`?concept=thick` opens a built-in concept; `?concept=picked` the concept picked last (Map, Explore)."""
    if raw == "picked":
        return PICKED + list(picked)[-1]  # IndexError (none picked yet): one warning, the default
    return {k: k for k in BUILT_IN}[raw]


url_setting("concepts-concept", "concept", next(iter(BUILT_IN)), _concept_link,
            f"use one of {', '.join(BUILT_IN)}, or 'picked' after picking digits on the Map or in Explore")
if st.session_state["concepts-concept"] not in options:  # a picked concept this session no longer keeps
    st.session_state["concepts-concept"] = next(iter(BUILT_IN))
concept = c2.selectbox("Concept", options, key="concepts-concept",
                       format_func=lambda k: BUILT_IN[k][0] if k in BUILT_IN else k,
                       help="Pick your own on the Map (select digits) or in Explore (filter them): "
                            "“Use as a concept” brings them here.")
loaded = shortcut_model() if which == "shortcut" else active_model()

examples = None
if concept == DRAW:
    examples = drawn_examples()
elif concept == UPLOAD:
    up = file_upload("Examples: one array of N×28×28 images (uint8 0–255 or floats 0–1), 5 ≤ N ≤ 500", ["npz"],
                     "concepts-upload", ["application/zip", "application/octet-stream"],
                     max_upload_size=max(1, MAX_NPZ_BYTES // 2**20))
    if up is not None:
        try:
            examples = read_examples(up.getvalue(), "the upload").numpy()
        except ValueError as exc:
            st.error(f"Upload refused: {plain(str(exc), 300)}")
elif concept.startswith(PICKED):
    chosen = picked[concept.removeprefix(PICKED)]
    examples = chosen.examples()
    st.caption(f"{len(examples)} test digits as they are" + (
        f" (a fixed random sample of the {chosen.picked_from} picked; at most {MAX_PICKED} are kept)"
        if chosen.picked_from > len(examples) else "") + ".")
    download_examples(examples, "concepts-picked-download")
else:
    examples = builtin_examples(concept, N_EXAMPLES, 0)
    st.caption(f"{N_EXAMPLES} test digits of every class, transformed: {BUILT_IN[concept][0]}.")

if examples is None:
    st.info("Choose a built-in concept, draw one, or upload examples.")
    st.stop()
if concept != DRAW:  # the drawn ones are shown beside the pad
    image_strip([upscale(x, 84) for x in examples[:8]], [f"example {i + 1}" for i in range(min(8, len(examples)))],
                key="concepts-examples")

result = tcav_run(loaded, concept if concept in BUILT_IN else None, examples, N_RANDOM, 0)
if result is None:
    st.stop()
rows = pd.DataFrame(result["rows"])
# Held to the corrected level here, whatever a shipped file's `significant` says: one rule for every result.
strict = corrected_alpha(len(rows))
rows["significant"] = (rows["p_value"] < strict) & rows["cav_above_chance"]
st.caption(f"**Coloured: p < {ALPHA} / {len(rows)} = {strict:.2g}** (Bonferroni: {len(rows)} tests, "
            f"{rows['class'].nunique()} classes × {rows['layer'].nunique()} layers, keep the chance of any false "
            f"positive below {ALPHA}). Grey bars did not pass.")
cols = st.columns(len(rows["layer"].unique()))
for col, (layer, part) in zip(cols, rows.groupby("layer", sort=True), strict=True):
    part = part.sort_values("class")
    col.plotly_chart(tcav_figure(layer_display_name(layer), part["class"].tolist(), part["score"], part["spread"],
                                 part["random_score"], part["significant"], part["p_value"], strict),
                     key=f"concepts-{layer}")
    col.caption(f"CAV accuracy (held-out, concept vs random): {part['cav_accuracy'].iloc[0]:.0%}; random vs random "
                f"{part['random_cav_accuracy'].iloc[0]:.0%}" + ("." if part["cav_above_chance"].iloc[0] else
                ": at chance, no concept direction to test here, so nothing in this layer is significant."))

pixels = result.get("pixels") or {}
if pixels:
    st.markdown("**The concept's direction, made visible**")
    heatmap_grid(grid_data([(layer_display_name(layer), "toward the concept", np.reshape(v, (28, 28)))
                            for layer, v in sorted(pixels.items())], shared=False, cols=2, px=150,
                           quantity="pull toward the concept"), key="concepts-pixels")
    st.caption("Per layer: how adding ink to each pixel moves that layer's activations along the concept's direction "
               "(the gradient of activation · CAV, averaged over the examples; red toward the concept, blue away).")



def listed(part: pd.DataFrame) -> str:
    return ", ".join(f"digit {r['class']} in {layer_display_name(r['layer'])} ({r['score']:.2f} vs "
                     f"{r['random_score']:.2f} random)" for _, r in part.iterrows()) or "none"


st.markdown(f"**Significant (Bonferroni, p < {strict:.2g}):** {listed(rows[rows['significant']])}.")
loose = rows[(rows["p_value"] < ALPHA) & ~rows["significant"] & rows["cav_above_chance"]]
st.caption(f"Uncorrected, {len(rows)} tests at p < {ALPHA} would find about {len(rows) * ALPHA:.0f} by chance alone; "
           f"these pass p < {ALPHA} but not the corrected level: {listed(loose)}.")
with st.expander("All scores"):
    st.dataframe(pd.DataFrame({
        "layer": rows["layer"].map(layer_display_name), "class": rows["class"],
        "TCAV score": rows["score"].map("{:.2f}".format), "± (sd over runs)": rows["spread"].map("{:.2f}".format),
        "random vs random": rows["random_score"].map("{:.2f}".format), "p": rows["p_value"].map("{:.2g}".format),
        "significant": np.where(rows["significant"], "yes", "no"), "CAV accuracy": rows["cav_accuracy"].map("{:.0%}".format),
        "random CAV accuracy": rows["random_cav_accuracy"].map("{:.0%}".format),
    }), hide_index=True)
st.caption(f"{result['n_examples']} examples against {result['n_random']} random concepts of as many random "
           f"training digits; scores over {N_RANDOM} runs on 50 test digits per class; computed in "
           f"{result['seconds']:.1f} s. Same command line: `python -m explain tcav --concept "
           f"{concept if concept in BUILT_IN else 'FILE.npz'} --model {'shortcut' if which == 'shortcut' else 'bundled'}`.")
