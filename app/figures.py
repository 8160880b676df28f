"""Plotly figure builders: pure functions, arrays in, figures out. No Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

_MARGIN = dict(l=4, r=4, t=28, b=4)


def pad_square(image: np.ndarray) -> np.ndarray:
    """Pad a thin image with black to a square so it displays at a readable size."""
    img = np.asarray(image, dtype=float)
    h, w = img.shape
    side = max(h, w)
    out = np.zeros((side, side))
    top, left = (side - h) // 2, (side - w) // 2
    out[top : top + h, left : left + w] = img
    return out


def digit_figure(image: np.ndarray, title: str = "", height: int = 220) -> go.Figure:
    """A grayscale image in [0, 1], white ink on black, square pixels, no axes."""
    img = pad_square(image)
    fig = go.Figure(
        go.Heatmap(z=img, colorscale="gray", zmin=0.0, zmax=1.0, showscale=False,
                   hovertemplate="row %{y}, col %{x}: %{z:.2f}<extra></extra>")
    )
    fig.update_yaxes(autorange="reversed", visible=False, scaleanchor="x", constrain="domain")
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_layout(title=dict(text=title, font=dict(size=13)), height=height, margin=_MARGIN)
    return fig


def probability_figure(probs: np.ndarray, highlight: int | None = None) -> go.Figure:
    """Bar chart of the 10 class probabilities; the predicted digit stands out."""
    p = np.asarray(probs, dtype=float).reshape(-1)
    if p.shape != (10,):
        raise ValueError(f"expected 10 probabilities, got shape {p.shape}")
    top = int(p.argmax()) if highlight is None else highlight
    colors = ["#d62728" if d == top else "#7f9fbf" for d in range(10)]
    fig = go.Figure(
        go.Bar(x=[str(d) for d in range(10)], y=p, marker_color=colors,
               text=[f"{v:.0%}" if v >= 0.01 else "" for v in p], textposition="outside",
               hovertemplate="digit %{x}: %{y:.4f}<extra></extra>")
    )
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%", title="probability")
    fig.update_xaxes(title="digit", type="category")
    fig.update_layout(height=260, margin=dict(l=40, r=8, t=8, b=36), showlegend=False)
    return fig
