"""The prediction of one input, with a warning when it does not look like a handwritten digit."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.components.probability_bars import prediction_view
from app.state.caches import probabilities
from app.state.resources import LoadedModel, digit_likeness_score


def show_prediction(loaded: LoadedModel, x: np.ndarray, true_label: int | None = None) -> int:
    likeness = digit_likeness_score(x)
    if likeness is not None and likeness[0] > likeness[1]:
        st.warning(f"This does not look like a handwritten digit (not-a-digit score {likeness[0]:.1f} > "
                   f"{likeness[1]:.1f}, which 1–2 % of real digits exceed): the model always answers "
                   "0–9, so the prediction below is a guess.", icon=":material/help:")
    return prediction_view(probabilities(loaded.model, x), true_label)
