"""The What-if page's cached computations, URL-backed settings and edited input (Streamlit only)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.state.inputs import CurrentInput
from app.state.keys import KEYS, input_digest
from app.state.resources import LoadedModel, test_split
from app.state.session import WHATIF_EDITS, WHATIF_PAINT
from explain.evaluation.stability import StabilityConfig, StabilityRow, map_stability
from explain.whatif.attacks import Adversarial, AttackConfig, AttackCurve, accuracy_curve, attack_digit, minimal_eps
from explain.whatif.counterfactual import (
    Counterfactual,
    CounterfactualConfig,
    NearestDigit,
    counterfactual,
    nearest_of_class,
)
from model.data import Split, load_mnist


@st.cache_resource(show_spinner="Loading the 60,000 training digits…")
def train_split() -> Split:
    return load_mnist(train=True)


# -- the working input: the session's current digit, or its painted version until reset ------------
def paint_id(current: CurrentInput) -> str:
    """The id of what the paint pad paints over: this digit, since the last reset (a reset starts afresh)."""
    return f"{input_digest(current.x)}-{WHATIF_EDITS.get(0)}"


def working_input(current: CurrentInput) -> tuple[np.ndarray, bool]:
    """(pixels, edited?) — the paint pad's strokes belong to the digit they were painted over. Pixels the
    strokes left as they were keep their exact value (the pad works in 0–255 greys)."""
    drawing = WHATIF_PAINT.get()
    if drawing is None or drawing.base != paint_id(current):
        return current.x, False
    painted = drawing.image if drawing.image is not None else np.zeros(current.x.shape, np.uint8)
    changed = painted != np.clip(np.round(np.asarray(current.x, np.float64) * 255), 0, 255)
    if not changed.any():
        return current.x, False
    return np.where(changed, painted / 255.0, current.x).astype(np.float32), True


def reset_edits() -> None:
    WHATIF_PAINT.pop()
    WHATIF_EDITS.set(WHATIF_EDITS.get(0) + 1)


# -- cached computations (keys: app.state.keys) ----------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=KEYS)
def make_counterfactual(loaded: LoadedModel, x: np.ndarray, config: CounterfactualConfig
                        ) -> tuple[Counterfactual, NearestDigit]:
    train = train_split()
    return counterfactual(loaded.model, x, config), nearest_of_class(x, config.target, train.images, train.labels)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=KEYS)
def make_adversarial(loaded: LoadedModel, x: np.ndarray, eps: float, config: AttackConfig) -> Adversarial:
    return attack_digit(loaded.model, x, eps, config)


@st.cache_data(show_spinner=False, max_entries=128, hash_funcs=KEYS)
def attack_curve(loaded: LoadedModel, start: int, stop: int, eps: tuple[float, ...], config: AttackConfig
                 ) -> AttackCurve:
    """Accuracy under attack of test digits start..stop−1 at each ε (one chunk of a longer request)."""
    test = test_split()
    return accuracy_curve(loaded.model, test.images[start:stop], test.labels[start:stop], list(eps), config)


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=KEYS)
def min_eps_chunk(loaded: LoadedModel, start: int, stop: int, config: AttackConfig, eps_max: float) -> np.ndarray:
    test = test_split()
    return minimal_eps(loaded.model, test.images[start:stop], test.labels[start:stop], config, eps_max)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=KEYS)
def stability(loaded: LoadedModel, x: np.ndarray, methods: list[str], config: StabilityConfig) -> list[StabilityRow]:
    return map_stability(loaded.model, x, list(methods), config)
