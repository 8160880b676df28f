"""Draw: a 280×280 canvas → MNIST preprocessing → prediction and probabilities."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch
from streamlit_drawable_canvas import st_canvas

from app.figures import digit_figure, probability_figure
from app.state import active_model, probabilities
from model.preprocess import preprocess

CANVAS_SIDE = 280
# Tests inject canvas pixels (H×W×4 uint8) under this key: AppTest cannot draw on a component.
INJECT_KEY = "draw_pixels"

st.title("Draw a digit")
st.caption("Draw one digit, large and centred, with the mouse or a finger. The toolbar under "
           "the canvas has undo, redo and reset.")


@st.fragment
def draw_and_predict() -> None:
    left, right = st.columns([1, 1.4], gap="large")
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
            st.info("Draw a digit on the canvas: the prediction appears as you draw.")
            return
        loaded = active_model()
        probs = probabilities(loaded.model, torch.from_numpy(steps.centred)).numpy()
        digit = int(probs.argmax())
        a, b = st.columns([1, 2])
        a.metric("Prediction", digit)
        b.metric("Confidence", f"{probs[digit]:.1%}")
        st.plotly_chart(probability_figure(probs), key="probs", config={"displayModeBar": False})
        st.caption("What the model sees: MNIST's own preprocessing, left to right.")
        cols = st.columns(4)
        for col, (title, img) in zip(
            cols,
            [("drawing", steps.drawing), ("cropped", steps.cropped),
             ("fit in 20 px", steps.fitted), ("centred 28×28", steps.centred)],
            strict=True,
        ):
            col.plotly_chart(digit_figure(img, title, height=150), key=f"step-{title}",
                             config={"displayModeBar": False, "staticPlot": True})


draw_and_predict()
