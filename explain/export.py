"""Export explanations: PNG images on a signed colour scale, NPZ and CSV of values, JSON config."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image

from explain.types import Attribution
from model.constants import DIVERGING_STOPS, IMAGE_SIDE

# Blue (negative) → white (zero) → red (positive), evenly spaced stops (ColorBrewer RdBu): the one
# red–blue palette (model.constants), for the PNG exports here and every signed map the app draws.
_STOPS = np.array(DIVERGING_STOPS, dtype=np.float64)


def diverging_rgb(values: np.ndarray, zmax: float | None = None) -> np.ndarray:
    """Map signed values to uint8 RGB, symmetric around zero (zmax defaults to max |value|)."""
    v = np.asarray(values, dtype=np.float64)
    scale = float(np.abs(v).max()) if zmax is None else float(zmax)
    t = np.clip(v / scale, -1, 1) if scale > 0 else np.zeros_like(v)
    pos = (t + 1) / 2 * (len(_STOPS) - 1)
    lo = np.clip(np.floor(pos).astype(int), 0, len(_STOPS) - 2)
    frac = (pos - lo)[..., None]
    return np.round(_STOPS[lo] * (1 - frac) + _STOPS[lo + 1] * frac).astype(np.uint8)


def to_png(values: np.ndarray, zmax: float | None = None, scale: int = 10) -> bytes:
    """A map as a PNG, each pixel a `scale`×`scale` block."""
    img = Image.fromarray(diverging_rgb(values, zmax)).resize(
        (values.shape[1] * scale, values.shape[0] * scale), Image.Resampling.NEAREST
    )
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def to_npz(attributions: Mapping[str, Attribution], x: np.ndarray | None = None) -> bytes:
    arrays = {name: a.values for name, a in attributions.items()}
    if x is not None:
        arrays["_input"] = np.asarray(x, dtype=np.float64).reshape(IMAGE_SIDE, IMAGE_SIDE)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def to_csv(attributions: Mapping[str, Attribution]) -> str:
    """Long format: method, target, row, col, value."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["method", "target", "row", "col", "value"])
    for name, a in attributions.items():
        for (r, c), v in np.ndenumerate(a.values):
            w.writerow([name, str(a.target), r, c, repr(float(v))])
    return buf.getvalue()


def config_json(config: Mapping[str, Any]) -> str:
    return json.dumps(config, indent=2, sort_keys=True, default=str)


def to_zip(attributions: Mapping[str, Attribution], x: np.ndarray | None, config: Mapping[str, Any]) -> bytes:
    """Everything in one file: maps.npz, maps.csv, config.json and one PNG per map (`{name}.png`)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("maps.npz", to_npz(attributions, x))
        z.writestr("maps.csv", to_csv(attributions))
        z.writestr("config.json", config_json(config))
        for name, a in attributions.items():
            z.writestr(f"{name}.png", to_png(a.values))
    return buf.getvalue()
