"""Attribution maps (28×28 heatmaps) as one light component: painted on canvases in the browser (grid.js),
one colour bar.

`grid_data` is a pure function (arrays in, the component's JSON out) so tests read what the page
would draw; `heatmap_grid` mounts it. Every page draws its 28×28 maps with it: a Plotly chart per page
costs the browser far more (the Plotly bundle, then each chart's layout).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.components.base import b64_array, light_component
from app.figures.common import symmetric_limit
from model.constants import DIVERGING_STOPS
from model.network import IMAGE_SIDE

OUTLINE_AT = 0.35  # ink level of the digit's outline drawn over every map
_GRID = light_component("digit_lens.heatmap_grid", Path(__file__).parent)


def grid_data(panels: list[tuple[str, str, np.ndarray]], digit: np.ndarray | None = None, shared: bool = True,
              cols: int = 4, px: int = 170, quantity: str = "attribution", limit: float | None = None,
              signed: bool = True, digits: list[np.ndarray] | None = None) -> dict:
    """(title, subtitle, 28×28 map) panels → the component's data, on one diverging scale centred at 0
    (signed=False: maps that are never negative, e.g. |gradient|, on a sequential scale from 0).

    shared=True: one ±limit for all maps (magnitudes compare); `limit` sets it when maps drawn in several
    grids share one scale. shared=False: each map divided by its own max |value| (the colour bar reads
    "relative"); the hover still gives the raw value. `quantity` names what the maps hold (the colour
    bar's title and the hover's word): attribution, weight, …
    """
    if not panels:
        raise ValueError("no maps to draw")
    maps = [np.asarray(v, dtype=np.float64) for _, _, v in panels]
    bad = [m.shape for m in maps if m.shape != (IMAGE_SIDE, IMAGE_SIDE)]
    if bad:
        raise ValueError(f"every map must be {IMAGE_SIDE}×{IMAGE_SIDE}, got {bad[:3]}")
    if digits is not None and len(digits) != len(panels):
        raise ValueError(f"one digit per panel: {len(digits)} digits for {len(panels)} panels")
    if limit is not None and not limit > 0:
        raise ValueError(f"a colour scale's limit must be > 0, got {limit!r}")
    scales = [1.0 if shared else symmetric_limit([m]) for m in maps]
    shown = [m / s for m, s in zip(maps, scales)]
    # Sequential: white at 0 to the diverging palette's dark red (the same colours a signed map uses above 0).
    palette = DIVERGING_STOPS if signed else DIVERGING_STOPS[len(DIVERGING_STOPS) // 2:]
    outlines = [_outline(d) for d in digits] if digits is not None else [None] * len(panels)
    return {
        "panels": [{"title": title, "sub": sub, "scale": scale, "values": b64_array(m, "<f4"), "outline": o}
                   for (title, sub, _), m, scale, o in zip(panels, shown, scales, outlines)],
        "limit": limit if shared and limit is not None else symmetric_limit(shown), "signed": bool(signed),
        "colorbar": quantity if shared else "relative (÷ own max |value|)", "quantity": quantity,
        "outline": None if digit is None else _outline(digit),
        "palette": [list(map(int, rgb)) for rgb in palette],
        "cols": int(cols), "px": int(px),
    }


def _outline(digit: np.ndarray) -> str:
    """The digit's ink cells as a string of 784 "0"/"1" (the edges between them are drawn over the map)."""
    return "".join("1" if v >= OUTLINE_AT else "0" for v in np.asarray(digit, dtype=float).reshape(-1))


def heatmap_grid(data: dict, key: str) -> None:
    """Mount the grid for `grid_data`'s output."""
    _GRID(key=key, data=data, width="stretch")
