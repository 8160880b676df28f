"""The one place that caches, and the only per-session state the pages share.

Resources (the bundled model) are cached once per process and never mutated; anything a user
changes lives in `st.session_state`, so one session never sees another's choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from model.checkpoint import CheckpointMeta, load_checkpoint
from model.evaluate import EvalReport, evaluate
from model.network import MLP
from model.paths import bundled_checkpoint


@dataclass(frozen=True)
class LoadedModel:
    name: str
    model: MLP
    meta: CheckpointMeta


@st.cache_resource(show_spinner="Loading the bundled model…")
def bundled_model() -> LoadedModel:
    model, meta = load_checkpoint(bundled_checkpoint())
    model.requires_grad_(False)  # shared by all sessions: explainers ask for input gradients only
    return LoadedModel("bundled", model, meta)


@st.cache_data(show_spinner="Evaluating on the 10,000 test digits…", max_entries=8)
def bundled_report() -> EvalReport:
    return evaluate(bundled_model().model)


def active_model() -> LoadedModel:
    """This session's model: the bundled one unless the user trained or uploaded another."""
    return st.session_state.get("active_model") or bundled_model()


@torch.no_grad()
def probabilities(model: MLP, x28: torch.Tensor) -> torch.Tensor:
    """Softmax over the 10 digits for one 28×28 pixel image."""
    return torch.softmax(model(x28.reshape(1, 28, 28)), dim=1)[0]
