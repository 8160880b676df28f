"""What every session shares, loaded once per process and never mutated: the bundled model, the test
digits, the shipped leaderboards, the out-of-distribution fit, and the server's one job runner."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from model.checkpoint import CheckpointMeta, load_checkpoint
from model.data import Split, load_mnist
from model.jobs import JobRunner
from model.network import MLP
from model.paths import bundled_checkpoint

LEADERBOARD_FILE = "leaderboard_n10000.csv"  # written by `make assets` (python -m explain.evaluate)


REFERENCES_FILE = "references_n1000.csv"  # the same scores for methods with another reference (make assets)


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


@st.cache_resource(show_spinner=False)
def digit_likeness_fit():
    """The shipped "digit or not" classifier (`make assets` fits it: minutes, never in front of a page),
    or None when assets/ lacks it (the warning is then not shown)."""
    from explain.whatif.ood import DigitLikeness, shipped_path

    return DigitLikeness.load(shipped_path()) if shipped_path().exists() else None


def digit_likeness_score(x: np.ndarray) -> tuple[float, float] | None:
    """(out-of-distribution score, threshold) of one input as the model receives it, or None without a fit;
    see explain.whatif.ood. Shared by all sessions."""
    likeness = digit_likeness_fit()
    return None if likeness is None else (float(likeness.scores(x)[0]), likeness.threshold)


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
