"""Every key this app keeps in a session's `st.session_state`, and every URL parameter, in one place.

A `Slot` is one per-session value: its key, the one module that writes it, and what it holds. Pages
and views read and write session values only through slots (tests/test_session_keys.py fails on a
string key anywhere else), so a page never touches another page's state by accident, and renaming a
key is one edit. Widget keys (`key=` of a widget) are the page's own and start with its prefix
(`WIDGET_PREFIXES`); a page that wants another page to open in some state links to it with URL
parameters, which that page reads. `URL` names every query parameter with the pages that read it, and
`link_value` is the one way a page reads one: through a parser that refuses what it cannot use (the
helpers below build them), so a bad link is one warning and the page's default, never an error box.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
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


# The session's current input and the models (app/state/inputs.py, app/state/models.py).
CURRENT_INPUT: Slot[Any] = Slot("current_input", "app/state/inputs.py", "the digit last drawn, picked or uploaded")
INDEX_SEEN: Slot[str] = Slot("_query_index_seen", "app/state/inputs.py", "the ?index= already applied (once per value)")
MODELS: Slot[dict] = Slot("models", "app/state/models.py", "name → LoadedModel: the bundled one and this session's own")
ACTIVE_MODEL: Slot[str] = Slot("active_model_name", "app/state/models.py", "the name of the model every page uses")

# Draw (app/components/drawing_pad, app/app_pages/draw.py).
DRAWING: Slot[Any] = Slot("draw_drawing", "app/components/drawing_pad/__init__.py",
                          "the pad's latest Drawing (outlives the widget)")
DRAW_PIXELS: Slot[Any] = Slot("draw_pixels", "tests", "pixels injected by AppTests, which cannot draw on a component")
DRAW_PREDICTED: Slot[tuple] = Slot("draw_predicted", "app/app_pages/draw.py",
                                 "the latest drawing's (prediction, runner-up): the map settings' defaults")

# Choices that follow the visitor from page to page (app/sections/attribution_maps.py): set only by their own change.
CHOSEN_METHODS: Slot[list] = Slot("chosen-methods", "app/sections/attribution_maps.py", "the methods last picked on any page")
CHOSEN_SCALE: Slot[str] = Slot("chosen-scale", "app/sections/attribution_maps.py", "the colour scale last picked")

# Explore, Inside (the page itself writes these once per click or link, then its widgets rule).
EXPLORE_PICKED: Slot[Any] = Slot("explore-picked", "app/app_pages/explore.py", "the table rows already acted on")
INSIDE_NEURON_SEEN: Slot[str] = Slot("inside-neuron-seen", "app/app_pages/inside.py", "the ?neuron= already applied")

# Train (app/app_pages/train.py).
TRAIN_JOB: Slot[Any] = Slot("train_job", "app/app_pages/train.py", "this session's training job (running or last)")
TRAIN_DONE_FOR: Slot[Any] = Slot("train_done_for", "app/app_pages/train.py", "the job whose end the page has shown")
TRAIN_ADDED: Slot[Any] = Slot("train_added", "app/app_pages/train.py", "the job whose models joined the session")
TRAIN_UPLOAD_DONE: Slot[str] = Slot("train-upload-done", "app/app_pages/train.py", "the upload already loaded")
TRAIN_UPLOAD_NOTE: Slot[str] = Slot("train-upload-note", "app/app_pages/train.py", "the loaded upload's name")

# Evaluate and What if: heavy requests with Cancel (app/sections/long_request.py keeps each request's progress).
LEADERBOARD_RUN: Slot[Any] = Slot("leaderboard-run-state", "app/sections/recompute.py", "a leaderboard recompute and its results")
SANITY_RUN: Slot[Any] = Slot("sanity-many-state", "app/sections/recompute.py", "sanity checks over many digits")
ATTACK_CURVES_RUN: Slot[Any] = Slot("whatif-ts-state", "app/sections/whatif_testset.py", "test-set attack curves")
MIN_EPS_RUN: Slot[Any] = Slot("whatif-me-state", "app/sections/whatif_testset.py", "the minimal-ε search")
WHATIF_PAINT: Slot[Any] = Slot("whatif-painted", "app/components/drawing_pad/__init__.py",
                              "the paint pad's latest Drawing over the digit (app/state/whatif.py drops it on reset)")
CONCEPT_PAD: Slot[Any] = Slot("concepts-pad-drawing", "app/components/drawing_pad/__init__.py",
                              "the Concepts page pad's latest Drawing")
CONCEPT_DRAWN: Slot[list] = Slot("concepts-drawn", "app/app_pages/concepts.py",
                                 "the 28×28 examples drawn for a concept on the Concepts page")
CONCEPT_TCAV_RUN: Slot[Any] = Slot("concepts-tcav-state", "app/sections/tcav_run.py", "the TCAV run with Cancel")
CONCEPT_TCAV_KEPT: Slot[dict] = Slot("concepts-tcav-kept", "app/sections/tcav_run.py",
                                     "(model, examples digest, n_random, seed) → a finished TCAV result, the last few")
CONCEPT_PICKED: Slot[dict] = Slot("concepts-picked", "app/state/concepts.py",
                                  "name → a concept picked on the Map or in Explore (test-digit indices)")
WHATIF_EDITS: Slot[int] = Slot("whatif-edit-count", "app/state/whatif.py", "resets so far (part of the paint id)")

# Map (app/state/atlas.py, app/state/training_records.py, app/sections/atlas_training.py, app/sections/atlas_seeds.py).
UMAP_JOBS: Slot[dict] = Slot("map-umap-jobs", "app/state/atlas.py", "background UMAP fits of this session")
TRAINING_RECORDS: Slot[dict] = Slot("training_records", "app/state/training_records.py", "model key → its TrainingRecord")
SEED_JOB: Slot[Any] = Slot("map-seed-job", "app/sections/atlas_seeds.py", "the seeds-spread training job")

# Data (app/state/trainingdata.py, app/app_pages/data.py): TracIn over a Train-page run's own checkpoints.
RUN_CHECKPOINTS: Slot[dict] = Slot("run-checkpoints", "app/state/trainingdata.py",
                                   "model key → the RunCheckpoints its Train-page run kept (this session's models only)")
TRACIN_CANCELLED: Slot[str] = Slot("data-tracin-cancelled", "app/app_pages/data.py",
                                   "the checkpoint set whose TracIn index build was cancelled (its digest)")

# Workspaces (app/state/workspace.py, app/sections/workspace.py; the store is model/workspaces).
WORKSPACE: Slot[str] = Slot("workspace", "app/state/workspace.py", "this session's workspace id (also ?ws=)")
WORKSPACE_LINK_SEEN: Slot[str] = Slot("workspace-link-seen", "app/state/workspace.py", "the ?ws= already applied")
WORKSPACE_IMPORTED: Slot[str] = Slot("workspace-imported", "app/sections/workspace.py", "the zip upload already imported")
DRAW_OPEN: Slot[dict] = Slot("draw-open", "app/sections/workspace.py",
                             "a saved drawing for the pad to take up: {id, strokes, brush}")

# URL parameters (below): the bad values already warned about, so a link's warning shows once per value.
URL_WARNED: Slot[set] = Slot("url-warned", "app/state/session.py", "(parameter, value) pairs already warned about")

# Widget keys start with their page's prefix; no page writes a key with another page's prefix.
WIDGET_PREFIXES: dict[str, tuple[str, ...]] = {
    "app/app_pages/draw.py": ("draw", "pad"), "app/app_pages/explore.py": ("explore",),
    "app/app_pages/compare.py": ("compare",), "app/app_pages/evaluate.py": ("evaluate", "leaderboard", "sanity"),
    "app/app_pages/whatif.py": ("whatif",), "app/app_pages/inside.py": ("inside",), "app/app_pages/map.py": ("map",),
    "app/app_pages/train.py": ("train",), "app/app_pages/classes.py": ("classes",),
    "app/app_pages/concepts.py": ("concepts",), "app/app_pages/data.py": ("data",),
}

# URL parameter → the pages that read it (a value is at most MAX_QUERY_VALUE characters).
URL: dict[str, str] = {
    "index": "every page with an input: the test digit to open",
    "target": "Draw, Explore: the class, 'all', or 'a,b' explained",
    "methods": "the method picker of a page", "sanity_methods": "Evaluate's sanity checks",
    "leaderboard_methods": "Evaluate's recompute", "known_methods": "Evaluate's known-answer maps", "params": "Compare: non-default method parameters",
    "true": "Explore: the true label filter", "pred": "Explore: the predicted label filter",
    "wrong": "Explore: mistakes only (0/1)", "order": "Explore: index or confidence order",
    "neuron": "Map and Inside: 'hidden1:5', a unit to open (Inside writes the unit it shows)",
    "layer": "Map: the layer projected", "proj": "Map: PCA or UMAP", "colour": "Map: the colouring",
    "view": "What if: counterfactual or attack", "to": "What if: the class asked for",
    "norm": "What if: the counterfactual's L2 or L1", "minprob": "What if: the probability asked for",
    "pen": "What if: ink only near the strokes (0/1)", "attack": "What if: FGSM or PGD",
    "anorm": "What if: the attack's L∞ or L2", "eps": "What if: the attack radius",
    "concept": "Concepts: a built-in concept's name, or 'picked' for the one picked last (Map, Explore)",
    "tab": "Evaluate, Inside, Classes: the open tab (input, leaderboard, sanity, known; weights, conductance, neuron)",
    "metric": "Evaluate: the leaderboard's metric",
    "layout": "Compare: one input, several digits, or two models", "digits": "Compare: the test digits of the grid",
    "ws": "every page: the workspace to open (an unguessable id; app/state/workspace.py)",
    "class_method": "Classes: the method", "mistake": "Classes: the mistake shown, e.g. 4→9",
    "digit_class": "Classes: the class whose strategies show", "k": "Classes: the top-k of the disagreement",
}
MAX_QUERY_VALUE = 500  # characters of a query-string value we look at


def query_value(name: str) -> str | None:
    """The URL parameter `name` (declared in URL), at most MAX_QUERY_VALUE characters, or None."""
    if name not in URL:
        raise ValueError(f"undeclared URL parameter {name!r}; declare it in app/state/session.py's URL")
    value = st.query_params.get(name)
    return None if value is None else str(value)[:MAX_QUERY_VALUE]


def declared_query() -> dict[str, str]:
    """Every declared URL parameter present now (a page's settings, e.g. for a saved view)."""
    return {name: value for name in URL if (value := query_value(name)) is not None}


def set_query(name: str, value: str | None) -> None:
    """Write (or, with None, remove) the declared URL parameter `name`."""
    if name not in URL:
        raise ValueError(f"undeclared URL parameter {name!r}; declare it in app/state/session.py's URL")
    if value is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


# -- reading a link's parameters: one validated parser ----------------------------------------------
class LinkValueError(ValueError):
    """A parser's refusal: the value cannot be used (the message says what can)."""


@dataclass(frozen=True)
class Partly(Generic[T]):
    """What a parser returns for a value it could use only in part: that part, and what it dropped."""

    value: T
    dropped: str


def _warn_once(name: str, raw: str, message: str, part: bool = False) -> None:
    """One warning line per (parameter, value) in a session; `raw` is the visitor's text, shown escaped."""
    from app.safe_text import plain

    warned = URL_WARNED.setdefault(set())
    if (name, raw) not in warned:
        warned.add((name, raw))
        st.warning(f"Ignoring {'part of ' if part else ''}the link's {name}={plain(raw, 40)}: {message}.",
                   icon=":material/link_off:")


def link_value(name: str, parse: Callable[[str], T | Partly[T]], expected: str) -> T | None:
    """The declared URL parameter `name` as `parse` reads it, or None when the link has none.

    A value `parse` refuses (any ValueError, TypeError, KeyError, IndexError or OverflowError) is one
    warning line naming it and saying what is `expected`, once per value in a session, and None: the
    caller keeps its default. A `Partly` result is used, with a warning about the part dropped."""
    raw = query_value(name)
    if raw is None:
        return None
    try:
        value = parse(raw)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        _warn_once(name, raw, expected)
        return None
    if isinstance(value, Partly):
        from app.safe_text import plain

        _warn_once(name, raw, plain(value.dropped, 160), part=True)
        return value.value
    return value


_ASCII_INT = re.compile(r"[+-]?[0-9]{1,12}")


def integer(lo: int, hi: int) -> Callable[[str], int]:
    """Parser: ASCII digits (no '²', no '٣') making an integer in lo..hi."""
    def parse(raw: str) -> int:
        if not _ASCII_INT.fullmatch(raw.strip()) or not lo <= int(raw) <= hi:
            raise LinkValueError(raw)
        return int(raw)
    return parse


def number(lo: float, hi: float) -> Callable[[str], float]:
    """Parser: a finite decimal number in [lo, hi]."""
    def parse(raw: str) -> float:
        value = float(raw)
        if not math.isfinite(value) or not lo <= value <= hi:
            raise LinkValueError(raw)
        return value
    return parse


def choice(options: Sequence[T]) -> Callable[[str], T]:
    """Parser: one of `options`, written as str(option)."""
    def parse(raw: str) -> T:
        for option in options:
            if str(option) == raw:
                return option
        raise LinkValueError(raw)
    return parse


def flag(raw: str) -> bool:
    """Parser: 1 or 0."""
    return {"1": True, "0": False}[raw]


def names(known: Sequence[str], what: str = "name") -> Callable[[str], list[str] | Partly[list[str]]]:
    """Parser: comma-separated names from `known`, each once, in the link's order; unknown ones dropped
    (with a warning), and none known at all refused."""
    def parse(raw: str) -> list[str] | Partly[list[str]]:
        asked = list(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
        good, unknown = [n for n in asked if n in known], [n for n in asked if n not in known]
        if not good:
            raise LinkValueError(raw)
        return Partly(good, f"unknown {what}(s) {', '.join(u[:40] for u in unknown[:5])}") if unknown else good
    return parse


def layer_unit(sizes: Mapping[str, int]) -> Callable[[str], tuple[str, int]]:
    """Parser: 'hidden1:5', a unit of a layer in `sizes` (layer → its number of units), in ASCII digits."""
    def parse(raw: str) -> tuple[str, int]:
        layer, sep, index = raw.partition(":")
        if not sep or layer not in sizes:
            raise LinkValueError(raw)
        return layer, integer(0, sizes[layer] - 1)(index)
    return parse


def unit_ranges(sizes: Mapping[str, int]) -> str:
    """What `layer_unit(sizes)` takes, in words: 'hidden1:5 (hidden1 0–127, hidden2 0–63)'."""
    first = next(iter(sizes))
    return f"use a layer and unit like {first}:5 ({', '.join(f'{k} 0–{n - 1}' for k, n in sizes.items())})"


# -- a widget seeded from the link and mirrored into it ---------------------------------------------
def url_setting(key: str, name: str, default: Any, parse: Callable[[str], Any], what: str) -> None:
    """Seed widget `key` from the link's `?name=` once per value (warn if invalid), else the default."""
    raw, seen = query_value(name), f"{key}-query"
    if raw is not None and st.session_state.get(seen) != raw:
        st.session_state[seen] = raw
        value = link_value(name, parse, what)
        if value is not None:
            st.session_state[key] = value
    st.session_state.setdefault(key, default)


def write_url(key: str, name: str, text: Callable[[Any], str] = str) -> None:
    """Mirror a widget's value into `?name=` (and remember it, so it is not re-applied)."""
    value = text(st.session_state[key])
    set_query(name, value)
    st.session_state[f"{key}-query"] = value
