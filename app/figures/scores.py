"""Plotly figure builders of the Evaluate page: curves, the leaderboard, ranks, sanity checks. Pure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures.common import RED


def curves_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str, y_title: str = "score") -> go.Figure:
    """Overlaid lines, e.g. deletion curves: name → (x, y)."""
    fig = go.Figure([go.Scatter(x=np.asarray(x), y=np.asarray(y), mode="lines", name=name)
                     for name, (x, y) in curves.items()])
    fig.update_layout(title=title, height=330, margin=dict(l=40, r=8, t=40, b=36), legend=dict(font_size=11))
    fig.update_xaxes(title="fraction of pixels", range=[0, 1])
    fig.update_yaxes(title=y_title)
    return fig


def leaderboard_figure(methods: list[str], means: np.ndarray, ci: np.ndarray, metric: str,
                       higher_is_better: bool) -> go.Figure:
    """Horizontal bars of one metric's mean with 95 % confidence intervals, best at the top."""
    means, ci = np.asarray(means, float), np.nan_to_num(np.asarray(ci, float))
    order = np.argsort(-means if higher_is_better else means, kind="stable")[::-1]
    colors = ["#9e9e9e" if methods[i].startswith("control") else RED for i in order]
    fig = go.Figure(go.Bar(x=means[order], y=[methods[i] for i in order], orientation="h", marker_color=colors,
                           error_x=dict(type="data", array=ci[order], visible=True), name="mean",
                           hovertemplate="%{y}: %{x:.4f} ± %{error_x.array:.4f} (95 % CI)<extra></extra>"))
    arrow = "higher is better" if higher_is_better else "lower is better"
    fig.update_layout(title="Mean with 95 % confidence interval (grey: controls)",
                      height=80 + 24 * len(methods), margin=dict(l=8, r=8, t=40, b=40), font_size=12)
    fig.update_xaxes(title=f"{metric}, mean over digits ({arrow})")
    fig.update_yaxes(title="method")
    return fig


def rank_figure(methods: list[str], rank: np.ndarray, lo: np.ndarray, hi: np.ndarray, title: str) -> go.Figure:
    """Each method's rank (1 = best) with its bootstrap 95 % interval, best at the top."""
    rank, lo, hi = (np.asarray(v, float) for v in (rank, lo, hi))
    order = np.argsort(rank, kind="stable")[::-1]
    fig = go.Figure(go.Scatter(
        x=rank[order], y=[methods[i] for i in order], mode="markers", marker=dict(size=9, color=RED),
        error_x=dict(type="data", symmetric=False, array=(hi - rank)[order], arrayminus=(rank - lo)[order]),
        hovertemplate="%{y}: rank %{x} (95 % interval %{customdata})<extra></extra>",
        customdata=[f"{lo[i]:.0f}–{hi[i]:.0f}" for i in order]))
    fig.update_layout(title=title, height=80 + 24 * len(methods), margin=dict(l=8, r=8, t=40, b=40), font_size=12)
    fig.update_xaxes(title="rank (1 = best), bootstrap 95 % interval", dtick=1, rangemode="tozero")
    fig.update_yaxes(title="method")
    return fig


def sanity_many_figure(summaries: dict[str, tuple[list[str], np.ndarray, np.ndarray]], title: str) -> go.Figure:
    """Per method: mean Spearman with the trained model's maps over many digits, 95 % CI whiskers."""
    fig = go.Figure([go.Scatter(x=["none", *steps], y=[1.0, *mean], mode="lines+markers", name=name,
                                error_y=dict(type="data", array=[0.0, *ci], visible=True))
                     for name, (steps, mean, ci) in summaries.items()])
    fig.update_layout(title=title, height=330, margin=dict(l=40, r=8, t=40, b=36), font_size=12)
    fig.update_yaxes(title="mean Spearman with the trained maps (95 % CI)", range=[-0.2, 1.05])
    fig.update_xaxes(title="layers randomised")
    return fig


def sanity_curves_figure(rows: dict[str, list[tuple[str, float]]], title: str) -> go.Figure:
    """Per method: similarity to the original map as more layers are randomised."""
    fig = go.Figure([go.Scatter(x=[label for label, _ in pts], y=[v for _, v in pts], mode="lines+markers",
                                name=name) for name, pts in rows.items()])
    fig.update_layout(title=title, height=330, margin=dict(l=40, r=8, t=40, b=36))
    fig.update_yaxes(title="Spearman with the trained model's map", range=[-1, 1])
    fig.update_xaxes(title="layers randomised")
    return fig
