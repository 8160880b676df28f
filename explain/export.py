"""Export explanations: PNG images on a signed colour scale, NPZ and CSV of values, JSON config."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

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


OUTLINE_AT = 0.35  # ink level of the digit's outline (as the app's heatmaps draw it)


def _rgb(values: np.ndarray, zmax: float, signed: bool) -> np.ndarray:
    """Signed values on the diverging palette (white at 0); unsigned ones from white at 0 to its dark red."""
    if signed:
        return diverging_rgb(values, zmax)
    return diverging_rgb(np.clip(np.asarray(values, dtype=np.float64), 0, None), zmax)


def figure_png(values: np.ndarray, title: str, digit: np.ndarray | None = None, zmax: float | None = None,
               signed: bool = True, quantity: str = "attribution", scale: int = 10) -> bytes:
    """A map as a figure: its title above, the digit's outline over it, and a colour bar titled `quantity`
    (signed: −zmax…zmax on the diverging palette; unsigned: 0…zmax on its upper half), as the app shows it."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"a map must be 2-D, got shape {v.shape}")
    peak = float(np.abs(v).max()) if zmax is None else float(zmax)
    peak = peak if peak > 0 else 1.0
    h, w = v.shape[0] * scale, v.shape[1] * scale
    font = ImageFont.load_default(size=14)
    top, bar_w, right = 30, 14, 110
    out = Image.new("RGB", (w + right, h + top + 10), "white")
    out.paste(Image.fromarray(_rgb(v, peak, signed)).resize((w, h), Image.Resampling.NEAREST), (0, top))
    draw = ImageDraw.Draw(out)
    draw.text((2, 6), title, fill="black", font=font)
    if digit is not None:  # the edges between ink and background cells
        ink = np.asarray(digit, dtype=np.float64).reshape(v.shape) >= OUTLINE_AT
        pad = np.pad(ink, 1)
        for r, c in zip(*np.nonzero(pad[1:, 1:-1] != pad[:-1, 1:-1])):
            draw.line([(c * scale, top + r * scale), ((c + 1) * scale, top + r * scale)], fill=(30, 30, 30), width=2)
        for r, c in zip(*np.nonzero(pad[1:-1, 1:] != pad[1:-1, :-1])):
            draw.line([(c * scale, top + r * scale), (c * scale, top + (r + 1) * scale)], fill=(30, 30, 30), width=2)
    low = -peak if signed else 0.0
    ramp = np.linspace(peak, low, h)[:, None].repeat(bar_w, axis=1)
    x0 = w + 12
    out.paste(Image.fromarray(_rgb(ramp, peak, signed)), (x0, top))
    draw.rectangle([x0, top, x0 + bar_w - 1, top + h - 1], outline=(120, 120, 120))
    for k, t in enumerate(np.linspace(peak, low, 5)):
        draw.text((x0 + bar_w + 4, top + k * (h - 1) / 4 - 7), f"{t:.3g}", fill="black", font=font)
    label = Image.new("RGB", (h, 18), "white")
    ImageDraw.Draw(label).text((h / 2, 9), quantity, fill="black", font=font, anchor="mm")
    out.paste(label.rotate(90, expand=True), (w + right - 20, top))
    buf = io.BytesIO()
    out.save(buf, format="PNG")
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
    """Everything in one file: maps.npz, maps.csv, config.json and one PNG per map (`{name}.png`: a figure
    with the method and class as its title, the digit's outline and a colour bar, on one scale for all)."""
    import zipfile

    from explain.registry import get_method

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("maps.npz", to_npz(attributions, x))
        z.writestr("maps.csv", to_csv(attributions))
        z.writestr("config.json", config_json(config))
        peak = max((float(np.abs(a.values).max()) for a in attributions.values()), default=0.0) or 1.0
        for name, a in attributions.items():
            z.writestr(f"{name}.png", figure_png(a.values, f"{get_method(a.method).display} · class {a.target}", x,
                                                 peak, signed=not a.params.get("absolute")))
    return buf.getvalue()
