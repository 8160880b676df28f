"""All of a page's attribution maps as ONE heatmap trace (a mosaic with gaps) and one outline trace.

`make_subplots` with a heatmap and a contour per map took 150–570 ms to build on this machine for
four maps, more than the maps themselves, so this tiles the maps into one array, built without
plotly's validation. Used by Compare and Map; the pages that redraw per stroke use app/map_grid.py.
Pure function: arrays in, figure out.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures import DIVERGING, light_figure, symmetric_limit
from model.network import IMAGE_SIDE

GAP = 2  # data pixels between tiles
TITLE_ROWS = 7  # data pixels above each tile for its two-line title


def attribution_mosaic(panels: list[tuple[str, np.ndarray]], digit: np.ndarray | None = None, shared: bool = True,
                       cols: int = 4, panel_px: int = 190) -> go.Figure:
    """Maps (title, 28×28) tiled `cols` to a row on one diverging colour axis centred at zero.

    shared=True: one ±limit for all maps, so magnitudes compare across maps. shared=False: each map
    divided by its own max |value| (the colour bar then reads "relative"). The digit's outline is drawn
    over every tile when `digit` is given.
    """
    if not panels:
        raise ValueError("no maps to draw")
    maps = [np.asarray(v, dtype=float) for _, v in panels]
    if any(m.shape != (IMAGE_SIDE, IMAGE_SIDE) for m in maps):
        raise ValueError(f"every map must be 28×28, got {[m.shape for m in maps if m.shape != (28, 28)][:3]}")
    if not shared:
        maps = [m / symmetric_limit([m]) for m in maps]
    limit = symmetric_limit(maps)
    cols = max(1, min(cols, len(maps)))
    rows = -(-len(maps) // cols)
    th, tw = IMAGE_SIDE + TITLE_ROWS, IMAGE_SIDE + GAP
    z = np.full((rows * th, cols * tw - GAP), np.nan)
    ink = np.zeros_like(z)
    for i, m in enumerate(maps):
        r, c = divmod(i, cols)
        y0, x0 = r * th + TITLE_ROWS, c * tw
        z[y0 : y0 + IMAGE_SIDE, x0 : x0 + IMAGE_SIDE] = m
        if digit is not None:
            ink[y0 : y0 + IMAGE_SIDE, x0 : x0 + IMAGE_SIDE] = np.asarray(digit, dtype=float)
    # float32 travels as compact base64 in the figure's JSON (about 30 KB for four maps).
    traces = [dict(type="heatmap", z=z.astype(np.float32), coloraxis="coloraxis", hoverongaps=False,
                   hovertemplate="attribution %{z:.4g}<extra></extra>")]
    if digit is not None:  # the outline keeps the map's colours true (no blending)
        traces.append(dict(type="contour", z=ink.astype(np.float32), showscale=False, hoverinfo="skip",
                           contours=dict(start=0.35, end=0.35, size=1, coloring="none"),
                           line=dict(color="rgba(30,30,30,0.55)", width=1)))
    notes = [dict(x=(i % cols) * tw + 13.5, y=(i // cols) * th + TITLE_ROWS - 1, text=title, showarrow=False,
                  yanchor="bottom", font=dict(size=12)) for i, (title, _) in enumerate(panels)]
    colorbar = dict(title=dict(text="attribution" if shared else "relative<br>(÷ own max)", font=dict(size=12)),
                    thickness=12, tickfont=dict(size=11))
    return light_figure(traces, dict(
        annotations=notes,
        yaxis=dict(autorange="reversed", visible=False, scaleanchor="x", constrain="domain"),
        xaxis=dict(visible=False, constrain="domain"),
        coloraxis=dict(colorscale=DIVERGING, cmin=-limit, cmax=limit, cmid=0.0, colorbar=colorbar),
        height=rows * (panel_px + 40) + 20, margin=dict(l=4, r=4, t=8, b=4), showlegend=False,
    ))
