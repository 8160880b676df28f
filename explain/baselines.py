"""Reference inputs in pixel space (the model normalises inside, so zero is MNIST's black)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from scipy import ndimage

from model.data import load_mnist, mean_digit


def make_baseline(kind: str, x: torch.Tensor, seed: int, blur_sigma: float = 3.0) -> torch.Tensor:
    """A baseline shaped like x (1, 1, 28, 28): zero, mean digit, blurred x, or uniform noise."""
    if kind == "zero":
        return torch.zeros_like(x)
    if kind == "mean":
        return mean_digit().reshape(x.shape).to(x.dtype)
    if kind == "blur":
        blurred = ndimage.gaussian_filter(x.detach().numpy().reshape(28, 28), sigma=blur_sigma)
        return torch.from_numpy(blurred.astype(np.float32)).reshape(x.shape)
    if kind == "noise":
        gen = torch.Generator().manual_seed(seed)
        return torch.rand(x.shape, generator=gen, dtype=x.dtype)
    raise ValueError(f"unknown baseline {kind!r}; use zero, mean, blur or noise")


def background(size: int, seed: int) -> torch.Tensor:
    """`size` training digits drawn without replacement by `seed`, shape (size, 1, 28, 28)."""
    return _background(int(size), int(seed))


@lru_cache(maxsize=32)
def _background(size: int, seed: int) -> torch.Tensor:
    train = load_mnist(train=True)
    gen = torch.Generator().manual_seed(10_000 + seed)
    idx = torch.randperm(len(train), generator=gen)[:size]
    return train.images[idx].reshape(size, 1, 28, 28).clone()


def grid_mask(cell: int) -> torch.Tensor:
    """Superpixels as a square grid: (1, 1, 28, 28) int64 labels 0..k−1, row-major."""
    return _grid_mask(int(cell)).clone()


@lru_cache(maxsize=16)
def _grid_mask(cell: int) -> torch.Tensor:
    if not 1 <= cell <= 28:
        raise ValueError(f"grid cell must be in 1..28 px, got {cell}")
    per_row = -(-28 // cell)
    r = torch.arange(28) // cell
    return (r[:, None] * per_row + r[None, :]).reshape(1, 1, 28, 28)
