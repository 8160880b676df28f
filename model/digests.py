"""Every digest the project writes or compares, in one place (files, weights)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a file digest needs no torch: the manifest runs without it
    import torch


def file_sha256(path: Path | str) -> str:
    """sha256 of a file's bytes, read in chunks (checkpoints, shipped results, the manifest)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def weights_sha256(model: torch.nn.Module) -> str:
    """A digest of the weights alone (names, shapes, bytes): a checkpoint file's digest also covers its
    metadata, whose creation time differs on every save."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        h.update(t.detach().contiguous().cpu().numpy().tobytes())
    return h.hexdigest()


def input_digest(x: object) -> str:
    """16 hex digits of sha256 over an input's float32 values (every pixel): the shared caches key inputs by
    it (app/state/keys.py), and the maps' caption shows it, so two sessions that show the same input digest
    explained the very same pixels (and their maps' fingerprints must agree too)."""
    import numpy as np

    return hashlib.sha256(np.ascontiguousarray(x, dtype=np.float32).tobytes()).hexdigest()[:16]
