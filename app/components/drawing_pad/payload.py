"""What the drawing pad sends (its `drawing` state, pad.js) and how the server reads it: `decode` checks
every field (the browser is not trusted: a modified client may send anything) and rebuilds the greyscale
ink: 280×280 when drawing freehand, 28×28 when painting pixels over a digit (What if: `size=GRID`, and
`base` names the digit painted over); `encode` is the browser's encoder in Python, for tests. Pure: no
Streamlit here.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SIZE = 280  # CSS pixels of the pad, and the side of the greyscale image the server rebuilds
GRID = 28  # the side of the image when painting pixels over a digit (one cell = SIZE // GRID CSS pixels)
MAX_BASE_CHARS = 80  # the id of the digit painted over (an input digest and an edit count)
MAX_STROKE_VALUES = 40_000  # coordinates kept for redrawing the pad after a page switch
MAX_COORD = 100 * SIZE  # a pointer held outside the pad still reports (pointer capture): generous, finite


def _max_crop_chars(size: int) -> int:
    return 4 * (2 * size * size) // 3 + 4  # base64 of the longest run-length form (every run 1 long)


MAX_CROP_CHARS = _max_crop_chars(SIZE)


@dataclass(frozen=True, eq=False)
class Drawing:
    """One update from the pad: its sequence number and the size×size greyscale ink (uint8), or None."""

    seq: int
    final: bool  # sent on pointer-up (or undo/redo/clear); False while a stroke is in progress
    image: np.ndarray | None
    strokes: list = field(default_factory=list)
    brush: int = 20
    base: str | None = None  # painting over a digit: the id of that digit (what the page sent as `base.id`)


def _int(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ValueError(f"drawing {name} must be a number in {lo}..{hi}, got {value!r:.40}")
    return int(value)


def _strokes(value: Any) -> list[dict[str, Any]]:
    """The pad's strokes (only used to redraw it after a page switch): a list of {w, pts: [x, y, …]} with
    numbers everywhere; ValueError naming the first thing wrong. Too many points: dropped, not refused
    (a long drawing is legitimate; it only cannot be redrawn)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"drawing strokes must be a list, got {type(value).__name__}")
    total = 0
    for i, stroke in enumerate(value):
        if not isinstance(stroke, dict):
            raise ValueError(f"drawing stroke {i} must be an object, got {type(stroke).__name__}")
        _int(stroke.get("w"), f"stroke {i} width", 1, SIZE)
        if "c" in stroke:  # painting over a digit: the grey the stroke sets (0 erases)
            _int(stroke["c"], f"stroke {i} grey", 0, 255)
        pts = stroke.get("pts")
        if not isinstance(pts, list) or len(pts) < 2 or len(pts) % 2:
            raise ValueError(f"drawing stroke {i} points must be a list of x, y pairs, got {pts!r:.40}")
        total += len(pts)
        if total > MAX_STROKE_VALUES:
            return []
        bad = [v for v in pts if isinstance(v, bool) or not isinstance(v, (int, float)) or not abs(v) <= MAX_COORD]
        if bad:
            raise ValueError(f"drawing stroke {i} points must be numbers within ±{MAX_COORD}, got {bad[0]!r:.20}")
    return value


def _unrle(pairs: np.ndarray, n: int) -> np.ndarray:
    """(value, count) byte pairs → the n bytes they stand for; ValueError if they do not add up to n."""
    if len(pairs) % 2 or int(pairs[1::2].sum(dtype=np.int64)) != n or (len(pairs) and pairs[1::2].min() == 0):
        raise ValueError(f"drawing crop's run-length pairs do not make {n} pixels")
    return np.repeat(pairs[0::2], pairs[1::2])


def _rle(data: np.ndarray) -> bytes:
    """The browser's run-length encoder (pairs of value and count ≤ 255), for tests and `encode`."""
    out = bytearray()
    i = 0
    while i < len(data):
        k = 1
        while k < 255 and i + k < len(data) and data[i + k] == data[i]:
            k += 1
        out += bytes((int(data[i]), k))
        i += k
    return bytes(out)


def decode(value: Any, size: int = SIZE) -> Drawing:
    """The pad's `drawing` state value → a Drawing of a size×size image (SIZE freehand, GRID painting over a
    digit); ValueError naming what is wrong otherwise."""
    if not isinstance(value, dict):
        raise ValueError(f"drawing must be an object, got {type(value).__name__}")
    seq = _int(value.get("seq"), "seq", 0, 2**53)
    if value.get("size", SIZE) != size or isinstance(value.get("size"), bool):
        raise ValueError(f"drawing size must be {size}, got {value.get('size')!r:.20}")
    base = value.get("base")
    if base is not None and (not isinstance(base, str) or len(base) > MAX_BASE_CHARS):
        raise ValueError(f"drawing base must be a string of at most {MAX_BASE_CHARS} characters, got {base!r:.20}")
    final = value.get("final", True)
    if not isinstance(final, bool):
        raise ValueError(f"drawing final must be true or false, got {final!r:.20}")
    brush = _int(value.get("brush", 20), "brush", 1, SIZE)
    strokes = _strokes(value.get("strokes"))
    crop = value.get("crop")
    image = None
    if crop is not None:
        if not isinstance(crop, dict):
            raise ValueError(f"drawing crop must be an object, got {type(crop).__name__}")
        x, y = _int(crop.get("x"), "crop x", 0, size - 1), _int(crop.get("y"), "crop y", 0, size - 1)
        w, h = _int(crop.get("w"), "crop width", 1, size - x), _int(crop.get("h"), "crop height", 1, size - y)
        data = crop.get("data", "")
        if not isinstance(data, str):
            raise ValueError(f"drawing crop data must be a base64 string, got {type(data).__name__}")
        if len(data) > _max_crop_chars(size):
            raise ValueError(f"drawing crop data is longer than {_max_crop_chars(size)} characters")
        try:
            raw = np.frombuffer(base64.b64decode(data, validate=True), np.uint8)
        except ValueError as exc:
            raise ValueError(f"drawing crop data is not valid base64: {exc}") from None
        if crop.get("enc") == "rle":
            raw = _unrle(raw, w * h)
        elif crop.get("enc", "raw") != "raw":
            raise ValueError(f"drawing crop encoding must be 'rle' or 'raw', got {crop.get('enc')!r:.20}")
        if len(raw) != w * h:
            raise ValueError(f"drawing crop has {len(raw)} bytes for {w}×{h} pixels")
        image = np.zeros((size, size), np.uint8)
        image[y : y + h, x : x + w] = raw.reshape(h, w)
    return Drawing(seq, final, image, strokes, brush, base)


def encode(image: np.ndarray, seq: int = 1, final: bool = True) -> dict:
    """What the pad sends for a square greyscale uint8 image (the browser's encoder, for tests)."""
    ys, xs = np.nonzero(image)
    crop = None
    if len(ys):
        y0, y1, x0, x1 = ys.min(), ys.max(), xs.min(), xs.max()
        part = np.ascontiguousarray(image[y0 : y1 + 1, x0 : x1 + 1], np.uint8)
        crop = {"x": int(x0), "y": int(y0), "w": part.shape[1], "h": part.shape[0], "enc": "rle",
                "data": base64.b64encode(_rle(part.reshape(-1))).decode()}
    return {"seq": seq, "final": final, "size": image.shape[0], "brush": 20, "strokes": [], "crop": crop}
