"""A Train-page run's own checkpoints, held in memory beside the model it made (the session keeps both).

The run keeps ~5 epochs with model.epoch_checkpoints (`spread_epochs`, `keep_epochs`) and writes them with its
`write_set` into a temporary folder, read back into memory at once (`CheckpointSet.in_memory`, same digest):
nothing of a session stays on the server's disk and nothing is shared with another session. The set always
ends at the weights the run kept, so TracIn explains the very model the session uses.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from model.checkpoint_set import CheckpointSet
from model.epoch_checkpoints import write_set
from model.train import TrainConfig, TrainResult, training_rows

MAX_SET_BYTES = 16 * 2**20  # per run (the bundled recipe's five: 2 MB); a workspace model may be 16 MB too


@dataclass(frozen=True)
class RunCheckpoints:
    """What a run kept for TracIn: its checkpoint set (None, and `note` says why, when it kept none) and the
    rows of the 60,000 training digits it trained on (proponents and opponents are chosen among them)."""

    checkpoints: CheckpointSet | None
    rows: np.ndarray | None
    note: str
    config: TrainConfig | None = None  # the run's recipe: `rows` follow from it (a saved set keeps only this)
    n_train: int = 60_000  # the size of the training split `rows` index

    @property
    def nbytes(self) -> int:
        return 0 if self.checkpoints is None else self.checkpoints.nbytes + (self.rows.nbytes if self.rows is not None
                                                                             else 0)


def state_bytes(state: dict[str, torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in state.values())


def run_checkpoints(result: TrainResult, kept: dict[int, dict[str, torch.Tensor]], n_train: int = 60_000
                    ) -> RunCheckpoints:
    """The set of a finished or stopped run: the kept epochs up to the one whose weights the run kept (a
    stopped run keeps its best completed epoch, added from `result.model` when it was not among them).
    `n_train`: the size of the training split the run drew its rows from."""
    last = result.best_epoch if result.stopped and result.best_epoch else result.epochs_completed
    if last < 1:
        return RunCheckpoints(None, None, "the run stopped before its first epoch ended, so it kept no checkpoints")
    chosen = {e: s for e, s in kept.items() if 1 <= e < last}
    chosen[last] = {k: v.detach().clone() for k, v in result.model.state_dict().items()}  # the model, exactly
    size = sum(state_bytes(s) for s in chosen.values())
    if size > MAX_SET_BYTES:
        return RunCheckpoints(None, None, f"its {len(chosen)} checkpoints would take {size / 2**20:.1f} MB; a run may "
                                          f"keep at most {MAX_SET_BYTES / 2**20:.0f} MB")
    note = (f"this Train-page run (seed {result.config.seed}): epochs kept along its own training, ending at the "
            "weights it kept")
    try:
        with tempfile.TemporaryDirectory(prefix="digit-lens-run-") as tmp:
            cset = write_set(Path(tmp), result, chosen, note).in_memory()
    except (OSError, ValueError) as exc:  # the model itself is fine: keep it, without TracIn
        return RunCheckpoints(None, None, f"its checkpoints could not be written ({exc})")
    return kept_run(cset, result.config, n_train)


def kept_run(cset: CheckpointSet, config: TrainConfig, n_train: int = 60_000) -> RunCheckpoints:
    """A run's set with the rows its recipe trained on (after a run, or read back from a workspace)."""
    rows = training_rows(config, n_train).numpy()
    rows.setflags(write=False)
    return RunCheckpoints(cset, rows, cset.note, config, n_train)
