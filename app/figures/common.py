"""Plotly figure builders: pure functions, arrays in, figures out. No Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures.palette import BLUE, DIVERGING, RED


def light_figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain dicts, without plotly's per-property validation: about 10× faster to build
    (the mosaics of Compare and Map). tests/test_figures_export.py builds each of them again with
    validation on, so a bad property still fails a test."""
    return go.Figure(dict(data=data, layout=layout), _validate=False)


# Pixels, black background and white ink as MNIST draws them. Spelled out: a figure that skips validation
# (light_figure) hands a name straight to plotly.js, which knows "Greys" (white to black) but not plotly.py's
# "gray", and silently drew blue-to-red instead.
GREYS = [[0.0, "#000000"], [1.0, "#ffffff"]]


def symmetric_limit(maps: list[np.ndarray]) -> float:
    """The largest |value| over all maps: the ± limit of a shared colour scale."""
    peak = max((float(np.abs(m).max()) for m in maps), default=0.0)
    return peak if peak > 0 else 1.0


def duration(ms: float) -> str:
    """A run time as people read it: "4.7 ms", "593 ms", "10.4 s", "2 min 05 s" (the one formatter of durations)."""
    if not ms >= 0:
        raise ValueError(f"a duration must be a number ≥ 0 ms, got {ms!r}")
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds:02d} s"


LABELLED_UP_TO = 12  # methods: above this the cells carry no printed number (hover has it), see below


def agreement_figure(matrix: np.ndarray, names: list[str], title: str, zmin: float = -1.0) -> go.Figure:
    """A method × method heatmap of agreement scores, each cell labelled while there are at most
    LABELLED_UP_TO methods: 19 × 19 printed numbers cost the browser ~0.3 s of text layout per open of
    Compare, and the colour with its bar, plus the hover, carry the value."""
    m = np.asarray(matrix, dtype=float)
    if m.shape != (len(names), len(names)):
        raise ValueError(f"matrix shape {m.shape} does not match {len(names)} names")
    labels = dict(text=np.round(m, 2), texttemplate="%{text}") if len(names) <= LABELLED_UP_TO else {}
    fig = go.Figure(go.Heatmap(
        z=m, x=names, y=names, zmin=zmin, zmax=1.0,
        colorscale=DIVERGING if zmin < 0 else "Blues", zmid=0 if zmin < 0 else None, **labels,
        hovertemplate="%{y} vs %{x}: %{z:.3f}<extra></extra>",
        colorbar=dict(title="Spearman ρ" if zmin < 0 else "overlap", thickness=12),
    ))
    fig.update_yaxes(autorange="reversed", title="method")
    fig.update_xaxes(title="method")
    fig.update_layout(title=title, height=140 + 36 * len(names), margin=dict(l=8, r=8, t=40, b=8), font_size=12)
    return fig


def spread_figure(panels: list[tuple[str, np.ndarray]], cols: int = 6) -> go.Figure:
    """Unsigned maps (e.g. a per-pixel standard deviation) on one sequential scale from zero."""
    from plotly.subplots import make_subplots

    cols = max(1, min(cols, len(panels)))
    rows = -(-len(panels) // cols)
    top = max(float(np.max(v)) for _, v in panels) or 1.0
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[t for t, _ in panels], horizontal_spacing=0.02,
                        vertical_spacing=0.12 / rows)
    for i, (_, v) in enumerate(panels):
        fig.add_trace(go.Heatmap(z=np.asarray(v, float), coloraxis="coloraxis",
                                 hovertemplate="std %{z:.4g}<extra></extra>"), i // cols + 1, i % cols + 1)
    fig.update_yaxes(autorange="reversed", visible=False, scaleanchor="x")
    fig.update_xaxes(visible=False)
    fig.update_layout(coloraxis=dict(colorscale="Viridis", cmin=0, cmax=top,
                                     colorbar=dict(title="std over seeds", thickness=12)),
                      height=rows * 200 + 40, margin=dict(l=4, r=4, t=40, b=4), font_size=12)
    fig.update_annotations(font_size=12)
    return fig


def tile(images: np.ndarray, per_tile: np.ndarray, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, h, w) images tiled `cols` to a row with one-pixel NaN gaps, and each pixel's row of `per_tile`
    ((N, k) numbers about its tile, for hover; NaN in the gaps)."""
    imgs = np.asarray(images, dtype=float)
    about = np.asarray(per_tile, dtype=np.float32)
    n, h, w = imgs.shape
    if about.ndim != 2 or len(about) != n:
        raise ValueError(f"{n} images but per-tile data of shape {about.shape}")
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    big = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    hover = np.full((*big.shape, about.shape[1]), np.nan, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, cols)
        cell = slice(r * (h + 1), r * (h + 1) + h), slice(c * (w + 1), c * (w + 1) + w)
        big[cell] = imgs[i]
        hover[cell] = about[i]
    return big, hover


def tiles_figure(images: np.ndarray, per_tile: np.ndarray, hovertemplate: str, bar_title: str, signed: bool,
                 cols: int = 16, title: str = "") -> go.Figure:
    """Many small images (128 first-layer weight vectors, what each unit wants) tiled into ONE heatmap:
    signed ones on a symmetric diverging scale, others grey from 0 to 1. `hovertemplate` reads each
    tile's numbers as %{customdata[k]}. One trace, typed arrays and no validation (light_figure): the
    per-pixel hover strings it replaced made Inside's weights 2.5 MB of JSON."""
    imgs = np.asarray(images, dtype=float)
    big, hover = tile(imgs, per_tile, cols)
    cols = max(1, min(cols, len(imgs)))
    rows = -(-len(imgs) // cols)
    limit = symmetric_limit([imgs])
    scale = dict(colorscale=DIVERGING, zmin=-limit, zmax=limit) if signed else dict(colorscale=GREYS, zmin=0, zmax=1)
    trace = dict(type="heatmap", z=big.astype(np.float32), customdata=hover, hoverongaps=False,
                 hovertemplate=hovertemplate + "<extra></extra>", **scale,
                 colorbar=dict(title=dict(text=bar_title), thickness=12))
    return light_figure([trace], dict(
        title=dict(text=title), height=int(90 + rows * 900 / max(cols, 8)), margin=dict(l=4, r=4, t=40, b=4),
        font=dict(size=12), yaxis=dict(autorange="reversed", visible=False, scaleanchor="x"),
        xaxis=dict(visible=False)))


def bars_figure(values: np.ndarray, labels: list[str], title: str, x_title: str, y_title: str,
                highlight: int | None = None) -> go.Figure:
    """Signed bars (blue below zero, red above), one highlighted."""
    v = np.asarray(values, dtype=float).reshape(-1)
    colors = [RED if x >= 0 else BLUE for x in v]
    if highlight is not None:
        colors[highlight] = "#ff9900"
    fig = go.Figure(go.Bar(x=labels, y=v, marker_color=colors, hovertemplate="%{x}: %{y:.4f}<extra></extra>"))
    fig.update_layout(title=title, height=300, margin=dict(l=40, r=8, t=40, b=36))
    fig.update_xaxes(title=x_title, type="category")
    fig.update_yaxes(title=y_title)
    return fig


def confusion_figure(confusion: list[list[int]]) -> go.Figure:
    """The 10×10 confusion matrix (rows true, columns predicted); log-ish colour so errors show."""
    cm = np.asarray(confusion, dtype=float)
    fig = go.Figure(go.Heatmap(z=np.log1p(cm), x=[str(d) for d in range(10)], y=[str(d) for d in range(10)],
                               text=cm.astype(int), texttemplate="%{text}", colorscale="Blues", showscale=False,
                               hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title="true digit", type="category")
    fig.update_xaxes(title="predicted digit", type="category", side="top")
    fig.update_layout(height=420, margin=dict(l=50, r=8, t=60, b=8))
    return fig
