"""Every layer's activations as small heatmaps, painted on canvases (a light Custom Component; layers.js).

The Plotly version (four subplots, four colour bars) cost the browser up to three seconds when the
Inside page was opened a second time (CDP profile; the page without it: 1.4 s). `layers_data` is pure
(tests read it), `layer_heatmaps` mounts it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.colors

from app.components.base import b64_array, light_component
from model.constants import DIVERGING_STOPS
from model.network import layer_display_name

# Sequential palette for activations (Viridis' ten stops); signed values use the diverging one.
VIRIDIS = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in plotly.colors.sequential.Viridis]  # 10 stops
UNITS = {"logits": "logit", "softmax": "probability"}

_LAYERS = light_component("digit_lens.layer_heatmaps", Path(__file__).parent)


def near_square(n: int) -> tuple[int, int]:
    """Rows × cols for n cells, as square as the divisors of n allow (128 → 8 × 16)."""
    rows = int(np.sqrt(n))
    while n % rows:
        rows -= 1
    return rows, n // rows


def _range(name: str, v: np.ndarray, signed: bool) -> tuple[float, float]:
    """A layer's colour range: ±peak when diverging, 0–1 for probabilities, else min to max."""
    if signed or name == "logits":
        peak = float(np.abs(v).max()) or 1.0
        return -peak, peak
    if name == "softmax":
        return 0.0, 1.0  # probabilities: the whole range, so 0.5 reads as 0.5
    lo, hi = float(v.min()), float(v.max())
    return lo, (hi if hi > lo else lo + 1.0)


def shared_ranges(*inputs: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """One colour range per layer over several inputs' activations (the same rule as each alone), so the
    same colour means the same value in every input's heatmaps."""
    return {name: _range(name, np.concatenate([np.asarray(acts[name], np.float64).reshape(-1) for acts in inputs]),
                         False) for name in inputs[0]}


def layers_data(layers: dict[str, np.ndarray], title: str = "", signed: bool = False,
                ranges: dict[str, tuple[float, float]] | None = None) -> dict:
    """Each layer as a grid of cells (hidden 1: 8×16, hidden 2: 8×8, logits and softmax: one row of 10,
    labelled 0–9) with its own colour bar; logits (and, with `signed`, every layer, e.g. a difference of
    two inputs) on a diverging scale centred at zero, the rest from their minimum to their maximum.
    `ranges` (from `shared_ranges`): the layers' colour ranges, shared with another input's heatmaps."""
    out = []
    for name, raw in layers.items():
        v = np.asarray(raw, dtype=np.float64).reshape(-1)
        if not v.size or not np.isfinite(v).all():
            raise ValueError(f"layer {name!r} needs finite values, got {v.size} values")
        rows, cols = near_square(v.size) if v.size > 10 else (1, v.size)
        diverging = signed or name == "logits"
        lo, hi = ranges[name] if ranges is not None and name in ranges else _range(name, v, signed)
        out.append({"name": layer_display_name(name), "title": f"{layer_display_name(name)} ({v.size})",
                    "rows": rows, "cols": cols, "lo": lo, "hi": hi,
                    "unit": "difference" if signed else UNITS.get(name, "activation"),
                    "palette": [list(map(int, c)) for c in (DIVERGING_STOPS if diverging else VIRIDIS)],
                    "labels": [str(k) for k in range(v.size)] if v.size <= 10 else None,
                    "values": b64_array(v, "<f4")})
    return {"title": title, "layers": out}


def layer_heatmaps(data: dict, key: str) -> None:
    """Mount the heatmaps for `layers_data`'s output."""
    _LAYERS(key=key, data=data, width="stretch")
