"""Caches and the per-session UMAP job behind the Map page.

Everything every visitor needs is cached per model digest (LoadedModel.key) and returned as
read-only arrays; a user's own UMAP run lives in that user's session only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from app.streamlit_private import session_alive_check

from app.state.keys import KEYS

from app.state.resources import LoadedModel, bundled_model, job_runner, test_split
from app.state.session import UMAP_JOBS
from explain.atlas.neighbours import Neighbours, neighbours_of
from explain.atlas.neuron_goals import NeuronGoals, maximise_units
from explain.atlas.features import all_layer_features
from explain.atlas.projection import PCAProjection, fit_pca, fit_umap
from model.data import load_mnist
from model.jobs import Job, JobOptions, JobRunner
from model.network import N_PIXELS
from model.paths import assets_dir

SHIPPED_UMAP = "map/umap_bundled.npz"


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)  # shared by every session: nobody may edit it in place
    return a


@st.cache_resource(show_spinner="Reading every layer on the 10,000 test digits…", max_entries=8, hash_funcs=KEYS)
def test_features(loaded: LoadedModel) -> dict[str, np.ndarray]:
    return {layer: _frozen(f) for layer, f in all_layer_features(loaded.model, test_split().images).items()}


@st.cache_resource(show_spinner="Loading the 60,000 training digits…")
def train_split():
    return load_mnist(train=True)


@st.cache_resource(show_spinner="Reading every layer on the 60,000 training digits…", max_entries=4, hash_funcs=KEYS)
def train_features(loaded: LoadedModel) -> dict[str, np.ndarray]:
    split = train_split()
    features = all_layer_features(loaded.model, split.images, with_pixels=False)
    feats = {layer: _frozen(f) for layer, f in features.items()}
    feats["pixels"] = _frozen(split.images.reshape(len(split), N_PIXELS).numpy())  # a view, not a 188 MB copy
    return feats


@st.cache_resource(show_spinner="Projecting with PCA…", max_entries=32, hash_funcs=KEYS)
def pca(loaded: LoadedModel, layer: str) -> tuple[PCAProjection, np.ndarray]:
    """The layer's exact PCA and the 10,000 test digits' coordinates."""
    feats = test_features(loaded)[layer]
    proj = fit_pca(feats)
    return proj, _frozen(proj.transform(feats).astype(np.float32))


@st.cache_data(show_spinner="Finding the nearest training digits…", max_entries=256, hash_funcs=KEYS)
def neighbours(loaded: LoadedModel, x: np.ndarray, layer: str, k: int, metric: str) -> Neighbours:
    """The k training digits nearest to x in `layer` ("pixels": the raw images), cached per input: a search
    normalises 60,000 rows (0.2 s for the pixels)."""
    features = train_features(loaded)[layer]
    return neighbours_of(loaded.model, x, features, train_split().labels.numpy(), layer, k, metric)


def shipped_for_bundled(name: str, digest_key: str) -> tuple[Path, dict[str, Any]] | None:
    """A shipped result under assets/ and its meta, only if the meta's `digest_key` names the bundled
    checkpoint's digest: a result made for other weights would show the wrong thing."""
    from model.digests import file_sha256
    from model.paths import bundled_checkpoint

    path = assets_dir() / name
    meta_path = path.with_name(path.name + ".meta.json")
    if not path.exists() or not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    return (path, meta) if meta.get(digest_key) == file_sha256(bundled_checkpoint()) else None


@st.cache_resource(show_spinner=False)
def shipped_umap() -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """The bundled model's UMAP coordinates from assets/, if present and made from this checkpoint."""
    found = shipped_for_bundled(SHIPPED_UMAP, "checkpoint_sha256")
    if found is None:
        return None
    path, meta = found
    with np.load(path) as npz:
        return {k: _frozen(npz[k].astype(np.float32)) for k in npz.files}, meta


def shipped_coords(loaded: LoadedModel, layer: str) -> np.ndarray | None:
    if loaded.key != bundled_model().key:
        return None
    shipped = shipped_umap()
    return None if shipped is None else shipped[0].get(layer)


@st.cache_resource(show_spinner="Optimising an input for every unit of the layer (one batch)…", max_entries=12,
                   hash_funcs=KEYS)
def neuron_goals(loaded: LoadedModel, layer: str) -> NeuronGoals:
    return maximise_units(loaded.model, layer)


UMAP_BUDGET_S = 300.0  # wall clock per fit (about a minute on 2 cores): no fit holds the server's slot longer
KIND = "umap"  # its cap on the server: app.state.resources.JOB_CAPS
WHY_STOPPED = {"budget": "it ran out of its {minutes:.0f}-minute budget", "owner gone": "its session was closed",
               "cancelled": "cancelled"}


@dataclass(eq=False)  # compared by identity
class UMAPJob:
    """One session's background UMAP fit of one layer of one model: a job of the server's runner
    (app.state.resources.job_runner), at most MAX_UMAP_FITS at once. It stops between epochs on Cancel, when its
    session has been gone for OWNER_GRACE_S or when its budget is spent."""

    model_key: str
    layer: str
    job: Job = field(repr=False)

    @property
    def running(self) -> bool:
        return self.job.running

    @property
    def coords(self) -> np.ndarray | None:
        return self.job.result

    @property
    def status(self) -> tuple[float, str]:
        """The fit's progress (fraction done, message), read once: the two belong together."""
        return self.job.progress or (0.0, "starting")

    @property
    def fraction(self) -> float:
        return self.status[0]

    @property
    def end_reason(self) -> str | None:
        return self.job.end_reason

    @property
    def error(self) -> str | None:
        """Why the last fit gave no map, in words for the page (None after a finished fit or while running)."""
        done = self.job.snapshot()
        why = WHY_STOPPED.get(done.end_reason or "finished")
        return done.error or (why and why.format(minutes=self.job.options.budget_s / 60))

    def cancel(self) -> None:
        self.job.cancel()


def umap_work(features: np.ndarray) -> Callable[[Job], np.ndarray]:
    """The fit as a job's work: progress published to the job, and the job's cancel event checked between
    epochs (the budget and the owner's absence set it too, through `should_stop`)."""

    def work(job: Job) -> np.ndarray:
        def progress(fraction: float, message: str) -> None:
            job.report((fraction, message))
            job.should_stop()

        # A cancelled fit raises model.jobs.Cancelled: the runner records why (Cancel, budget, owner gone).
        return fit_umap(features, progress=progress, stop=job.cancel_event)

    return work


def umap_jobs() -> dict[tuple[str, str], UMAPJob]:
    return UMAP_JOBS.setdefault({})


def start_umap(loaded: LoadedModel, layer: str, runner: JobRunner | None = None) -> UMAPJob:
    """Start this session's fit of `layer`; raises JobRefused when every UMAP slot on the server is busy."""
    features = test_features(loaded)[layer]
    options = JobOptions(KIND, budget_s=UMAP_BUDGET_S, alive=session_alive_check(), name=f"umap-{layer}")
    job = UMAPJob(loaded.key, layer, (runner or job_runner()).submit(umap_work(features), options))
    umap_jobs()[(loaded.key, layer)] = job
    return job
