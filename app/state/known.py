"""The known-answer resources every session shares, loaded once per process and never mutated: the
planted-shortcut model and the shipped known-answer scores (assets/known/, written by `make assets`)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.state.keys import KEYS
from app.state.resources import LoadedModel, make_loaded, test_split
from explain.known.scores import KnownScores
from explain.known.shipped import load_shipped, scores_of, shortcut_checkpoint


@st.cache_resource(show_spinner="Loading the planted-shortcut model…")
def shortcut_model() -> LoadedModel | None:
    """The model trained with the planted patch, or None when assets/ lacks it."""
    from model.checkpoint import load_checkpoint

    path = shortcut_checkpoint()
    if not path.is_file():
        return None
    model, meta = load_checkpoint(path)
    return make_loaded("planted shortcut", model, meta)


@st.cache_resource(show_spinner=False)
def shipped_known() -> dict | None:
    """The shipped record (both models' scores and reliance), or None."""
    return load_shipped()


def shipped_scores(model: str) -> KnownScores | None:
    record = shipped_known()
    return None if record is None else scores_of(record, model)


@st.cache_resource(show_spinner=False)
def shipped_border() -> dict | None:
    """The border watermark's shipped record (its model's scores and reliance), or None."""
    from explain.known.shipped import BORDER_FILE

    return load_shipped(BORDER_FILE)


@st.cache_data(show_spinner=False, max_entries=16)
def builtin_examples(name: str, n: int, seed: int) -> np.ndarray:
    from explain.known.concepts import builtin_concept

    return builtin_concept(name, test_split(), n, seed).numpy()


@st.cache_resource(show_spinner=False)
def shipped_tcav() -> dict | None:
    from explain.known.shipped import load_shipped_tcav

    return load_shipped_tcav()


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=KEYS)
def _weights_prefix(loaded: LoadedModel) -> str:
    from model.digests import weights_sha256

    return f"mlp-{weights_sha256(loaded.model)[:16]}-"


def shipped_tcav_for(loaded: LoadedModel, concept: str | None, n_examples: int, n_random: int, seed: int
                     ) -> dict | None:
    """The shipped result when it is this model's (by its weights) for this built-in concept with these settings,
    else None (then app.sections.tcav_run computes it, with progress and Cancel)."""
    record = shipped_tcav()
    if record is None or concept is None or (record["examples"], record["n_random"], record["seed"]) != (
            n_examples, n_random, seed):
        return None
    for entry in record["models"].values():
        found = entry["concepts"].get(concept)
        if found is not None and found["model_id"].startswith(_weights_prefix(loaded)):
            return found
    return None
