"""A set of checkpoints along one training run, for TracIn (the Data page's "which digits taught it this").

An index file (`index.json`) beside the checkpoints names each one with its epoch, the learning-rate factor
TracIn weighs it by (the mean learning rate of the steps since the previous checkpoint) and its sha256, so a
cache of what was computed from a set can be keyed by the digests and never answer for another set.
Checkpoints are safetensors, read by model.checkpoint's validating loader (no pickle, no torch.load).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from model.checkpoint import load_checkpoint, load_checkpoint_bytes
from model.digests import file_sha256
from model.network import MLP

MAX_CHECKPOINTS = 20


@dataclass(frozen=True)
class EpochCheckpoint:
    epoch: int
    path: Path
    lr: float  # TracIn's weight for this checkpoint
    sha256: str
    source: str  # "this run" / "re-run of the recipe" / "the shipped checkpoint": what the file is
    # The file's bytes, for a set held in memory (a Train-page run's, kept in its session); `path` is then a name.
    data: bytes | None = field(default=None, repr=False, compare=False)

    def load(self) -> MLP:
        model, _ = load_checkpoint(self.path) if self.data is None else load_checkpoint_bytes(self.data)
        return model.eval()


@dataclass(frozen=True)
class CheckpointSet:
    checkpoints: tuple[EpochCheckpoint, ...]
    note: str = ""  # for people: where the set comes from

    def __post_init__(self) -> None:
        if not 1 <= len(self.checkpoints) <= MAX_CHECKPOINTS:
            raise ValueError(f"a checkpoint set needs 1..{MAX_CHECKPOINTS} checkpoints, got {len(self.checkpoints)}")
        for c in self.checkpoints:
            if not (math.isfinite(c.lr) and c.lr > 0):
                raise ValueError(f"checkpoint of epoch {c.epoch}: learning-rate factor must be > 0, got {c.lr!r}")

    @property
    def digest(self) -> str:
        """One digest over every checkpoint's file digest and factor: the key of anything computed from the set."""
        text = json.dumps([[c.sha256, c.lr] for c in self.checkpoints])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def epochs(self) -> tuple[int, ...]:
        return tuple(c.epoch for c in self.checkpoints)

    @property
    def nbytes(self) -> int:
        """Bytes held in memory (0 for a set on disk)."""
        return sum(len(c.data) for c in self.checkpoints if c.data is not None)

    def in_memory(self) -> CheckpointSet:
        """The same set with every file read into memory and checked against its digest (same `digest`), so
        the folder it was read from may go."""
        items = []
        for c in self.checkpoints:
            data = Path(c.path).read_bytes() if c.data is None else c.data
            if hashlib.sha256(data).hexdigest() != c.sha256:
                raise ValueError(f"{c.path} does not match its digest: the set changed while it was read")
            items.append(replace(c, data=data))
        return CheckpointSet(tuple(items), self.note)

    @classmethod
    def read(cls, index: Path | str, verify: bool = True) -> CheckpointSet:
        """Read `index.json` (paths relative to it); `verify` checks every file against its digest."""
        index = Path(index)
        raw = json.loads(index.read_text())
        items = []
        for entry in raw["checkpoints"]:
            path = (index.parent / entry["file"]).resolve()
            sha = str(entry["sha256"])
            if verify and file_sha256(path) != sha:
                raise ValueError(f"{path} does not match its digest in {index}: regenerate the set")
            items.append(EpochCheckpoint(int(entry["epoch"]), path, float(entry["lr"]), sha, str(entry["source"])))
        return cls(tuple(items), str(raw.get("note", "")))

    def index_json(self, root: Path, extra: dict | None = None) -> str:
        entries = [{"epoch": c.epoch, "file": Path(_relative(c.path, root)).as_posix(), "lr": c.lr,
                    "sha256": c.sha256, "source": c.source} for c in self.checkpoints]
        return json.dumps({"note": self.note, "checkpoints": entries, **(extra or {})}, indent=2) + "\n"


def _relative(path: Path, root: Path) -> str:
    import os

    return os.path.relpath(Path(path).resolve(), Path(root).resolve())


def cosine_lr_means(lr: float, steps_per_epoch: int, epochs: int, ends: tuple[int, ...], cosine: bool = True
                    ) -> list[float]:
    """The mean learning rate of the steps between consecutive checkpoint epochs (`ends`, ascending; the first
    interval starts at step 0), for model.train's schedule: cosine to zero over the run, or constant."""
    total = steps_per_epoch * epochs
    means, start = [], 0
    for end in ends:
        stop = end * steps_per_epoch
        if not start < stop <= total:
            raise ValueError(f"checkpoint epochs must ascend within 1..{epochs}, got {ends!r}")
        # the optimiser's step t (0-based) uses the rate the scheduler set after t steps
        rates = [lr * 0.5 * (1 + math.cos(math.pi * t / total)) if cosine else lr for t in range(start, stop)]
        means.append(sum(rates) / len(rates))
        start = stop
    return means
