"""A grid of maps on one Plotly figure: signed maps on a diverging scale centred at zero, unsigned ones
(|gradient|) on a sequential scale from zero, each kind with its own titled colour bar; optional digits
(greys) in the same grid. The figure `explain.show`, `Attribution.figure()` and the reports draw."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explain.figures.house import DIVERGING, FONT, GREYS, SEQUENTIAL


@dataclass(frozen=True)
class Panel:
    """One picture of the grid: a map (signed or not) or a digit (`kind` "digit", pixels 0–1)."""

    title: str
    values: np.ndarray
    kind: str = "signed"  # "signed", "unsigned" or "digit"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"panel kind must be one of {list(KINDS)}, got {self.kind!r}")


KINDS = ("signed", "unsigned", "digit")


def _limit(values: list[np.ndarray]) -> float:
    peak = max((float(np.nanmax(np.abs(v))) for v in values if np.size(v)), default=0.0)
    return peak if peak > 0 else 1.0


def maps_figure(panels: list[Panel], cols: int = 4, title: str = "", shared: bool = True,
                bar_title: str = "attribution", px: int = 170) -> go.Figure:
    """The panels `cols` to a row. shared=True: one scale for all signed maps (and one for the unsigned),
    so magnitudes compare; False: each map ÷ its own max |value| (the bar then reads "relative")."""
    if not panels:
        raise ValueError("need at least one panel to draw")
    cols = max(1, min(cols, len(panels)))
    rows = -(-len(panels) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p.title for p in panels],
                        horizontal_spacing=0.03, vertical_spacing=min(0.3 / rows, 0.12))
    axes = {}
    signed = [p.values for p in panels if p.kind == "signed"]
    unsigned = [p.values for p in panels if p.kind == "unsigned"]
    units = bar_title if shared else f"{bar_title} (÷ each map's max |value|)"
    # Colour bars lie under the grid, side by side: beside it they took a phone's width from the maps.
    two = bool(signed) and bool(unsigned)
    bar = dict(orientation="h", thickness=10, len=0.45 if two else 0.6, y=-0.02, yanchor="top",
               title=dict(side="top"))
    if signed:
        lim = _limit(signed) if shared else 1.0
        axes["signed"] = dict(colorscale=DIVERGING, cmin=-lim, cmax=lim, cmid=0, colorbar=dict(
            bar, x=0.25 if two else 0.5, title=dict(text=f"{units}<br>red for, blue against", side="top")))
    if unsigned:
        lim = _limit(unsigned) if shared else 1.0
        axes["unsigned"] = dict(colorscale=SEQUENTIAL, cmin=0, cmax=lim, colorbar=dict(
            bar, x=0.75 if two else 0.5, title=dict(text=f"|{units}|<br>unsigned", side="top")))
    names = {"signed": "coloraxis", "unsigned": "coloraxis2"}
    for i, p in enumerate(panels):
        v = np.asarray(p.values, dtype=np.float64)
        if p.kind == "digit":
            trace = go.Heatmap(z=v.astype(np.float32), colorscale=GREYS, zmin=0, zmax=1, showscale=False,
                               hovertemplate="row %{y}, column %{x}: pixel %{z:.2f}<extra></extra>")
        else:
            if not shared:
                v = v / max(float(np.abs(v).max()), 1e-12)
            # float32: plotly sends numpy arrays as typed bytes, and half the bytes is half the page's wait
            trace = go.Heatmap(z=v.astype(np.float32), coloraxis=names[p.kind],
                               hovertemplate="row %{y}, column %{x}: %{z:.4g}<extra>" + p.title + "</extra>")
        fig.add_trace(trace, i // cols + 1, i % cols + 1)
    for i in range(len(panels)):  # each picture square, in its own cell
        fig.layout[f"yaxis{i + 1 if i else ''}"].scaleanchor = f"x{i + 1 if i else ''}"
    fig.update_yaxes(autorange="reversed", showticklabels=False, ticks="", showgrid=False, zeroline=False,
                     constrain="domain")
    fig.update_xaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False, constrain="domain")
    layout = dict(height=rows * px + (150 if axes else 70), margin=dict(l=8, r=8, t=60 if title else 36, b=90 if axes else 8),
                  font=dict(size=FONT), title=dict(text=title))
    if "signed" in axes:
        layout["coloraxis"] = axes["signed"]
    if "unsigned" in axes:
        layout["coloraxis2"] = axes["unsigned"]
    fig.update_layout(**layout)
    fig.update_annotations(font_size=FONT)
    return fig
