"""The prediction: its metrics and the ten class probabilities as a light bar chart (Custom Components
v2, plain HTML bars: bars.html, bars.css, bars.js).

Redrawn on every stroke on the Draw page: a Plotly bar chart cost the browser tens of ms per update
there. `bars_data` is pure (tests read it); `probability_bars` mounts it. Torch-free: the first Draw
page shows it before torch is in (app/startup.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from app.components.base import light_component
from app.figures.palette import BLUE, RED
from model.constants import N_CLASSES

_BARS = light_component("digit_lens.probability_bars", Path(__file__).parent)


def bars_data(probs: np.ndarray) -> dict:
    """The component's data: the 10 probabilities; the largest drawn in red."""
    p = np.asarray(probs, dtype=float).reshape(-1)
    if p.shape != (N_CLASSES,):
        raise ValueError(f"expected {N_CLASSES} probabilities, got shape {p.shape}")
    return {"p": [round(float(v), 6) for v in p], "top": RED, "other": BLUE}


def probability_bars(probs: np.ndarray, key: str) -> None:
    _BARS(key=key, data=bars_data(probs), width="stretch")


def prediction_view(probs: np.ndarray, true_label: int | None = None) -> int:
    """Prediction, confidence (and the true label, when known) as metrics above the bars; the prediction."""
    digit = int(np.argmax(probs))
    a, b, c = st.columns(3)
    a.metric("Prediction", digit)
    b.metric("Confidence", f"{probs[digit]:.1%}")
    if true_label is not None:
        c.metric("True label", true_label, delta="correct" if true_label == digit else "mistake",
                 delta_color="normal" if true_label == digit else "inverse", delta_arrow="off")
    probability_bars(probs, key="probabilities")
    return digit
