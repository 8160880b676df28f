"""Draw: our drawing pad → MNIST preprocessing → prediction, probabilities and explanations, as you draw."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.canvas import drawing_pad, read_drawing
from app.image_strip import image_strip
from app.inputs import CurrentInput, set_current
from app.session import DRAW_PIXELS, DRAW_PREDICTED
from app.state import active_model
from app.text import plain
from app.views import MapSettings, map_settings, maps_and_export, show_prediction, upscale
from model.preprocess import preprocess
from model.threads import torch_threads


st.title("Draw a digit")
st.caption("Draw one digit, large and centred, with the mouse, a pen or a finger. Undo, redo and clear are "
           "under the pad (Ctrl+Z, Ctrl+Shift+Z, Delete); the prediction and the maps follow the pen.")
# The settings stay outside the fragment: a stroke reruns only what depends on the drawing.
settings = map_settings("draw", DRAW_PREDICTED.get(0))


@st.fragment
def draw_and_explain(settings: MapSettings) -> None:
    """Only this fragment reruns per stroke; the pad is mounted last so its acknowledgement reaches the
    browser once the answer is on the page (the pad sends its next update only then)."""
    left, right = st.columns([1, 1.6], gap="large")
    # A fragment rerun calls this function directly, so the thread count is set here, not around the call.
    with torch_threads(1):  # a stroke's work is a few small products: see model/threads.py
        _answer(left, right, settings)


def _answer(left, right, settings: MapSettings) -> None:
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
                loaded = active_model()
                predicted = DRAW_PREDICTED.set(show_prediction(loaded, steps.centred))
                st.caption("What the model sees, after MNIST's own preprocessing:")
                image_strip([upscale(steps.drawing, 96), upscale(steps.cropped, 96), upscale(steps.fitted, 96),
                             upscale(steps.centred, 96)], ["drawing", "cropped", "fit into 20 px", "centred 28×28"],
                            key="draw-steps")
        if steps is not None:
            set_current(CurrentInput("drawing", steps.centred, "your drawing"))
            # While a stroke is in progress (not final) the maps are previews with cheaper settings.
            maps_and_export(loaded, steps.centred, "draw", settings, predicted, {"input": "drawing"},
                            preview=drawing is not None and not drawing.final and pixels is None)
    finally:  # the pad stays on the page whatever happens above
        with left:
            drawing_pad()


draw_and_explain(settings)
