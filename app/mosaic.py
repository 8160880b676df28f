"""All of a page's attribution maps as ONE heatmap trace (a mosaic with gaps) and one outline trace.

`make_subplots` with a heatmap and a contour per map took 150–570 ms to build on this machine for
four maps (340 ms for Compare's 19), more than the maps themselves, so this tiles the maps into one
array, built without plotly's validation. Used by every page that shows maps in Plotly (Compare,
Evaluate, What if, Inside, Map); the pages that redraw per stroke use app/map_grid.py.
Pure function: arrays in, figure out.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures import DIVERGING, light_figure, symmetric_limit
from model.network import IMAGE_SIDE

GAP = 2  # data pixels between tiles
TITLE_ROWS = 7  # data pixels above each tile for its two-line title


class _Grid:
    """Where n 28×28 tiles go in one array: `cols` to a row, a title band above each, gaps between."""

    def __init__(self, n: int, cols: int) -> None:
        self.cols = max(1, min(cols, n))
        self.rows = -(-n // self.cols)
        self.th, self.tw = IMAGE_SIDE + TITLE_ROWS, IMAGE_SIDE + GAP

    def blank(self, fill: float = np.nan) -> np.ndarray:
        return np.full((self.rows * self.th, self.cols * self.tw - GAP), fill)

    def cell(self, i: int) -> tuple[slice, slice]:
        r, c = divmod(i, self.cols)
        y0, x0 = r * self.th + TITLE_ROWS, c * self.tw
        return slice(y0, y0 + IMAGE_SIDE), slice(x0, x0 + IMAGE_SIDE)

    def axes(self, titles: list[str], font_px: int) -> dict:
        """Layout entries: image axes (rows top-down, square pixels) and each tile's title above it."""
        notes = [dict(x=(i % self.cols) * self.tw + IMAGE_SIDE / 2 - 0.5, y=(i // self.cols) * self.th + TITLE_ROWS - 1,
                      text=t, showarrow=False, yanchor="bottom", font=dict(size=font_px)) for i, t in enumerate(titles)]
        return dict(annotations=notes, xaxis=dict(visible=False, constrain="domain"),
                    yaxis=dict(autorange="reversed", visible=False, scaleanchor="x", constrain="domain"))


def attribution_mosaic(panels: list[tuple[str, np.ndarray]], digit: np.ndarray | None = None, shared: bool = True,
                       overlay: bool = True, cols: int = 4, panel_px: int = 190,
                       bar_title: str = "attribution") -> go.Figure:
    """Maps (title, 28×28) tiled `cols` to a row on one diverging colour axis centred at zero.

    shared=True: one ±limit for all maps, so magnitudes compare across maps. shared=False: each map
    divided by its own max |value| (the colour bar then reads "relative"). With a `digit`, overlay=True
    draws its outline over every tile; overlay=False shows it in grey as the first tile instead.
    """
    if not panels:
        raise ValueError("no maps to draw")
    maps = [np.asarray(v, dtype=float) for _, v in panels]
    if any(m.shape != (IMAGE_SIDE, IMAGE_SIDE) for m in maps):
        raise ValueError(f"every map must be 28×28, got {[m.shape for m in maps if m.shape != (28, 28)][:3]}")
    if not shared:
        maps = [m / symmetric_limit([m]) for m in maps]
    limit = symmetric_limit(maps)
    beside = digit is not None and not overlay
    tiles: list[np.ndarray | None] = [None] * beside + maps  # None: the input's own tile
    titles = ["input"] * beside + [title for title, _ in panels]
    grid = _Grid(len(tiles), cols)
    z, ink, grey = grid.blank(), grid.blank(0.0), grid.blank()
    for i, m in enumerate(tiles):
        cell = grid.cell(i)
        if m is None:
            grey[cell] = np.asarray(digit, dtype=float)
            continue
        z[cell] = m
        if digit is not None and overlay:
            ink[cell] = np.asarray(digit, dtype=float)
    what = bar_title if shared else "relative"
    # float32 travels as compact base64 in the figure's JSON (about 30 KB for four maps).
    traces = [dict(type="heatmap", z=z.astype(np.float32), coloraxis="coloraxis", hoverongaps=False,
                   hovertemplate=f"{what} %{{z:.4g}}<extra></extra>")]
    if beside:
        traces.append(dict(type="heatmap", z=grey.astype(np.float32), coloraxis="coloraxis2", hoverongaps=False,
                           hovertemplate="pixel %{z:.2f}<extra></extra>"))
    if digit is not None and overlay:  # the outline keeps the map's colours true (no blending)
        traces.append(dict(type="contour", z=ink.astype(np.float32), showscale=False, hoverinfo="skip",
                           contours=dict(start=0.35, end=0.35, size=1, coloring="none"),
                           line=dict(color="rgba(30,30,30,0.55)", width=1)))
    colorbar = dict(title=dict(text=bar_title if shared else "relative<br>(÷ own max)", font=dict(size=12)),
                    thickness=12, tickfont=dict(size=11))
    return light_figure(traces, dict(
        **grid.axes(titles, 12),
        coloraxis=dict(colorscale=DIVERGING, cmin=-limit, cmax=limit, cmid=0.0, colorbar=colorbar),
        coloraxis2=dict(colorscale="gray", cmin=0.0, cmax=1.0, showscale=False),
        height=grid.rows * (panel_px + 40) + 20, margin=dict(l=4, r=4, t=8, b=4), showlegend=False,
    ))


def thumbnails_figure(images: np.ndarray, titles: list[str], cols: int = 10, tile_px: int = 90) -> go.Figure:
    """Small [0, 1] digits in a grid, each titled (e.g. the test digits that excite a neuron)."""
    imgs = np.asarray(images, dtype=float)
    if imgs.ndim != 3 or imgs.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE) or len(imgs) != len(titles) or not len(imgs):
        raise ValueError(f"need N 28×28 images and N titles, got images {imgs.shape} and {len(titles)} titles")
    grid = _Grid(len(imgs), cols)
    z = grid.blank()
    for i, img in enumerate(imgs):
        z[grid.cell(i)] = img
    trace = dict(type="heatmap", z=z.astype(np.float32), colorscale="gray", zmin=0, zmax=1, showscale=False,
                 hoverinfo="skip")
    return light_figure([trace], dict(**grid.axes(titles, 11), height=grid.rows * (tile_px + 24) + 10,
                                      margin=dict(l=2, r=2, t=4, b=2), showlegend=False))
