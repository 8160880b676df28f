"""Concepts as examples: built in, as transforms of real test digits where the concept is clear (thick or
thin strokes by grey dilation / erosion, slant by shear, small or large by zoom, the planted patch), or
read from a user's .npz (untrusted: no pickle, bounded size and shape)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

from model.constants import IMAGE_SIDE
from model.data import Split
from model.shortcut import PATCH

MAX_NPZ_BYTES = 5 * 1024 * 1024
MAX_EXAMPLES = 500
MIN_EXAMPLES = 5
MAX_PICKED = 200  # digits a picked concept keeps (a seeded sample of a larger selection)
CENTRE = (IMAGE_SIDE - 1) / 2


def _affine(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Each (28, 28) image mapped by the 2×2 `matrix` about the centre (output → input coordinates)."""
    full = np.eye(3)
    full[1:, 1:] = matrix
    offset = np.array([0.0, CENTRE, CENTRE]) - full @ np.array([0.0, CENTRE, CENTRE])
    return ndimage.affine_transform(x, full, offset=offset, order=1, mode="constant", cval=0.0)


def thick(x: np.ndarray) -> np.ndarray:
    return ndimage.grey_dilation(x, size=(1, 3, 3))


def thin(x: np.ndarray) -> np.ndarray:
    return ndimage.grey_erosion(x, size=(1, 2, 2))


def slant(x: np.ndarray) -> np.ndarray:
    return _affine(x, np.array([[1.0, 0.0], [0.35, 1.0]]))  # each row shifted by 0.35 px per row from the centre


def small(x: np.ndarray) -> np.ndarray:
    return _affine(x, np.eye(2) / 0.6)


def large(x: np.ndarray) -> np.ndarray:
    return _affine(x, np.eye(2) / 1.35)


def patch(x: np.ndarray) -> np.ndarray:
    return PATCH.apply(torch.from_numpy(x)).numpy()


# Name → (what it shows, the transform). One table: the CLI's choices, the app's picker and the tests read it.
BUILT_IN: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "patch": ("the planted patch (a bright 4×4 square near the top-left corner)", patch),
    "thick": ("thick strokes (grey dilation, 3×3)", thick),
    "thin": ("thin strokes (grey erosion, 2×2)", thin),
    "slant": ("slanted digits (shear 0.35)", slant),
    "small": ("small digits (zoomed to 60 %)", small),
    "large": ("large digits (zoomed to 135 %)", large),
}


def builtin_concept(name: str, test: Split, n: int = 20, seed: int = 0) -> torch.Tensor:
    """`n` seeded test digits (any class) transformed into the concept: (n, 28, 28) pixels in [0, 1]."""
    if name not in BUILT_IN:
        raise ValueError(f"unknown concept {name!r}; built in: {', '.join(BUILT_IN)}")
    if not 5 <= n <= MAX_EXAMPLES:
        raise ValueError(f"n must be in 5..{MAX_EXAMPLES}, got {n}")
    pick = torch.randperm(len(test), generator=torch.Generator().manual_seed(seed + 1000))[:n]
    out = BUILT_IN[name][1](test.images[pick].numpy().astype(np.float64))
    return torch.from_numpy(np.clip(out, 0.0, 1.0).astype(np.float32))


def picked_indices(indices, n_total: int, max_n: int = MAX_PICKED, seed: int = 0) -> np.ndarray:
    """A concept picked from digits (a Map selection, an Explore filter): the distinct indices into a split of
    `n_total`, sorted; a larger pick keeps a seeded sample of `max_n` (the same pick, the same sample).
    ValueError when fewer than MIN_EXAMPLES are left or an index is out of range."""
    if isinstance(max_n, bool) or not isinstance(max_n, int) or not MIN_EXAMPLES <= max_n <= MAX_EXAMPLES:
        raise ValueError(f"max_n must be an integer in {MIN_EXAMPLES}..{MAX_EXAMPLES}, got {max_n!r}")
    arr = np.asarray(list(indices))
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers, got dtype {arr.dtype}")
    arr = np.unique(arr.astype(np.int64))
    bad = arr[(arr < 0) | (arr >= n_total)]
    if bad.size:
        raise ValueError(f"indices must be in 0..{n_total - 1}, got {bad[:5].tolist()}")
    if len(arr) < MIN_EXAMPLES:
        raise ValueError(f"a concept needs at least {MIN_EXAMPLES} digits, got {len(arr)}")
    if len(arr) > max_n:
        arr = np.sort(np.random.default_rng(seed).choice(arr, max_n, replace=False))
    return arr


def read_examples(data: bytes, name: str = "concept.npz") -> torch.Tensor:
    """A user's concept: an .npz holding one array (or one named `examples`) of N 28×28 images, uint8 0–255
    or floats in [0, 1]; ValueError naming what is wrong. Never unpickles."""
    if len(data) > MAX_NPZ_BYTES:
        raise ValueError(f"{name} is {len(data):,} bytes; the limit is {MAX_NPZ_BYTES:,}")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            keys = list(z.keys())
            key = "examples" if "examples" in keys else (keys[0] if len(keys) == 1 else None)
            if key is None:
                raise ValueError(f"{name} must hold one array, or one named 'examples'; it holds {keys[:5]}")
            arr = z[key]
    except (OSError, EOFError, ValueError) as exc:
        raise ValueError(f"{name} is not a readable .npz of arrays ({exc})") from None
    if arr.dtype.kind not in "uif":
        raise ValueError(f"{name}: examples must be numbers, got dtype {arr.dtype}")
    if arr.ndim == 2 and arr.shape[1] == IMAGE_SIDE * IMAGE_SIDE:
        arr = arr.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 3 or arr.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise ValueError(f"{name}: examples must be N×28×28 images, got shape {arr.shape}")
    if not 5 <= len(arr) <= MAX_EXAMPLES:
        raise ValueError(f"{name}: a concept needs 5 to {MAX_EXAMPLES} examples, got {len(arr)}")
    x = arr.astype(np.float32)
    if arr.dtype.kind in "ui":
        x = x / 255.0
    if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        raise ValueError(f"{name}: pixels must be uint8 0–255 or floats in [0, 1]")
    return torch.from_numpy(x)


def load_examples(path: Path | str) -> torch.Tensor:
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"a concept file must be .npz, got {path.name!r}")
    if not path.is_file():
        raise ValueError(f"concept file {path} does not exist")
    if path.stat().st_size > MAX_NPZ_BYTES:
        raise ValueError(f"{path.name} is {path.stat().st_size:,} bytes; the limit is {MAX_NPZ_BYTES:,}")
    return read_examples(path.read_bytes(), path.name)
