"""The known-answer resources every session shares, loaded once per process and never mutated: the
planted-shortcut model and the shipped known-answer scores (assets/known/, written by `make assets`)."""

from __future__ import annotations

import streamlit as st

from app.state.resources import LoadedModel, make_loaded
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
