"""MNIST, offline, loaded once into memory.

torchvision's `datasets.MNIST(root, download=True)` skips the network when the original `.gz`
files with the right MD5 already sit in `root/MNIST/raw/`; we seed that folder from the bundled
copies, then keep the whole split as one uint8 tensor (training slices it, never per-sample PIL).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from torchvision import datasets

from model.paths import bundled_mnist_dir, data_cache_dir

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


@lru_cache(maxsize=4)
def _load(root: str, train: bool) -> Split:
    seed_raw_folder(Path(root))
    ds = datasets.MNIST(root, train=train, download=True)
    images = ds.data.to(torch.float32).div_(255.0)
    labels = ds.targets.to(torch.int64)
    # Shared by every caller in the process: freeze it against accidental in-place edits.
    images.requires_grad_(False)
    return Split(images=images, labels=labels)


def load_mnist(train: bool, root: Path | str | None = None) -> Split:
    """The training (60,000) or test (10,000) split, cached per process."""
    root = Path(root) if root is not None else data_cache_dir()
    return _load(str(root.resolve()), bool(train))


def mean_digit() -> torch.Tensor:
    """The mean training digit (28×28, pixels), a baseline for attribution methods."""
    return _mean_digit().clone()


@lru_cache(maxsize=1)
def _mean_digit() -> torch.Tensor:
    return load_mnist(train=True).images.mean(dim=0)
