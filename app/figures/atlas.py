"""Plotly figure builders for the Map page (pure functions: arrays in, figure out)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from app.figures.common import light_figure

DIGIT_COLOURS = list(qualitative.D3)  # ten distinguishable colours for digits 0-9
COLOUR_MODES = {"label": "true label", "prediction": "prediction", "mistake": "mistake", "confidence": "confidence"}


@dataclass(frozen=True)
class MapPoints:
    """What the map shows about each test digit."""

    coords: np.ndarray  # (N, 2)
    labels: np.ndarray  # (N,) true labels
    predictions: np.ndarray  # (N,)
    confidence: np.ndarray  # (N,) top softmax probability


def _hover(name: str) -> str:
    return ("#%{customdata[0]}: true %{customdata[1]}, predicted %{customdata[2]} "
            f"(%{{customdata[3]:.2f}})<extra>{name}</extra>")


def _trace(p: MapPoints, idx: np.ndarray, name: str, marker: dict) -> dict:
    # An array (a typed array in the JSON), not lists: 10,000 points' lists cost 0.3 s of copying per page
    # run. A selected point's customdata then comes back as {"0": …, "1": …}: selected_indices reads both.
    custom = np.stack([idx, p.labels[idx], p.predictions[idx], p.confidence[idx]], axis=1).astype(np.float32)
    return dict(type="scattergl", x=p.coords[idx, 0], y=p.coords[idx, 1], mode="markers", name=name,
                customdata=custom, marker={"size": 4, "opacity": 0.75, **marker}, hovertemplate=_hover(name))


def _categorical(p: MapPoints, values: np.ndarray, title: str) -> list[dict]:
    return [_trace(p, np.flatnonzero(values == d), f"{title} {d}", {"color": DIGIT_COLOURS[d]}) for d in range(10)]


def _mistake(p: MapPoints) -> list[dict]:
    wrong = p.predictions != p.labels
    return [_trace(p, np.flatnonzero(~wrong), "correct", {"color": "#c7c7c7"}),
            _trace(p, np.flatnonzero(wrong), "mistake", {"color": "#d62728", "size": 6})]


def _confidence(p: MapPoints) -> list[dict]:
    idx = np.arange(len(p.labels))
    return [_trace(p, idx, "digit", {"color": p.confidence, "colorscale": "Viridis", "cmin": 0, "cmax": 1,
                                      "colorbar": dict(title="confidence", thickness=12, tickvals=[0, 0.5, 1])})]


_BUILDERS = {
    "label": lambda p: _categorical(p, p.labels, "true"),
    "prediction": lambda p: _categorical(p, p.predictions, "predicted"),
    "mistake": _mistake,
    "confidence": _confidence,
}


def map_figure(points: MapPoints, colour: str, axis_titles: tuple[str, str], title: str,
               star: tuple[float, float] | None = None, star_label: str = "current input") -> go.Figure:
    """A WebGL scatter of every test digit, coloured by `colour`, with the current input as a star.

    Built from plain dicts (light_figure): validating 10,000 points' hover data took 0.25–0.5 s per page run;
    tests/test_figures_export.py validates it."""
    if colour not in _BUILDERS:
        raise ValueError(f"colour must be one of {list(_BUILDERS)}, got {colour!r}")
    traces = _BUILDERS[colour](points)
    annotations = []
    if star is not None:
        # The star keeps full opacity when a selection dims every other point, and a labelled arrow points at
        # it: a 22-px star among 10,000 points was hard to find, on a phone above all.
        keep = dict(marker=dict(opacity=1))
        # WebGL like the points: an SVG trace is drawn under every WebGL layer, so the star hid under the cloud.
        traces.append(dict(type="scattergl", x=[star[0]], y=[star[1]], mode="markers", name=star_label,
                           marker=dict(symbol="star", size=24, color="#ffd700", line=dict(color="black", width=2)),
                           selected=keep, unselected=keep, hovertemplate=f"{star_label}<extra></extra>"))
        # Also drawn as annotations (a black star under a gold one): after a rerun with a selection, plotly
        # dims every trace the selection leaves out, the star's too; annotations are never dimmed.
        annotations += [dict(x=star[0], y=star[1], text="★", showarrow=False, font=dict(size=size, color=colour),
                             yshift=1) for size, colour in ((36, "#000000"), (28, "#ffd700"))]
        annotations.append(dict(x=star[0], y=star[1], text=star_label, showarrow=True, arrowhead=2, arrowwidth=2,
                                ax=45, ay=-45, standoff=12, font=dict(size=13), bgcolor="rgba(255,255,255,0.9)",
                                bordercolor="#000000", borderpad=3))
    # The legend sits under the plot and the tool bar down the right: beside the plot the legend squeezed it
    # to ~170 px on a phone, and the tool bar covered the title.
    return light_figure(traces, dict(
        title=dict(text=title), height=620, margin=dict(l=50, r=30, t=50, b=50), dragmode="lasso",
        legend=dict(font=dict(size=12), itemsizing="constant", orientation="h", yanchor="top", y=-0.12, x=0),
        modebar=dict(orientation="v"), font=dict(size=12), annotations=annotations,
        xaxis=dict(title=dict(text=axis_titles[0]), zeroline=False),
        yaxis=dict(title=dict(text=axis_titles[1]), zeroline=False)))


def selected_indices(event: object) -> list[int]:
    """Test-set indices of the points a plotly_chart selection event names (the star is skipped)."""
    selection = getattr(event, "selection", None) if event is not None else None
    points = (selection or {}).get("points", []) if isinstance(selection, dict) else getattr(selection, "points", [])
    out = []
    for pt in points or []:
        custom = pt.get("customdata") if isinstance(pt, dict) else None
        if isinstance(custom, dict):  # a typed array serialised by the browser
            custom = [custom.get("0")]
        if isinstance(custom, list | tuple) and custom and custom[0] is not None:
            out.append(int(custom[0]))
    return list(dict.fromkeys(out))
