"""Caches behind the Data page: the TracIn index (one per checkpoint set, shared by every session), the
suspect-label rankings per model and split, influence per input; and each session's own label marks.

Everything shared is keyed by digests (the model's weights, the checkpoint set's files, the input's pixels).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import streamlit as st

from app.state.keys import KEYS
from app.state.resources import LoadedModel
from explain.trainingdata.crossval import start_crossval
from explain.trainingdata.influence import (
    Influence,
    build_index,
    bundled_checkpoint_set,
    check_model_matches,
    influence,
)
from explain.trainingdata.label_issues import LabelIssues, label_issues
from explain.trainingdata.tracin import TracInIndex
from model.checkpoint_set import CheckpointSet
from model.data import load_mnist
from model.jobs import Job

CV_JOB_KEY = "data-cv-job"  # this session's re-run of the cross-validation (model.jobs.Job)
MARKS_KEY = "data-marks"  # this session's {(split, index): "looks right" | "mislabelled"}
MARKS = ("looks right", "mislabelled")
SET_KEYS = {**KEYS, CheckpointSet: lambda c: c.digest}


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=KEYS)
def checkpoint_set_for(loaded: LoadedModel) -> CheckpointSet | None:
    """The checkpoint set along this model's training, if one is known (the bundled model ships one)."""
    try:
        cset = bundled_checkpoint_set()
        check_model_matches(loaded.model, cset)
    except ValueError:
        return None
    return cset


@st.cache_resource(show_spinner="Preparing TracIn over the 60,000 training digits (once per server, seconds)…",
                   max_entries=1, hash_funcs=SET_KEYS)
def tracin_index(cset: CheckpointSet) -> TracInIndex:
    return build_index(cset, load_mnist(train=True))


@st.cache_data(show_spinner="Scoring the 60,000 training digits…", max_entries=256, hash_funcs=SET_KEYS)
def influence_of(loaded: LoadedModel, cset: CheckpointSet, x: np.ndarray, target: int | None, k: int) -> Influence:
    return influence(loaded.model, x, k=k, target=target, checkpoints=cset, index=tracin_index(cset))


@st.cache_resource(show_spinner="Ranking the labels…", max_entries=8, hash_funcs=SET_KEYS)
def suspects(loaded: LoadedModel, cset: CheckpointSet | None, split: str, rank_by: str) -> LabelIssues:
    return label_issues(split, model=loaded.model, checkpoints=cset, rank_by=rank_by)


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
