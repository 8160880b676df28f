"""MNIST's own preprocessing for a drawing or an uploaded picture.

LeCun et al. fitted each digit's ink into a 20×20 box (keeping aspect ratio, anti-aliased) and
placed it in a 28×28 field so its centre of mass sits at the centre. A drawing that skips this
looks nothing like the training data, and the model's answer on it means little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from model.constants import IMAGE_SIDE

INK_THRESHOLD = 0.1  # pixels below this (0–1) are background when cropping
MIN_INK_PIXELS = 1
# ITU-R 601-2 luma, the weights Pillow's convert("L") uses: one definition for drawings and uploads.
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Preprocessed:
    """Each step as a float image in [0, 1] (white ink on black), for display and for the model."""

    drawing: np.ndarray  # grayscale of the input, full size
    cropped: np.ndarray  # the ink's bounding box
    fitted: np.ndarray  # longer side scaled to 20 px
    centred: np.ndarray  # 28×28, centre of mass at the centre: what the model sees


def luminance(rgb: np.ndarray) -> np.ndarray:
    """The grey level of (…, 3 or 4) RGB(A) values in 0–1; alpha, if any, is left to the caller."""
    return rgb[..., :3] @ LUMA


def to_gray(image: np.ndarray) -> np.ndarray:
    """An H×W, H×W×3 or H×W×4 array (uint8 or float 0–1) → H×W float in [0, 1], ink bright.

    Transparent pixels count as background (a canvas without a background colour is transparent).
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim not in (2, 3) or image.size == 0:
        raise ValueError(f"image must be H×W or H×W×C, got shape {image.shape}")
    arr = image.astype(np.float32)
    if image.dtype == np.uint8 or arr.max(initial=0.0) > 1.0:
        arr = arr / 255.0
    if not np.isfinite(arr).all():
        raise ValueError("image contains NaN or infinite values")
    if arr.ndim == 2:
        return np.clip(arr, 0.0, 1.0)
    channels = arr.shape[2]
    if channels not in (1, 3, 4):
        raise ValueError(f"image must have 1, 3 or 4 channels, got {channels}")
    if channels == 1:
        gray = arr[..., 0]
    else:
        gray = luminance(arr)
    if channels == 4:
        gray = gray * arr[..., 3]
    return np.clip(gray, 0.0, 1.0)


def has_ink(gray: np.ndarray) -> bool:
    return int((gray > INK_THRESHOLD).sum()) >= MIN_INK_PIXELS


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre, as scipy.ndimage.center_of_mass computes it (a test
    checks they agree). In numpy: importing scipy.ndimage cost the first Draw page 0.3 s of a fresh server."""
    weights = np.asarray(image, dtype=np.float64)
    total = weights.sum()
    rows, cols = np.indices(weights.shape)
    return float((rows * weights).sum() / total), float((cols * weights).sum() / total)


def preprocess(image: np.ndarray) -> Preprocessed | None:
    """Drawing (white ink on dark) → the 28×28 MNIST-style input, or None when there is no ink."""
    gray = to_gray(image)
    if not has_ink(gray):
        return None
    rows = np.flatnonzero((gray > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((gray > INK_THRESHOLD).any(axis=0))
    cropped = gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = cropped.shape
    scale = 20.0 / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    pil = Image.fromarray((cropped * 255).astype(np.uint8))
    fitted = np.asarray(pil.resize((new_w, new_h), Image.Resampling.LANCZOS), dtype=np.float32) / 255.0
    fitted = np.clip(fitted, 0.0, 1.0)
    centred = np.zeros((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32)
    top, left = (IMAGE_SIDE - new_h) // 2, (IMAGE_SIDE - new_w) // 2
    centred[top : top + new_h, left : left + new_w] = fitted
    if centred.sum() > 0:
        cy, cx = centre_of_mass(centred)
        # Whole-pixel shift keeps strokes crisp; clamp so no ink leaves the field.
        dy = int(np.clip(round((IMAGE_SIDE - 1) / 2 - cy), -top, IMAGE_SIDE - new_h - top))
        dx = int(np.clip(round((IMAGE_SIDE - 1) / 2 - cx), -left, IMAGE_SIDE - new_w - left))
        centred = np.roll(centred, (dy, dx), axis=(0, 1))
    return Preprocessed(drawing=gray, cropped=cropped, fitted=fitted, centred=centred)
