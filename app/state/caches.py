"""Every cached computation the pages share: keyed by content (model digest, input digest, method,
target, params, seed), bounded, so one session never sees another's choices but reuses its numbers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import streamlit as st
import torch

from app.state.resources import LoadedModel, test_split
from explain import Attribution, Contrast, explain
from model.evaluate import EvalReport, accuracy, evaluate
from model.network import IMAGE_SIDE, MLP

EXPLANATION_CACHE_ENTRIES = 2000  # ~6 KB each: a bound of ~12 MB per process


@st.cache_data(show_spinner="Reading every hidden unit on the 10,000 test digits…", max_entries=8)
def test_activations(model_key: str, _model: MLP) -> dict[str, np.ndarray]:
    from explain.atlas.activations import dataset_activations

    return dataset_activations(_model, test_split().images)


@st.cache_data(show_spinner="Evaluating on the 10,000 test digits…", max_entries=16)
def model_report(model_key: str, _model: MLP) -> EvalReport:
    return evaluate(_model, test_split())


@st.cache_data(show_spinner="Scoring on the 10,000 test digits…", max_entries=16)
def model_accuracy(model_key: str, _model: MLP) -> float:
    """Test accuracy alone (one forward pass; the full report's scikit-learn import cost the first page
    of a fresh server seconds)."""
    return accuracy(_model, test_split())


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


@st.cache_data(show_spinner="Predicting the 10,000 test digits…", max_entries=16)
def test_probabilities(model_key: str, _model: MLP) -> np.ndarray:
    with torch.no_grad():
        return torch.softmax(_model(test_split().images), dim=1).numpy()


@torch.no_grad()
def probabilities(model: MLP, x28: torch.Tensor | np.ndarray) -> np.ndarray:
    """Softmax over the 10 digits for one 28×28 pixel image."""
    x = torch.as_tensor(np.asarray(x28, dtype=np.float32)).reshape(1, IMAGE_SIDE, IMAGE_SIDE)
    return torch.softmax(model(x), dim=1)[0].numpy()


def input_digest(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x, dtype=np.float32).tobytes()).hexdigest()[:16]


def target_key(target: int | Contrast | None) -> str:
    return "pred" if target is None else str(target)


def settings_key(method: str, params: dict[str, Any] | None) -> str:
    """A method's full settings as JSON: the defaults a page spells out and the ones it leaves implicit
    share one cache entry (so what app.state.default_views computes is what a page finds). Bad values raise here."""
    from explain import get_method

    return json.dumps(get_method(method).params.from_dict(params).to_dict(), sort_keys=True)


@st.cache_data(show_spinner=False, max_entries=EXPLANATION_CACHE_ENTRIES)
def _cached_explanation(model_key: str, x_key: str, method: str, t_key: str, params_json: str, seed: int,
                        _model: MLP, _x: np.ndarray, _target: Any) -> Attribution:
    return explain(_model, _x, method, _target, json.loads(params_json), seed)


def explanation(loaded: LoadedModel, x: np.ndarray, method: str, target: int | Contrast | None,
                params: dict[str, Any] | None = None, seed: int = 0) -> Attribution:
    """`explain` through the bounded cache. Errors propagate (and are never cached)."""
    return _cached_explanation(loaded.key, input_digest(x), method, target_key(target),
                               settings_key(method, params), seed, loaded.model, x, target)


@st.cache_data(show_spinner=False, max_entries=EXPLANATION_CACHE_ENTRIES // 10)
def _cached_all_classes(model_key: str, x_key: str, method: str, params_json: str, seed: int, _model: MLP,
                        _x: np.ndarray) -> list[Attribution]:
    from explain import explain_all_classes

    return explain_all_classes(_model, _x, method, json.loads(params_json), seed)


def all_classes_explanation(loaded: LoadedModel, x: np.ndarray, method: str, params: dict[str, Any] | None = None,
                            seed: int = 0) -> list[Attribution]:
    """One method's maps for each of the 10 classes (in class order), through the bounded cache."""
    return _cached_all_classes(loaded.key, input_digest(x), method, settings_key(method, params), seed,
                               loaded.model, x)


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_batch(model_key: str, x_key: str, method: str, params_json: str, seed: int, _model: MLP, _x: np.ndarray):
    from explain import explain_batch

    return explain_batch(_model, _x, method, None, json.loads(params_json), seed)


def batch_explanation(loaded: LoadedModel, x: np.ndarray, method: str, params: dict[str, Any] | None = None,
                      seed: int = 0):
    """`explain_batch` of N digits (each for its predicted class) through a bounded cache."""
    return _cached_batch(loaded.key, input_digest(x), method, settings_key(method, params), seed,
                         loaded.model, x)


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_card(model_key: str, x_key: str, methods: tuple[str, ...], replacement: str, sensitivity: bool,
                 _model: MLP, _x: np.ndarray):
    from explain.evaluation.scorecard import score_card

    return score_card(_model, _x, list(methods), replacement, sensitivity)


def score_card(loaded: LoadedModel, x: np.ndarray, methods: list[str], replacement: str, sensitivity: bool = False):
    """Every chosen method and the controls scored on one input (default parameters), cached."""
    return _cached_card(loaded.key, input_digest(x), tuple(methods), replacement, sensitivity, loaded.model, x)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_cascade(model_key: str, x_key: str, method: str, independent: bool, _model: MLP, _x: np.ndarray):
    from explain.evaluation.sanity import cascade

    return explain(_model, _x, method).values, cascade(_model, _x, method, independent=independent)


def sanity_cascade(loaded: LoadedModel, x: np.ndarray, method: str, independent: bool):
    """(the trained model's map, one SanityRow per randomisation step with its map) for one method."""
    return _cached_cascade(loaded.key, input_digest(x), method, independent, loaded.model, x)
