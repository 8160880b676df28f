"""Every key this app keeps in a session's `st.session_state`, and every URL parameter, in one place.

A `Slot` is one per-session value: its key, the one module that writes it, and what it holds. Pages
and views read and write session values only through slots (tests/test_session_keys.py fails on a
string key anywhere else), so a page never touches another page's state by accident, and renaming a
key is one edit. Widget keys (`key=` of a widget) are the page's own and start with its prefix
(`WIDGET_PREFIXES`); a page that wants another page to open in some state links to it with URL
parameters, which that page reads. `URL` names every query parameter with the pages that read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st

T = TypeVar("T")


@dataclass(frozen=True)
class Slot(Generic[T]):
    """One session value: `key` in st.session_state, written only by `owner` (a module path)."""

    key: str
    owner: str
    doc: str

    def get(self, default: T | None = None) -> T | None:
        return st.session_state.get(self.key, default)

    def set(self, value: T) -> T:
        st.session_state[self.key] = value
        return value

    def setdefault(self, value: T) -> T:
        return st.session_state.setdefault(self.key, value)

    def pop(self) -> T | None:
        return st.session_state.pop(self.key, None)

    def is_set(self) -> bool:
        return self.key in st.session_state


# The session's current input and the models (app/inputs.py, app/state.py).
CURRENT_INPUT: Slot[Any] = Slot("current_input", "app/inputs.py", "the digit last drawn, picked or uploaded")
INDEX_SEEN: Slot[str] = Slot("_query_index_seen", "app/inputs.py", "the ?index= already applied (once per value)")
MODELS: Slot[dict] = Slot("models", "app/state.py", "name → LoadedModel: the bundled one and this session's own")
ACTIVE_MODEL: Slot[str] = Slot("active_model_name", "app/state.py", "the name of the model every page uses")

# Draw (app/canvas.py, app/app_pages/draw.py).
DRAWING: Slot[Any] = Slot("draw_drawing", "app/canvas.py", "the pad's latest Drawing (outlives the widget)")
DRAW_PIXELS: Slot[Any] = Slot("draw_pixels", "tests", "pixels injected by AppTests, which cannot draw on a component")
DRAW_PREDICTED: Slot[int] = Slot("draw_predicted", "app/app_pages/draw.py",
                                 "the latest drawing's prediction: the default class of the map settings")

# Explore, Inside (the page itself writes these once per click or link, then its widgets rule).
EXPLORE_PICKED: Slot[Any] = Slot("ex-picked", "app/app_pages/explore.py", "the gallery click already applied")
INSIDE_NEURON_SEEN: Slot[str] = Slot("in-neuron-seen", "app/app_pages/inside.py", "the ?neuron= already applied")

# Train (app/app_pages/train.py).
TRAIN_JOB: Slot[Any] = Slot("train_job", "app/app_pages/train.py", "this session's training job (running or last)")
TRAIN_DONE_FOR: Slot[Any] = Slot("train_done_for", "app/app_pages/train.py", "the job whose end the page has shown")
TRAIN_ADDED: Slot[Any] = Slot("train_added", "app/app_pages/train.py", "the job whose models joined the session")
TRAIN_UPLOAD_DONE: Slot[str] = Slot("train-upload-done", "app/app_pages/train.py", "the upload already loaded")
TRAIN_UPLOAD_NOTE: Slot[str] = Slot("train-upload-note", "app/app_pages/train.py", "the loaded upload's name")

# Evaluate and What if: heavy requests with Cancel (app/heavy.py keeps each request's progress).
LEADERBOARD_RUN: Slot[Any] = Slot("lb-run-state", "app/evaluate_runs.py", "a leaderboard recompute and its results")
SANITY_RUN: Slot[Any] = Slot("sa-many-state", "app/evaluate_runs.py", "sanity checks over many digits")
ATTACK_CURVES_RUN: Slot[Any] = Slot("wi-ts-state", "app/whatif_testset.py", "test-set attack curves")
MIN_EPS_RUN: Slot[Any] = Slot("wi-me-state", "app/whatif_testset.py", "the minimal-ε search")
WHATIF_EDIT: Slot[Any] = Slot("whatif-edited", "app/whatif_state.py", "(input digest, edited pixels)")
WHATIF_EDITS: Slot[int] = Slot("whatif-edit-count", "app/whatif_state.py", "edits so far (the editor's key)")

# Map (app/map_state.py, app/map_training.py, app/map_seeds.py).
UMAP_JOBS: Slot[dict] = Slot("map-umap-jobs", "app/map_state.py", "background UMAP fits of this session")
TRAINING_RECORDS: Slot[dict] = Slot("training_records", "app/map_training.py", "model key → its TrainingRecord")
SEED_JOB: Slot[Any] = Slot("map-seed-job", "app/map_seeds.py", "the seeds-spread training job")

# Widget keys start with their page's prefix; no page writes a key with another page's prefix.
WIDGET_PREFIXES: dict[str, tuple[str, ...]] = {
    "app/app_pages/draw.py": ("draw", "pad"), "app/app_pages/explore.py": ("ex",),
    "app/app_pages/compare.py": ("cmp",), "app/app_pages/evaluate.py": ("ev", "lb", "sa"),
    "app/app_pages/whatif.py": ("wi",), "app/app_pages/inside.py": ("in",), "app/app_pages/map.py": ("map",),
    "app/app_pages/train.py": ("train",),
}

# URL parameter → the pages that read it (a value is at most MAX_QUERY_VALUE characters).
URL: dict[str, str] = {
    "index": "every page with an input: the test digit to open",
    "target": "Draw, Explore: the class, 'all', or 'a,b' explained",
    "methods": "the method picker of a page", "sanity_methods": "Evaluate's sanity checks",
    "leaderboard_methods": "Evaluate's recompute", "params": "Compare: non-default method parameters",
    "true": "Explore: the true label filter", "pred": "Explore: the predicted label filter",
    "neuron": "Map and Inside: 'hidden1:5', a unit to open",
    "layer": "Map: the layer projected", "proj": "Map: PCA or UMAP", "colour": "Map: the colouring",
    "view": "What if: counterfactual or attack", "to": "What if: the class asked for",
    "norm": "What if: the counterfactual's L2 or L1", "minprob": "What if: the probability asked for",
    "pen": "What if: ink only near the strokes (0/1)", "attack": "What if: FGSM or PGD",
    "anorm": "What if: the attack's L∞ or L2", "eps": "What if: the attack radius",
}
MAX_QUERY_VALUE = 500  # characters of a query-string value we look at


def query_value(name: str) -> str | None:
    """The URL parameter `name` (declared in URL), at most MAX_QUERY_VALUE characters, or None."""
    if name not in URL:
        raise ValueError(f"undeclared URL parameter {name!r}; declare it in app/session.py's URL")
    value = st.query_params.get(name)
    return None if value is None else str(value)[:MAX_QUERY_VALUE]


def set_query(name: str, value: str | None) -> None:
    """Write (or, with None, remove) the declared URL parameter `name`."""
    if name not in URL:
        raise ValueError(f"undeclared URL parameter {name!r}; declare it in app/session.py's URL")
    if value is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != value:
        st.query_params[name] = value
