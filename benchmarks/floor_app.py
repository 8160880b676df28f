"""The start-up floor of this machine, for `make bench` (section 3): a bare Streamlit page with our drawing
pad and the bundled model's forward pass in numpy. No torch, no explainers, no MNIST preprocessing (a
plain resize): the least an app can do to show a prediction. Not part of the product."""

import numpy as np
import streamlit as st
from PIL import Image
from safetensors.numpy import load_file

from app.components.drawing_pad import drawing_pad, read_drawing
from model.paths import bundled_checkpoint

MEAN, STD = 0.1307, 0.3081  # the bundled model's input normalisation (model.network)

st.title("Start-up floor")


@st.fragment
def pad() -> None:
    drawing, _ = read_drawing()
    if drawing is not None and drawing.image is not None:
        w = load_file(bundled_checkpoint())
        x = np.asarray(Image.fromarray(drawing.image).resize((28, 28), Image.BILINEAR), np.float32) / 255
        h = (x.reshape(-1) - MEAN) / STD
        hidden = sorted(k.split(".")[1] for k in w if k.startswith("net.fc") and k.endswith(".weight"))
        for name in hidden:
            h = np.maximum(w[f"net.{name}.weight"] @ h + w[f"net.{name}.bias"], 0)
        st.metric("Prediction", int(np.argmax(w["net.out.weight"] @ h + w["net.out.bias"])))
    drawing_pad()


pad()
