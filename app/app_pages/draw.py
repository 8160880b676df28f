"""Draw: a 280×280 canvas → MNIST preprocessing → prediction, probabilities and explanations."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from app.inputs import CurrentInput, set_current
from app.state import active_model
from app.views import explanation_controls, show_prediction, upscale
from model.preprocess import preprocess

CANVAS_SIDE = 280
# Tests inject canvas pixels (H×W×4 uint8) under this key: AppTest cannot draw on a component.
INJECT_KEY = "draw_pixels"

st.title("Draw a digit")
st.caption("Draw one digit, large and centred. The toolbar over the canvas has undo, redo and reset; "
           "the prediction and the maps update as you draw.")


@st.fragment
def draw_and_explain() -> None:
    left, right = st.columns([1, 1.6], gap="large")
    with left:
        stroke = st.slider("Stroke width", 8, 40, 20, key="stroke_width")
        canvas = st_canvas(
            stroke_width=stroke, stroke_color="#FFFFFF", background_color="#000000",
            width=CANVAS_SIDE, height=CANVAS_SIDE, drawing_mode="freedraw",
            return_image_data=True, key="canvas",
        )
    pixels = st.session_state.get(INJECT_KEY)
    if pixels is None:
        pixels = canvas.image_data
    steps = preprocess(np.asarray(pixels)) if pixels is not None else None
    with right:
        if steps is None:
            st.info("Draw a digit on the canvas: the prediction and its explanations appear as you draw.")
            return
        loaded = active_model()
        predicted = show_prediction(loaded, steps.centred)
        st.caption("What the model sees, after MNIST's own preprocessing:")
        st.image([upscale(steps.drawing, 96), upscale(steps.cropped, 96), upscale(steps.fitted, 96),
                  upscale(steps.centred, 96)], caption=["drawing", "cropped", "fit into 20 px", "centred 28×28"])
    set_current(CurrentInput("drawing", steps.centred, "your drawing"))
    explanation_controls(loaded, steps.centred, "draw", predicted, {"input": "drawing"})


draw_and_explain()
