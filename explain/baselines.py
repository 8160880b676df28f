"""Reference inputs in pixel space (the model normalises inside, so zero is MNIST's black)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from scipy import ndimage

from model.data import load_mnist, mean_digit
from model.network import IMAGE_SIDE


def _zero(x: torch.Tensor, seed: int, sigma: float) -> torch.Tensor:
    return torch.zeros_like(x)


def _mean(x: torch.Tensor, seed: int, sigma: float) -> torch.Tensor:
    return mean_digit().reshape(1, 1, IMAGE_SIDE, IMAGE_SIDE).to(x.dtype).expand_as(x).clone()


def _blur(x: torch.Tensor, seed: int, sigma: float) -> torch.Tensor:
    blurred = ndimage.gaussian_filter(x.detach().numpy(), sigma=(0, 0, sigma, sigma))
    return torch.from_numpy(blurred.astype(np.float32))


def _noise(x: torch.Tensor, seed: int, sigma: float) -> torch.Tensor:
    # One noise image from the seed, the same for every digit: a digit's reference never depends
    # on its batch-mates.
    gen = torch.Generator().manual_seed(seed)
    return torch.rand((1, 1, IMAGE_SIDE, IMAGE_SIDE), generator=gen, dtype=x.dtype).expand_as(x).clone()


_BASELINES = {"zero": _zero, "mean": _mean, "blur": _blur, "noise": _noise}


def make_baseline(kind: str, x: torch.Tensor, seed: int, blur_sigma: float = 3.0) -> torch.Tensor:
    """One reference per digit, shaped like x (N, 1, 28, 28): zero, mean digit, blurred x, or noise."""
    if kind not in _BASELINES:
        raise ValueError(f"unknown baseline {kind!r}; use one of {list(_BASELINES)}")
    return _BASELINES[kind](x.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE), seed, blur_sigma).reshape(x.shape)


def background(size: int, seed: int) -> torch.Tensor:
    """`size` training digits drawn without replacement by `seed`, shape (size, 1, 28, 28)."""
    return _background(int(size), int(seed))


@lru_cache(maxsize=32)
def _background(size: int, seed: int) -> torch.Tensor:
    train = load_mnist(train=True)
    gen = torch.Generator().manual_seed(10_000 + seed)
    idx = torch.randperm(len(train), generator=gen)[:size]
    return train.images[idx].reshape(size, 1, IMAGE_SIDE, IMAGE_SIDE).clone()


def grid_mask(cell: int) -> torch.Tensor:
    """Superpixels as a square grid: (1, 1, 28, 28) int64 labels 0..k−1, row-major."""
    return _grid_mask(int(cell)).clone()


@lru_cache(maxsize=16)
def _grid_mask(cell: int) -> torch.Tensor:
    if not 1 <= cell <= IMAGE_SIDE:
        raise ValueError(f"grid cell must be in 1..28 px, got {cell}")
    per_row = -(-IMAGE_SIDE // cell)
    r = torch.arange(IMAGE_SIDE) // cell
    return (r[:, None] * per_row + r[None, :]).reshape(1, 1, IMAGE_SIDE, IMAGE_SIDE)
