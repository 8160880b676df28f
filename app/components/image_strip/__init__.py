"""A row of small greyscale images with captions, painted on canvases (Custom Components v2; strip.js).

The Draw page shows MNIST's preprocessing steps on every stroke: as `st.image` that was four PNG
encodes on the server and four HTTP fetches in the browser per update (~40 ms of a stroke's answer
here); this sends the pixels with the update. `strip_data` is pure (tests read it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.components.base import b64_array, light_component

MAX_SIDE = 128  # pixels per image side: what a step needs, and a bound on each update's size

_STRIP = light_component("digit_lens.image_strip", Path(__file__).parent)


def strip_data(images: list[np.ndarray], captions: list[str]) -> dict:
    """uint8 greyscale images (H×W, each side ≤ MAX_SIDE) and their captions → the component's data."""
    if len(images) != len(captions):
        raise ValueError(f"{len(images)} images but {len(captions)} captions")
    out = []
    for img, caption in zip(images, captions):
        a = np.asarray(img)
        if a.ndim != 2 or a.dtype != np.uint8 or not (0 < a.shape[0] <= MAX_SIDE and 0 < a.shape[1] <= MAX_SIDE):
            raise ValueError(f"each image must be 2-D uint8 with sides 1..{MAX_SIDE}, got {a.shape} {a.dtype}")
        out.append({"w": int(a.shape[1]), "h": int(a.shape[0]), "caption": caption,
                    "pixels": b64_array(a, np.uint8)})
    return {"images": out}


def image_strip(images: list[np.ndarray], captions: list[str], key: str) -> None:
    _STRIP(key=key, data=strip_data(images, captions), width="stretch")


def upscale(img: np.ndarray, side: int = 168) -> np.ndarray:
    """A small image padded to a square (black) and enlarged with crisp pixels."""
    from PIL import Image

    img = np.asarray(img, dtype=float)
    h, w = img.shape
    sq = np.zeros((max(h, w),) * 2)
    top, left = (len(sq) - h) // 2, (len(sq) - w) // 2
    sq[top:top + h, left:left + w] = img
    pixels = (np.clip(sq, 0, 1) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(pixels).resize((side, side), Image.Resampling.NEAREST))
