"""Plotly figure builders of the Evaluate page: curves, the leaderboard, ranks, sanity checks. Pure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures.common import RED

# The figures a notebook draws too live in explain/figures/scores.py (explain/ cannot import app/).
from explain.figures.scores import (  # noqa: F401 - re-exported
    CONTROL_GREY,
    SERIES,
    curves_figure,
    leaderboard_figure,
    series_styles,
)


def rank_figure(methods: list[str], rank: np.ndarray, lo: np.ndarray, hi: np.ndarray, title: str) -> go.Figure:
    """Each method's rank (1 = best) with its bootstrap 95 % interval, best at the top."""
    rank, lo, hi = (np.asarray(v, float) for v in (rank, lo, hi))
    order = np.argsort(rank, kind="stable")[::-1]
    fig = go.Figure(go.Scatter(
        x=rank[order], y=[methods[i] for i in order], mode="markers", marker=dict(size=9, color=RED),
        error_x=dict(type="data", symmetric=False, array=(hi - rank)[order], arrayminus=(rank - lo)[order]),
        hovertemplate="%{y}: rank %{x} (95 % interval %{customdata})<extra></extra>",
        customdata=[f"{lo[i]:.0f}–{hi[i]:.0f}" for i in order]))
    fig.update_layout(title=title, height=90 + 24 * len(methods), margin=dict(l=8, r=16, t=40, b=48), font_size=12)
    # Ranks start at 1; with many methods every other tick, so the labels do not crowd.
    n = len(methods)
    fig.update_xaxes(title="rank (1 = best), bootstrap 95 % interval", range=[0.5, n + 0.5],
                     tickvals=list(range(1, n + 1, 1 if n <= 12 else 2)), automargin=True)
    fig.update_yaxes(title="method")
    return fig


def sanity_many_figure(summaries: dict[str, tuple[list[str], np.ndarray, np.ndarray]], title: str) -> go.Figure:
    """Per method: mean Spearman with the trained model's maps over many digits, 95 % CI whiskers."""
    styles = series_styles(list(summaries))
    fig = go.Figure([go.Scatter(x=["none", *steps], y=[1.0, *mean], mode="lines+markers", name=name,
                                line=styles[name], error_y=dict(type="data", array=[0.0, *ci], visible=True))
                     for name, (steps, mean, ci) in summaries.items()])
    # A short y title: a long one ran past the plot's height into the chart's title.
    fig.update_layout(title=title, height=360, margin=dict(l=48, r=8, t=56, b=36), font_size=12)
    fig.update_yaxes(title="mean Spearman ρ", range=[-0.2, 1.05])
    fig.update_xaxes(title="layers randomised")
    return fig


def sanity_curves_figure(rows: dict[str, list[tuple[str, float]]], title: str) -> go.Figure:
    """Per method: similarity to the original map as more layers are randomised."""
    styles = series_styles(list(rows))
    fig = go.Figure([go.Scatter(x=[label for label, _ in pts], y=[v for _, v in pts], mode="lines+markers",
                                name=name, line=styles[name]) for name, pts in rows.items()])
    fig.update_layout(title=title, height=360, margin=dict(l=48, r=8, t=56, b=36), font_size=12)
    fig.update_yaxes(title="Spearman ρ", range=[-1, 1])
    fig.update_xaxes(title="layers randomised")
    return fig
