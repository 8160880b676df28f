"""MNIST, offline, loaded once into memory.

The four original IDX `.gz` files ship in `assets/mnist/`; we read them with numpy (checking the
MD5s torchvision checks) and keep a whole split as one tensor (training slices it, never per-sample
PIL). Not through torchvision: importing it cost the app's first page ~3 s of its start-up.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from model.paths import bundled_mnist_dir

RAW_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
# The MD5s torchvision checks; kept in checkpoint metadata so a model names its data.
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}


@dataclass(frozen=True)
class Split:
    """One MNIST split in memory: images as float pixels in [0, 1], shape (N, 28, 28)."""

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def seed_raw_folder(root: Path, source: Path | None = None) -> None:
    """Copy the bundled `.gz` files into `root/MNIST/raw/` unless they are already there."""
    source = source or bundled_mnist_dir()
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in RAW_FILES:
        target = raw / name
        if not target.exists():
            src = source / name
            if not src.exists():
                raise FileNotFoundError(f"MNIST file {name} is missing from {source}")
            shutil.copyfile(src, target)


def read_idx(path: Path, md5: str | None = None) -> np.ndarray:
    """One IDX file (gzipped, as MNIST ships): its uint8 array; ValueError on a bad digest or header."""
    blob = Path(path).read_bytes()
    if md5 is not None and hashlib.md5(blob).hexdigest() != md5:
        raise ValueError(f"{Path(path).name}: MD5 {hashlib.md5(blob).hexdigest()} is not MNIST's {md5}")
    raw = gzip.decompress(blob)
    if raw[:2] != b"\0\0" or raw[2] != 0x08:  # magic: two zero bytes, then 0x08 = unsigned bytes
        raise ValueError(f"{Path(path).name} is not an IDX file of unsigned bytes")
    dims = np.frombuffer(raw, ">u4", count=raw[3], offset=4).astype(int)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * raw[3]).reshape(dims)


@lru_cache(maxsize=4)
def _load(folder: str, train: bool) -> Split:
    prefix = "train" if train else "t10k"
    images, labels = (read_idx(Path(folder) / f, MNIST_MD5[f])
                      for f in (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"))
    # Shared by every caller in the process, never edited in place.
    return Split(images=torch.from_numpy(images.astype(np.float32) / 255.0), labels=torch.from_numpy(labels.astype(np.int64)))


def load_mnist(train: bool, root: Path | str | None = None) -> Split:
    """The training (60,000) or test (10,000) split, cached per process: the bundled files, or those
    in torchvision's layout `root/MNIST/raw/` when a root is given."""
    folder = Path(root) / "MNIST" / "raw" if root is not None else bundled_mnist_dir()
    return _load(str(folder.resolve()), bool(train))


def mean_digit() -> torch.Tensor:
    """The mean training digit (28×28, pixels), a baseline for attribution methods."""
    return _mean_digit().clone()


@lru_cache(maxsize=1)
def _mean_digit() -> torch.Tensor:
    return load_mnist(train=True).images.mean(dim=0)
