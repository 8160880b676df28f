"""Every cached computation the pages share: keyed by content (model digest, input digest, method,
target, params, seed), bounded, so one session never sees another's choices but reuses its numbers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import streamlit as st
import torch

from app.state.keys import KEYS
from app.state.resources import LoadedModel, test_split
from explain import Attribution, Contrast, explain
from model.evaluate import EvalReport, accuracy, evaluate
from model.network import IMAGE_SIDE, MLP

EXPLANATION_CACHE_ENTRIES = 2000  # ~6 KB each: a bound of ~12 MB per process


@st.cache_data(show_spinner="Reading every hidden unit on the 10,000 test digits…", max_entries=8, hash_funcs=KEYS)
def test_activations(loaded: LoadedModel) -> dict[str, np.ndarray]:
    from explain.atlas.activations import dataset_activations

    return dataset_activations(loaded.model, test_split().images)


@st.cache_data(show_spinner="Evaluating on the 10,000 test digits…", max_entries=16, hash_funcs=KEYS)
def model_report(loaded: LoadedModel) -> EvalReport:
    return evaluate(loaded.model, test_split())


@st.cache_data(show_spinner="Scoring on the 10,000 test digits…", max_entries=16, hash_funcs=KEYS)
def model_accuracy(loaded: LoadedModel) -> float:
    """Test accuracy alone (one forward pass; the full report's scikit-learn import cost the first page
    of a fresh server seconds)."""
    return accuracy(loaded.model, test_split())


@st.cache_data(show_spinner="Drawing the digits' thumbnails…", max_entries=64)
def test_thumbnails(indices: tuple[int, ...]) -> list[str]:
    """56-pixel PNG thumbnails of these test digits as data URLs (Explore's table; 300 PNG encodes took
    0.4 s of every visit)."""
    import base64
    import io

    from PIL import Image

    out = []
    for index in indices:
        img = Image.fromarray((test_split().images[index].numpy() * 255).astype(np.uint8)).resize((56, 56))
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        out.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())
    return out


@st.cache_data(show_spinner="Predicting the 10,000 test digits…", max_entries=16, hash_funcs=KEYS)
def test_probabilities(loaded: LoadedModel) -> np.ndarray:
    with torch.no_grad():
        return torch.softmax(loaded.model(test_split().images), dim=1).numpy()


@torch.no_grad()
def probabilities(model: MLP, x28: torch.Tensor | np.ndarray) -> np.ndarray:
    """Softmax over the 10 digits for one 28×28 pixel image."""
    x = torch.as_tensor(np.asarray(x28, dtype=np.float32)).reshape(1, IMAGE_SIDE, IMAGE_SIDE)
    return torch.softmax(model(x), dim=1)[0].numpy()


def settings_key(method: str, params: dict[str, Any] | None) -> str:
    """A method's full settings as JSON: the defaults a page spells out and the ones it leaves implicit
    share one cache entry (so what app.state.default_views computes is what a page finds). Bad values raise here."""
    from explain import get_method

    return json.dumps(get_method(method).params.from_dict(params).to_dict(), sort_keys=True)


@st.cache_data(show_spinner=False, max_entries=EXPLANATION_CACHE_ENTRIES, hash_funcs=KEYS)
def _explanation(loaded: LoadedModel, x: np.ndarray, method: str, target: int | Contrast | None, settings: str,
                 seed: int) -> Attribution:
    return explain(loaded.model, x, method, target, json.loads(settings), seed)


def explanation(loaded: LoadedModel, x: np.ndarray, method: str, target: int | Contrast | None,
                params: dict[str, Any] | None = None, seed: int = 0) -> Attribution:
    """`explain` through the bounded cache. Errors propagate (and are never cached)."""
    return _explanation(loaded, x, method, target, settings_key(method, params), seed)


@st.cache_data(show_spinner=False, max_entries=EXPLANATION_CACHE_ENTRIES // 10, hash_funcs=KEYS)
def _all_classes(loaded: LoadedModel, x: np.ndarray, method: str, settings: str, seed: int) -> list[Attribution]:
    from explain import explain_all_classes

    return explain_all_classes(loaded.model, x, method, json.loads(settings), seed)


def all_classes_explanation(loaded: LoadedModel, x: np.ndarray, method: str, params: dict[str, Any] | None = None,
                            seed: int = 0) -> list[Attribution]:
    """One method's maps for each of the 10 classes (in class order), through the bounded cache."""
    return _all_classes(loaded, x, method, settings_key(method, params), seed)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=KEYS)
def _batch(loaded: LoadedModel, x: np.ndarray, method: str, settings: str, seed: int):
    from explain import explain_batch

    return explain_batch(loaded.model, x, method, None, json.loads(settings), seed)


def batch_explanation(loaded: LoadedModel, x: np.ndarray, method: str, params: dict[str, Any] | None = None,
                      seed: int = 0):
    """`explain_batch` of N digits (each for its predicted class) through a bounded cache."""
    return _batch(loaded, x, method, settings_key(method, params), seed)


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=KEYS)
def score_card(loaded: LoadedModel, x: np.ndarray, methods: list[str], replacement: str, sensitivity: bool = False):
    """Every chosen method and the controls scored on one input (default parameters), cached."""
    from explain.evaluation.scorecard import score_card as card

    return card(loaded.model, x, list(methods), replacement, sensitivity)


@st.cache_data(show_spinner=False, max_entries=512, hash_funcs=KEYS)
def sanity_cascade(loaded: LoadedModel, x: np.ndarray, method: str, independent: bool):
    """(the trained model's map, one SanityRow per randomisation step with its map) for one method."""
    from explain.evaluation.sanity import cascade

    return explain(loaded.model, x, method).values, cascade(loaded.model, x, method, independent=independent)
