"""Plotly figures of the What-if page: pure functions, arrays in, figures out. No Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures.common import BLUE, DIVERGING, RED


def probabilities_before_after(before: np.ndarray, after: np.ndarray, names: tuple[str, str] = ("before", "after")
                               ) -> go.Figure:
    """The 10 class probabilities of two images as grouped bars."""
    digits = [str(d) for d in range(10)]
    fig = go.Figure([
        go.Bar(x=digits, y=np.asarray(before, float), name=names[0], marker_color="#7f9fbf",
               hovertemplate="digit %{x}: %{y:.4f}<extra>" + names[0] + "</extra>"),
        go.Bar(x=digits, y=np.asarray(after, float), name=names[1], marker_color="#d62728",
               hovertemplate="digit %{x}: %{y:.4f}<extra>" + names[1] + "</extra>"),
    ])
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", title="probability", tickvals=[0, 0.25, 0.5, 0.75, 1])
    fig.update_xaxes(title="digit", type="category")
    fig.update_layout(barmode="group", height=260, margin=dict(l=40, r=8, t=8, b=36),
                      legend=dict(orientation="h", y=1.12, font_size=12))
    return fig


def accuracy_curves_figure(curves: dict[str, tuple[list[float], list[float]]], norm_label: str, n: int) -> go.Figure:
    """Accuracy against ε, one line per attack, on one chart."""
    fig = go.Figure([go.Scatter(x=e, y=a, mode="lines+markers", name=name,
                                hovertemplate="ε %{x}: %{y:.1%}<extra>" + name + "</extra>")
                     for name, (e, a) in curves.items()])
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title="accuracy under attack", tickvals=[0, .25, .5, .75, 1])
    fig.update_xaxes(title=f"ε ({norm_label} radius)", rangemode="tozero")
    fig.update_layout(title=f"Accuracy against attack strength ({n:,} test digits)", height=340,
                      margin=dict(l=50, r=8, t=44, b=40), legend=dict(font_size=12))
    return fig


def min_eps_histogram(values: np.ndarray, attack: str, eps_max: float) -> go.Figure:
    """Histogram of the smallest ε that flips each digit (digits never flipped are counted apart)."""
    v = np.asarray(values, dtype=float)
    found = v[np.isfinite(v)]
    fig = go.Figure(go.Histogram(x=found, xbins=dict(start=0, end=eps_max, size=eps_max / 25),
                                 marker_color=RED, hovertemplate="ε %{x}: %{y} digits<extra></extra>"))
    missing = int((~np.isfinite(v)).sum())
    extra = f"; {missing} not flipped by ε ≤ {eps_max:g}" if missing else ""
    fig.update_layout(title=f"Smallest ε that flips each digit ({attack}, {len(v)} digits{extra})", height=320,
                      margin=dict(l=50, r=8, t=44, b=40), bargap=0.05)
    fig.update_xaxes(title="minimal ε (L∞)", range=[0, eps_max])
    fig.update_yaxes(title="digits")
    return fig


def stability_figure(names: list[str], overlap: list[float], rank: list[float], fraction: float) -> go.Figure:
    """Per method: how much of its map survives a prediction-keeping perturbation (1 = unchanged)."""
    fig = go.Figure([
        go.Bar(x=names, y=overlap, name=f"top-{fraction:.0%} overlap", marker_color=BLUE,
               hovertemplate="%{x}: %{y:.3f}<extra>top-k overlap</extra>"),
        go.Bar(x=names, y=rank, name="Spearman rank correlation", marker_color=DIVERGING[4][1],
               hovertemplate="%{x}: %{y:.3f}<extra>Spearman</extra>"),
    ])
    fig.update_yaxes(range=[-1, 1.05], title="agreement with the clean map", tickvals=[-1, -0.5, 0, 0.5, 1])
    fig.update_xaxes(title="method")
    fig.update_layout(barmode="group", height=320, margin=dict(l=50, r=8, t=20, b=40),
                      legend=dict(orientation="h", y=1.12, font_size=12))
    return fig
