"""The Map page's training records: the bundled model's (shipped in assets/, made by re-running its seeded
training with recording on; used only while its meta names this very checkpoint) and those of models
trained on the Train page in this session. Other models (uploaded ones) have none.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from app.state.atlas import shipped_for_bundled
from app.state.resources import LoadedModel, bundled_model
from app.state.session import TRAINING_RECORDS
from explain.atlas.training_record import TrainingRecord, load_record

SHIPPED_RECORD = "map/training_record.npz"


@st.cache_resource(show_spinner=False)
def shipped_record() -> tuple[TrainingRecord, dict[str, Any]] | None:
    """The bundled model's training record, if present and made against this very checkpoint: either
    its run ended at these weights bit for bit on the machine that made both, or it is a run of the same
    recipe (said on the page)."""
    found = shipped_for_bundled(SHIPPED_RECORD, "bundled_checkpoint_sha256")
    if found is None:
        return None
    path, meta = found
    if not (meta.get("bundled_weights_match") or meta.get("same_recipe_as_bundled")):
        return None
    record = load_record(path)
    for value in vars(record).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)  # shared by every session: nobody may edit it in place
    return record, meta


def remember_record(model_key: str, record: TrainingRecord) -> None:
    """Keep a Train-page run's record for the model it produced (this session only)."""
    TRAINING_RECORDS.setdefault({})[model_key] = record


def record_for(loaded: LoadedModel) -> tuple[TrainingRecord, str, str | None] | None:
    """(record, where it comes from, a warning or None) for the active model, if it has one."""
    own = TRAINING_RECORDS.get({}).get(loaded.key)
    if own is not None:
        return own, "recorded during this session's training run", None
    if loaded.key == bundled_model().key:
        shipped = shipped_record()
        if shipped is not None:
            meta = shipped[1]
            warning = None if meta.get("bundled_weights_match") else (
                f"This record is a re-run of the bundled model's recipe (same seed and settings) that did not end at "
                f"the shipped weights bit for bit: it reached {meta.get('test_accuracy', 0):.2%} test accuracy, the "
                f"shipped model {meta.get('bundled_test_accuracy') or 0:.2%}. Its epochs show how this recipe learns, "
                "not the shipped model's own history.")
            return shipped[0], f"shipped with the bundled model (`{meta.get('command', '?')}`)", warning
    return None


def recorder_factory():
    """For the Train page's job: a recorder per run, probing the session's current drawing too."""
    from app.state.inputs import get_current
    from app.state.resources import test_split
    from explain.atlas.training_record import TrainingRecorder, default_probes

    current = get_current()
    extra = current.x if current is not None and current.source != "test" else None
    probes = default_probes(test_split(), extra)
    return lambda config: TrainingRecorder(probes, test=test_split(), seed=config.seed)


def keep_record(model_key: str, hook: Any) -> None:
    """After a Train-page run: finish its recorder (if it recorded anything) and keep the record."""
    try:
        record = hook.finish() if hook is not None else None
    except ValueError:  # stopped before the first epoch's record: nothing to show
        return
    if record is not None:
        remember_record(model_key, record)
