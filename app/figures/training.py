"""Figures of the Train page: training curves and a confusion matrix whose cells can be clicked."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from model.train import Progress

ROUND_STEPS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25)  # accuracy tick spacings people read at a glance


def accuracy_axis(values: Sequence[float], max_ticks: int = 6) -> tuple[list[float], float]:
    """A range and a round tick spacing that cover every value (accuracies in [0, 1])."""
    if not values:
        return [0.0, 1.0], 0.2
    lo, hi = min(values), max(values)
    for step in ROUND_STEPS:
        bottom = math.floor(lo / step - 1e-9) * step
        top = min(1.0, math.ceil(hi / step + 1e-9) * step)
        if top <= hi:  # a point exactly on 100 %: keep a little room above it
            top = hi + step / 2
        if (top - bottom) / step <= max_ticks:
            return [max(0.0, bottom - step / 4), top + step / 4], step
    return [0.0, 1.05], 0.2


def training_curves(events: Sequence[Progress], epochs: int, accuracy_label: str) -> go.Figure:
    """Training loss per report (left axis) and accuracy per epoch (right axis, round ticks)."""
    at = [(e.epoch - 1) + e.step / e.steps_per_epoch for e in events]
    ends = [(x, e.val_accuracy if e.val_accuracy is not None else e.test_accuracy)
            for x, e in zip(at, events, strict=True)]
    ends = [(x, a) for x, a in ends if a is not None]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=at, y=[e.loss for e in events], name="training loss",
                             mode="lines" if len(events) > 2 else "lines+markers",  # one report: still a dot
                             hovertemplate="epoch %{x:.2f}: loss %{y:.4f}<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(x=[x for x, _ in ends], y=[a for _, a in ends], name=accuracy_label,
                             mode="lines+markers", hovertemplate="after epoch %{x:.0f}: %{y:.2%}<extra></extra>"),
                  secondary_y=True)
    rng, step = accuracy_axis([a for _, a in ends])
    top = max((e.loss for e in events), default=1.0)
    fig.update_yaxes(title_text="training loss (cross-entropy)", range=[0, top * 1.08], secondary_y=False)
    fig.update_yaxes(title_text=accuracy_label, range=rng, tickmode="linear", tick0=0.0, dtick=step,
                     tickformat=".1%" if step < 0.01 else ".0%", showgrid=False, secondary_y=True)
    fig.update_xaxes(title_text="epoch", range=[0, max(epochs, 1)], tickmode="linear", tick0=0,
                     dtick=max(1, math.ceil(epochs / 10)))
    fig.update_layout(height=340, margin=dict(l=60, r=70, t=30, b=40), font=dict(size=13),
                      legend=dict(orientation="h", y=1.12, x=0))
    return fig


def clickable_confusion(confusion: list[list[int]]) -> go.Figure:
    """The 10×10 confusion matrix (rows true, columns predicted) with one selectable point per cell.

    Streamlit's `on_select` returns nothing for heatmap traces; a transparent scatter at the cell
    centres does select, and carries (true, predicted) in its customdata.
    """
    cm = np.asarray(confusion, dtype=float)
    labels = [str(d) for d in range(10)]
    ticks = [1, 10, 100, 1000]
    fig = go.Figure(go.Heatmap(
        z=np.log1p(cm), x=labels, y=labels, text=cm.astype(int), texttemplate="%{text}", colorscale="Blues",
        hoverinfo="skip", textfont=dict(size=12),
        colorbar=dict(title=dict(text="test digits"), tickvals=np.log1p(ticks).tolist(),
                      ticktext=[f"{t:,}" for t in ticks]),
    ))
    true, pred = np.meshgrid(range(10), range(10), indexing="ij")
    fig.add_trace(go.Scatter(
        x=[str(p) for p in pred.ravel()], y=[str(t) for t in true.ravel()], mode="markers",
        marker=dict(size=28, color="rgba(0,0,0,0)", symbol="square"), showlegend=False,
        customdata=np.stack([true.ravel(), pred.ravel(), cm.astype(int).ravel()], axis=1),
        hovertemplate="true %{customdata[0]}, predicted %{customdata[1]}: %{customdata[2]} digits"
                      "<br>click to open them in Explore<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", title="true digit", type="category")
    fig.update_xaxes(title="predicted digit", type="category", side="top")
    fig.update_layout(height=440, margin=dict(l=50, r=8, t=60, b=8), font=dict(size=13), clickmode="event+select")
    return fig


def cell_from_selection(points: Sequence[dict]) -> tuple[int, int] | None:
    """(true digit, predicted digit) of the first clicked cell, from a plotly selection's points."""
    for p in points:
        custom = p.get("customdata")
        if isinstance(custom, list | tuple) and len(custom) >= 2:
            return int(custom[0]), int(custom[1])
        if "x" in p and "y" in p:  # a click that reached the heatmap itself
            return int(p["y"]), int(p["x"])
    return None
