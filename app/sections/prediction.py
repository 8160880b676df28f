"""The prediction of one input, with a warning when it does not look like a handwritten digit."""

from __future__ import annotations


import numpy as np
import streamlit as st

from app.components.probability_bars import prediction_view
from app.state.caches import probabilities
from app.state.resources import digit_likeness_score, LoadedModel


def show_prediction(loaded: LoadedModel, x: np.ndarray, true_label: int | None = None) -> int:
    score, threshold = digit_likeness_score(x)
    if score > threshold:
        st.warning(f"This does not look like a handwritten digit (out-of-distribution score {score:.1f} > "
                   f"{threshold:.1f}, a threshold only 1 % of training digits exceed): the model always answers "
                   "0–9, so the prediction below is a guess.", icon=":material/help:")
    return prediction_view(probabilities(loaded.model, x), true_label)
