"""The one place that caches, and the only per-session state the pages share.

Resources (the bundled model, the test set) are cached once per process and never mutated;
explanations are cached by content (model digest, input digest, method, target, params, seed)
in a bounded cache; anything a user changes lives in `st.session_state`, so one session never
sees another's choices.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st
import torch

from app.session import ACTIVE_MODEL, MODELS
from app.streamlit_private import session_alive_check  # noqa: F401 - the job pages import it from here
from explain import Attribution, Contrast, explain
from model.checkpoint import CheckpointMeta, load_checkpoint
from model.data import Split, load_mnist
from model.evaluate import EvalReport, accuracy, evaluate
from model.jobs import JobRunner
from model.network import IMAGE_SIDE, MLP
from model.paths import bundled_checkpoint

LEADERBOARD_FILE = "leaderboard_n10000.csv"  # written by `make assets` (python -m explain.evaluate)
REFERENCES_FILE = "references_n1000.csv"  # the same scores for methods with another reference (make assets)
EXPLANATION_CACHE_ENTRIES = 2000  # ~6 KB each: a bound of ~12 MB per process


@dataclass(frozen=True)
class LoadedModel:
    name: str
    model: MLP
    meta: CheckpointMeta
    key: str  # digest of the weights: part of every cache key


def weights_digest(model: MLP) -> str:
    """Everything that determines the model's outputs: configuration (normalisation too) and weights."""
    h = hashlib.sha256(repr(model.config).encode())
    for k, v in model.state_dict().items():
        h.update(k.encode())
        h.update(v.detach().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def make_loaded(name: str, model: MLP, meta: CheckpointMeta) -> LoadedModel:
    model.eval()
    model.requires_grad_(False)  # shared by reruns and threads: explainers only need input gradients
    return LoadedModel(name, model, meta, weights_digest(model))


@st.cache_resource(show_spinner="Loading the bundled model…")
def bundled_model() -> LoadedModel:
    model, meta = load_checkpoint(bundled_checkpoint())
    return make_loaded("bundled", model, meta)


@st.cache_resource(show_spinner="Loading the MNIST test digits…")
def test_split() -> Split:
    return load_mnist(train=False)


MAX_TRAINING_JOBS = 2  # at once, across all sessions: a 2-core server stays usable for explaining
MAX_UMAP_FITS = 1  # at once, across all sessions: a fit keeps a core busy (or both) for a minute
JOB_CAPS = {"train": MAX_TRAINING_JOBS, "umap": MAX_UMAP_FITS}  # by kind (model.jobs); seed ensembles are "train"


@st.cache_resource
def job_runner() -> JobRunner:
    """Server-wide: the one runner of background jobs, with its cap per kind (each session may run one of each)."""
    return JobRunner(JOB_CAPS)




def session_models() -> dict[str, LoadedModel]:
    """This session's models by name: always the bundled one, plus any trained or uploaded here."""
    models = MODELS.setdefault({})
    if "bundled" not in models:
        models["bundled"] = bundled_model()
    return models


def add_model(loaded: LoadedModel, activate: bool = True) -> None:
    models = session_models()
    models[loaded.name] = loaded
    if len(models) > 6:  # bound per-session memory: drop the oldest non-bundled model
        oldest = next(n for n in models if n != "bundled" and n != loaded.name)
        del models[oldest]
    if activate:
        ACTIVE_MODEL.set(loaded.name)


def model_switcher() -> None:
    """Sidebar: choose this session's active model among bundled / trained / uploaded ones.

    Deliberately without a widget key: its identity then follows the options and the active model,
    so when a page activates a new model the old widget (and any stale value the browser still
    holds for it) is simply gone, instead of being sent back and switching the model again.
    """
    models = session_models()
    names = list(models)
    active = active_model().name

    def label(name: str) -> str:
        m = models[name]
        return f"{name} · {model_accuracy(m.key, m.model):.2%}"

    chosen = st.sidebar.selectbox("Model (test accuracy)", names, index=names.index(active), format_func=label)
    if chosen != active:
        ACTIVE_MODEL.set(chosen)
        st.rerun()


def active_model() -> LoadedModel:
    """This session's model: the bundled one unless the user trained or uploaded another."""
    models = session_models()
    return models.get(ACTIVE_MODEL.get("bundled"), models["bundled"])


@st.cache_data(show_spinner="Reading every hidden unit on the 10,000 test digits…", max_entries=8)
def test_activations(model_key: str, _model: MLP) -> dict[str, np.ndarray]:
    from explain.atlas.activations import dataset_activations

    return dataset_activations(_model, test_split().images)


@st.cache_resource(show_spinner="Learning what handwritten digits look like…")
def digit_likeness_fit():
    from explain.whatif.ood import DigitLikeness, fit_digit_likeness, shipped_path
    from model.data import load_mnist

    if shipped_path().exists():  # made by `make assets` from the same training digits
        return DigitLikeness.load(shipped_path())
    return fit_digit_likeness(load_mnist(train=True).images)


def digit_likeness_score(x: np.ndarray) -> tuple[float, float]:
    """(out-of-distribution score, threshold) of one input; see explain.whatif.ood. Shared by all sessions."""
    likeness = digit_likeness_fit()
    return float(likeness.scores(x)[0]), likeness.threshold


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
    share one cache entry (so what app.default_views computes is what a page finds). Bad values raise here."""
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


@st.cache_data(show_spinner=False, max_entries=4)
def bundled_leaderboard(name: str = LEADERBOARD_FILE) -> tuple[list[dict[str, str]], dict[str, Any]] | None:
    """A leaderboard shipped in assets/leaderboard (rows, its provenance), or None if missing."""
    import csv

    from model.paths import assets_dir

    path = assets_dir() / "leaderboard" / name
    if not path.exists():
        return None
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    meta_path = path.with_name(path.name + ".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return rows, meta
