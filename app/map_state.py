"""Caches and the per-session UMAP job behind the Map page.

Everything every visitor needs is cached per model digest (LoadedModel.key) and returned as
read-only arrays; a user's own UMAP run lives in that user's session only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from app.session import UMAP_JOBS
from app.state import LoadedModel, bundled_model, input_digest, session_alive_check, test_split
from explain.atlas.features import all_layer_features
from explain.atlas.neighbours import Neighbours, neighbours_of
from explain.atlas.neuron_goals import NeuronGoals, maximise_units
from explain.atlas.projection import Cancelled, PCAProjection, fit_pca, fit_umap
from model.data import load_mnist
from model.jobs import OwnerWatch, TrainingSlots
from model.network import MLP, N_PIXELS
from model.paths import assets_dir

SHIPPED_UMAP = "map/umap_bundled.npz"


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)  # shared by every session: nobody may edit it in place
    return a


@st.cache_resource(show_spinner="Reading every layer on the 10,000 test digits…", max_entries=8)
def test_features(model_key: str, _model: MLP) -> dict[str, np.ndarray]:
    return {layer: _frozen(f) for layer, f in all_layer_features(_model, test_split().images).items()}


@st.cache_resource(show_spinner="Loading the 60,000 training digits…")
def train_split():
    return load_mnist(train=True)


@st.cache_resource(show_spinner="Reading every layer on the 60,000 training digits…", max_entries=4)
def train_features(model_key: str, _model: MLP) -> dict[str, np.ndarray]:
    split = train_split()
    feats = {layer: _frozen(f) for layer, f in all_layer_features(_model, split.images, with_pixels=False).items()}
    feats["pixels"] = _frozen(split.images.reshape(len(split), N_PIXELS).numpy())  # a view, not a 188 MB copy
    return feats


@st.cache_resource(show_spinner="Projecting with PCA…", max_entries=32)
def pca(model_key: str, layer: str, _model: MLP) -> tuple[PCAProjection, np.ndarray]:
    """The layer's exact PCA and the 10,000 test digits' coordinates."""
    feats = test_features(model_key, _model)[layer]
    proj = fit_pca(feats)
    return proj, _frozen(proj.transform(feats).astype(np.float32))


@st.cache_data(show_spinner="Finding the nearest training digits…", max_entries=256)
def _neighbours(model_key: str, x_key: str, layer: str, k: int, metric: str, _model: MLP, _x: np.ndarray
                ) -> Neighbours:
    return neighbours_of(_model, _x, train_features(model_key, _model)[layer], train_split().labels.numpy(), layer, k,
                         metric)


def neighbours(loaded: LoadedModel, x: np.ndarray, layer: str, k: int, metric: str) -> Neighbours:
    """The k training digits nearest to x in `layer` ("pixels": the raw images), cached per input: a search
    normalises 60,000 rows (0.2 s for the pixels)."""
    return _neighbours(loaded.key, input_digest(x), layer, k, metric, loaded.model, x)


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


@st.cache_resource(show_spinner="Optimising an input for every unit of the layer (one batch)…", max_entries=12)
def neuron_goals(model_key: str, layer: str, _model: MLP) -> NeuronGoals:
    return maximise_units(_model, layer)


UMAP_BUDGET_S = 300.0  # wall clock per fit (about a minute on 2 cores): no fit holds the server's slot longer
MAX_UMAP_FITS = 1  # at once, across all sessions: a fit keeps a core busy (or both) for a minute


@dataclass
class UMAPJob:
    """One session's background UMAP fit of one layer of one model.

    Owned like a training job (model.jobs): it stops between epochs when its session has been gone for
    OWNER_GRACE_S, when its budget is spent or on Cancel, and it runs in a server-wide slot (`umap_slots`)."""

    model_key: str
    layer: str
    features: np.ndarray | None = field(default=None, repr=False)
    alive: Callable[[], bool] | None = None
    budget_s: float = UMAP_BUDGET_S
    stop: threading.Event = field(default_factory=threading.Event)
    fraction: float = 0.0
    message: str = "starting"
    coords: np.ndarray | None = None
    error: str | None = None
    end_reason: str | None = None  # "finished", "cancelled", "budget", "owner gone" or "failed"
    started: float = 0.0
    on_done: Callable[[], None] | None = None  # set by the slots: frees the server's slot
    thread: threading.Thread | None = None
    _owner: OwnerWatch | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def remaining_s(self) -> float:
        return self.budget_s if not self.started else max(0.0, self.budget_s - (time.monotonic() - self.started))

    def start(self) -> UMAPJob:
        self.started, self._owner = time.monotonic(), OwnerWatch(self.alive)
        self.thread = threading.Thread(target=self._run, name=f"umap-{self.layer}", daemon=True)
        self.thread.start()
        return self

    def _progress(self, fraction: float, message: str) -> None:
        """Called between phases and epochs: also where the fit learns that it should end."""
        self.fraction, self.message = fraction, message
        if self.stop.is_set():
            return
        if self.remaining_s() <= 0:
            self.end_reason = "budget"
            self.stop.set()
        elif self._owner is not None and self._owner.gone():
            self.end_reason = "owner gone"
            self.stop.set()

    def _run(self) -> None:
        try:
            self.coords = fit_umap(self.features, progress=self._progress, stop=self.stop)
            self.end_reason = "finished"
        except Cancelled:
            self.end_reason = self.end_reason or "cancelled"
            self.error = {"budget": f"it ran out of its {self.budget_s / 60:.0f}-minute budget",
                          "owner gone": "its session was closed"}.get(self.end_reason, "cancelled")
        except Exception as exc:  # shown to the user; the thread must never die silently
            self.end_reason, self.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            self.features = None  # the layer's features stay cached; this job no longer needs them
            if self.on_done is not None:
                self.on_done()


def umap_jobs() -> dict[tuple[str, str], UMAPJob]:
    return UMAP_JOBS.setdefault({})


@st.cache_resource
def umap_slots() -> TrainingSlots:
    """Server-wide: how many UMAP fits may run at once (sessions share it, like training's slots)."""
    return TrainingSlots(MAX_UMAP_FITS)


def start_umap(loaded: LoadedModel, layer: str) -> UMAPJob | None:
    """Start this session's fit of `layer`, or None when every UMAP slot on the server is busy."""
    job = UMAPJob(loaded.key, layer, test_features(loaded.key, loaded.model)[layer], alive=session_alive_check())
    if not umap_slots().try_start(job):
        return None
    umap_jobs()[(loaded.key, layer)] = job
    return job
