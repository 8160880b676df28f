"""Caches behind the Data page: the TracIn index (one per checkpoint set, shared by every session), the
suspect-label rankings per model and split, influence per input; and each session's own label marks.

Everything shared is keyed by digests (the model's weights, the checkpoint set's files, the input's pixels).
A model trained on the Train page keeps its own checkpoints in this session (`keep_run_checkpoints`); its
index is built with a progress bar by the page (`build_run_index`), one such index at a time on the server.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from app.state.keys import KEYS
from app.state.models import session_models
from app.state.resources import LoadedModel
from app.state.session import RUN_CHECKPOINTS
from explain.trainingdata.crossval import start_crossval
from explain.trainingdata.influence import (
    Influence,
    build_index,
    bundled_checkpoint_set,
    check_index_size,
    check_model_matches,
    influence,
)
from explain.trainingdata.label_issues import LabelIssues, label_issues
from explain.trainingdata.tracin import TracInIndex
from model.checkpoint_set import CheckpointSet
from model.data import load_mnist
from model.jobs import Job
from model.run_checkpoints import RunCheckpoints

CV_JOB_KEY = "data-cv-job"  # this session's re-run of the cross-validation (model.jobs.Job)
MARKS_KEY = "data-marks"  # this session's {(split, index): "looks right" | "mislabelled"}
MARKS = ("looks right", "mislabelled")
NO_CHECKPOINTS = ("it has no checkpoints along its own training (uploads and older saved models have none; the "
                  "bundled model and Train-page runs keep theirs)")


@dataclass(frozen=True)
class TracInSource:
    """The active model's checkpoint set for TracIn (None: `why_not` says why in one line), the training rows
    it was trained on (None: all 60,000) and whether the set is this session's own run's."""

    checkpoints: CheckpointSet | None
    rows: np.ndarray | None = None
    own: bool = False
    why_not: str = ""

    @property
    def key(self) -> str:
        """The cache key: the set's digest and the rows (never another model's or set's answers)."""
        rows = "all" if self.rows is None else hashlib.sha256(np.ascontiguousarray(self.rows).tobytes()).hexdigest()[:16]
        return f"{self.checkpoints.digest if self.checkpoints is not None else 'none'}:{rows}"


SET_KEYS = {**KEYS, CheckpointSet: lambda c: c.digest, TracInSource: lambda s: s.key}


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=KEYS)
def checkpoint_set_for(loaded: LoadedModel) -> CheckpointSet | None:
    """The shipped checkpoint set along this model's training, if it matches (only the bundled model's does)."""
    try:
        cset = bundled_checkpoint_set()
        check_model_matches(loaded.model, cset)
    except ValueError:
        return None
    return cset


def keep_run_checkpoints(model_key: str, kept: RunCheckpoints | None) -> None:
    """After a Train-page run: keep what it kept beside its model, for this session only. Bounded with the
    models: a model the session dropped (app.state.models keeps six) takes its checkpoints with it."""
    store = RUN_CHECKPOINTS.setdefault({})
    if kept is not None:
        store[model_key] = kept
    live = {m.key for m in session_models().values()}
    for key in [k for k in store if k not in live]:
        del store[key]


def run_checkpoints_of(loaded: LoadedModel) -> RunCheckpoints | None:
    """What this session's Train-page run of `loaded` kept (or a workspace reopened with it), if anything."""
    return RUN_CHECKPOINTS.get({}).get(loaded.key)


def tracin_source(loaded: LoadedModel) -> TracInSource:
    """Which checkpoints TracIn uses for this model: its own Train-page run's, else the shipped set when the
    model is the bundled one, else none (with the reason)."""
    own = run_checkpoints_of(loaded)
    if own is not None:
        if own.checkpoints is None:
            return TracInSource(None, why_not=f"it was trained here, but {own.note}")
        try:
            check_index_size(own.checkpoints)
        except ValueError as exc:
            return TracInSource(None, why_not=str(exc))
        return TracInSource(own.checkpoints, own.rows, own=True)
    cset = checkpoint_set_for(loaded)
    return TracInSource(cset) if cset is not None else TracInSource(None, why_not=NO_CHECKPOINTS)


class _NotBuilt(Exception):
    """No run index under this digest yet (raised, so the cache keeps nothing)."""


@st.cache_resource(show_spinner=False, max_entries=1, hash_funcs=SET_KEYS)
def _run_index(cset: CheckpointSet, _built: TracInIndex | None = None) -> TracInIndex:
    """A Train-page run's TracIn index (~0.5 GB for the default model: one at a time on the server), keyed by
    its set's digest. Built with progress by the page (`build_run_index`), never here."""
    if _built is None:
        raise _NotBuilt
    return _built


def run_index(cset: CheckpointSet) -> TracInIndex | None:
    """The run's index if the server holds it now, else None (nothing is built)."""
    try:
        return _run_index(cset)
    except _NotBuilt:
        return None


def build_run_index(cset: CheckpointSet, on_progress: Callable[[float], None]) -> TracInIndex:
    """Build a run's index over the 60,000 training digits, calling `on_progress(fraction)` as it goes (the
    page's progress bar: where a Cancel click stops the script), and keep it."""
    return _run_index(cset, build_index(cset, load_mnist(train=True), on_progress))


@st.cache_resource(show_spinner="Preparing TracIn over the 60,000 training digits (once per server, seconds)…",
                   max_entries=1, hash_funcs=SET_KEYS)
def tracin_index(cset: CheckpointSet) -> TracInIndex:
    return build_index(cset, load_mnist(train=True))


def index_for(source: TracInSource) -> TracInIndex | None:
    """The source's index: the shipped set's is built here (spinner, seconds); a run's only if already built."""
    if source.checkpoints is None:
        return None
    return run_index(source.checkpoints) if source.own else tracin_index(source.checkpoints)


@st.cache_data(show_spinner="Scoring the 60,000 training digits…", max_entries=256, hash_funcs=SET_KEYS)
def influence_of(loaded: LoadedModel, source: TracInSource, x: np.ndarray, target: int | None, k: int,
                 _index: TracInIndex) -> Influence:
    """Proponents and opponents among the digits the model trained on (`_index`: the source's, from index_for
    or build_run_index; the key is the source's digest and rows)."""
    return influence(loaded.model, x, k=k, target=target, checkpoints=source.checkpoints, index=_index,
                     among=source.rows)


@st.cache_resource(show_spinner="Ranking the labels…", max_entries=8, hash_funcs=SET_KEYS)
def suspects(loaded: LoadedModel, cset: CheckpointSet | None, split: str, rank_by: str,
             _index: TracInIndex | None = None) -> LabelIssues:
    """`_index`: the set's TracIn index where the training split's self-influence needs it (a run's set)."""
    return label_issues(split, model=loaded.model, checkpoints=cset, rank_by=rank_by, index=_index)


def start_cv_job() -> Job:
    """This session's re-run of the 5-fold cross-validation, counted as a training job on this server
    (raises model.jobs.JobRefused when every training slot is busy)."""
    from app.state.resources import job_runner
    from app.streamlit_private import session_alive_check

    job = start_crossval(job_runner(), load_mnist(train=True), alive=session_alive_check(), kind="train")
    st.session_state[CV_JOB_KEY] = job
    return job


def cv_job() -> Job | None:
    return st.session_state.get(CV_JOB_KEY)


def marks() -> dict[tuple[str, int], str]:
    return st.session_state.setdefault(MARKS_KEY, {})


def marks_csv(marked: dict[tuple[str, int], str], given: dict[str, np.ndarray],
              suggested: dict[tuple[str, int], int]) -> str:
    """The marks as CSV: split, index, given label, suggested label, mark."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["split", "index", "given", "suggested", "mark"])
    for (split, i), mark in sorted(marked.items()):
        w.writerow([split, i, int(given[split][i]), suggested.get((split, i), ""), mark])
    return buf.getvalue()


def corrected_accuracy(predictions: np.ndarray, labels: np.ndarray, marked: dict[tuple[str, int], str],
                       suggested: dict[tuple[str, int], int]) -> float:
    """Test accuracy when every test digit marked "mislabelled" takes its suggested label instead."""
    fixed = labels.copy()
    for (split, i), mark in marked.items():
        if split == "test" and mark == "mislabelled" and (split, i) in suggested:
            fixed[i] = suggested[(split, i)]
    return float((predictions == fixed).mean())


def _shipped_json(name: str) -> dict | None:
    """A shipped result made from the bundled checkpoint (its digest matches), else None."""
    import json

    from model.digests import file_sha256
    from model.paths import assets_dir, bundled_checkpoint

    path = assets_dir() / name
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    digest = record.get("checkpoint_sha256")
    return record if digest in (None, file_sha256(bundled_checkpoint())) else None


@st.cache_resource(show_spinner=False)
def shipped_data_randomisation() -> dict | None:
    return _shipped_json("data/data_randomisation.json")


@st.cache_resource(show_spinner=False)
def shipped_cascade() -> dict | None:
    return _shipped_json("sanity/cascade_n100.json")
