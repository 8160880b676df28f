"""Draw: our drawing pad → MNIST preprocessing → prediction, probabilities and explanations, as you draw."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

# Only torch-free modules up here: on a fresh server this page answers before torch is in (app/startup.py).
from app.startup import bundled_numpy, first_answer_sent, load_torch_side_with_spinner, start, torch_side_loaded
from app.components.drawing_pad import drawing_pad, read_drawing
from app.components.image_strip import image_strip, upscale
from app.components.probability_bars import prediction_view
from app.state.session import DRAW_PIXELS, DRAW_PREDICTED
from app.safe_text import plain
from model.preprocess import preprocess

if TYPE_CHECKING:
    from app.sections.attribution_maps import AttributionSettings


st.title("Draw a digit")
st.caption("Draw one digit, large and centred, with the mouse, a pen or a finger. Undo, redo and clear are "
           "under the pad (Ctrl+Z, Ctrl+Shift+Z, Delete); the prediction and the maps follow the pen.")
# The settings stay outside the fragment: a stroke reruns only what depends on the drawing. Their container
# is there even while they are not (torch not in yet), so the pad keeps its place when they come: a pad
# that moves is mounted anew, which loses its keyboard focus and its undo history.
settings = None  # None: torch is not in yet, the fragment answers in numpy (the bundled model)
with st.container():
    if torch_side_loaded():
        from app.sections.attribution_maps import attribution_settings

        predicted, runner_up = DRAW_PREDICTED.get((0, 1))
        settings = attribution_settings("draw", predicted, runner_up=runner_up)


@st.fragment
def draw_and_explain(settings: AttributionSettings | None) -> None:
    """Only this fragment reruns per stroke; the pad is mounted last so its acknowledgement reaches the
    browser once the answer is on the page (the pad sends its next update only then)."""
    if settings is None and torch_side_loaded():  # torch came in since the page ran: the whole page, with maps
        st.rerun()
    left, right = st.columns([1, 1.6], gap="large")
    if settings is None:
        threads = contextlib.nullcontext()
    else:  # a fragment rerun calls this function directly, so the thread count is set here
        from model.threads import torch_threads

        threads = torch_threads(1)  # a stroke's work is a few small products: see model/threads.py
    with threads:
        _answer(left, right, settings)


def _answer(left, right, settings: AttributionSettings | None) -> None:
    said = None  # the prediction in one line under the pad: on a phone the bars are a screen further down
    try:
        drawing, error = read_drawing()
        pixels = DRAW_PIXELS.get()  # AppTests inject H×W×4 or H×W uint8 pixels
        image = np.asarray(pixels) if pixels is not None else (drawing.image if drawing else None)
        steps = preprocess(image) if image is not None else None
        with right:
            if error:
                st.error(f"Could not read the drawing: {plain(error)}")
            if steps is None:
                st.info("Draw a digit on the pad: the prediction and its explanations appear as you draw.")
            else:
                probs = _predict(steps.centred, settings is None)
                ranked = np.argsort(probs)
                predicted = DRAW_PREDICTED.set((int(ranked[-1]), int(ranked[-2])))[0]
                said = f"The model says {predicted} ({probs[predicted]:.0%})"
                st.caption("What the model sees, after MNIST's own preprocessing:")
                image_strip([upscale(steps.drawing, 96), upscale(steps.cropped, 96), upscale(steps.fitted, 96),
                             upscale(steps.centred, 96)], ["drawing", "cropped", "fit into 20 px", "centred 28×28"],
                            key="draw-steps")
        if steps is not None and settings is None:  # answered in numpy: torch may load now (see below)
            first_answer_sent()
        elif steps is not None:
            from app.sections.attribution_maps import maps_and_export
            from app.state.inputs import CurrentInput, set_current
            from app.state.models import active_model

            set_current(CurrentInput("drawing", steps.centred, "your drawing"))
            # While a stroke is in progress (not final) the maps are previews with cheaper settings.
            maps_and_export(active_model(), steps.centred, "draw", settings, predicted, {"input": "drawing"},
                            preview=drawing is not None and not drawing.final and pixels is None)
            from app.sections.report import report_button

            report_button(active_model(), steps.centred, settings.methods, settings.target, "draw", "Draw")
        if settings is not None:
            from app.sections.workspace import draw_panel

            with right:
                draw_panel(steps.centred if steps is not None else None, drawing)
    finally:  # the pad stays on the page whatever happens above
        with left:
            drawing_pad(note=said)


def _predict(x: np.ndarray, light: bool) -> np.ndarray:
    """Show the prediction and its bars; the 10 probabilities (the runner-up is where "Another class" and
    "why A and not B" start). With the bundled model in numpy until torch is in, then this session's model."""
    if light:
        probs = bundled_numpy().probabilities(x)
        prediction_view(probs)
        return probs
    from app.sections.prediction import show_prediction
    from app.state.caches import probabilities
    from app.state.models import active_model

    loaded = active_model()
    show_prediction(loaded, x)
    return probabilities(loaded.model, x)


@st.fragment(run_every=0.5)
def maps_when_ready() -> None:
    """Until torch is in: say so, and rerun the whole page (map settings, sidebar, maps) once it is. A timer
    rather than a wait inside the pad's fragment: the pad keeps answering (in numpy) meanwhile."""
    if not torch_side_loaded() and not start().is_alive():  # the warm-up failed: import here, raising its error
        load_torch_side_with_spinner()
    if torch_side_loaded():
        st.rerun()
    st.info("The explanation maps come in a few seconds: PyTorch and the explainers are loading (once per "
            "server start). Meanwhile the prediction follows the pen.", icon=":material/hourglass_top:")


draw_and_explain(settings)
if settings is None:
    maps_when_ready()
