"""Figures of the class-level views (explain/classview): mean maps beside mean digits, a kind of
mistake, one class's strategies, and the disagreement between methods (matrix at k, curves over k)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explain.classview.disagreement import DISPLAY, METRICS
from explain.classview.views import ClassViews
from explain.figures.house import FONT
from explain.figures.maps import Panel, maps_figure
from explain.registry import get_method

SERIES = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7",
          "#17becf")


def _kind(views: ClassViews, method: str) -> str:
    return "signed" if views.views[method].signed else "unsigned"


def class_means_figure(views: ClassViews, method: str) -> go.Figure:
    """Top row the mean digit of each class, below it the method's mean map (one scale for all ten)."""
    v = views.views[method]
    n = np.diag(views.counts)
    panels = []
    for half in (range(5), range(5, 10)):  # a row of mean digits, under it their mean maps; twice
        panels += [Panel(f"{c} · {n[c]:,}", views.mean_digits[c], "digit") for c in half]
        panels += [Panel(f"map of {c}", v.class_maps[c], _kind(views, method)) for c in half]
    return maps_figure(panels, cols=5, px=170, bar_title="mean attribution",
                       title=f"{get_method(method).display}: mean per class")


def mistake_figure(views: ClassViews, method: str, true: int, predicted: int) -> go.Figure:
    """"True a, predicted b": their mean digit and mean map (explaining b), beside the mean maps of
    the classes a and b when the model is right, all on one scale."""
    v, kind = views.views[method], _kind(views, method)
    n = int(views.counts[true, predicted])
    if true == predicted or n == 0:
        raise ValueError(f"no test digit is a {true} predicted as {predicted}")
    panels = [Panel(f"true {true}, predicted {predicted} · {n}", views.mistake_digits[true, predicted], "digit"),
              Panel(f"their map (for {predicted})", v.mistake_maps[true, predicted], kind),
              Panel(f"mean map of {true}s", v.class_maps[true], kind),
              Panel(f"mean map of {predicted}s", v.class_maps[predicted], kind)]
    return maps_figure(panels, cols=4, px=190, bar_title="mean attribution",
                       title=f"{get_method(method).display}: {true}s the model read as {predicted}")


def strategies_figure(views: ClassViews, method: str, digit_class: int, images: np.ndarray, members: int = 4
                      ) -> go.Figure:
    """One column per strategy: its mean map (size in the title), then digits nearest its centre."""
    s = views.views[method].strategies[digit_class]
    total = max(int(s.sizes.sum()), 1)
    panels = [Panel(f"strategy {i + 1} · {int(n):,} ({n / total:.0%})", s.maps[i], _kind(views, method))
              for i, n in enumerate(s.sizes)]
    for row in range(members):
        for i in range(s.k):
            idx = int(s.members[i, row]) if row < s.members.shape[1] else -1
            panels.append(Panel(f"test #{idx}" if idx >= 0 else "–",
                                images[idx] if idx >= 0 else np.zeros_like(s.maps[0]), "digit"))
    # A short title (a phone's width): how k was chosen is the silhouette figure's.
    return maps_figure(panels, cols=s.k, px=150, bar_title="mean attribution",
                       title=f"{get_method(method).display}: {s.k} strategies for {digit_class}s")


def silhouette_figure(views: ClassViews, method: str, digit_class: int) -> go.Figure:
    s = views.views[method].strategies[digit_class]
    ks = sorted(s.silhouettes)
    fig = go.Figure(go.Scatter(x=ks, y=[s.silhouettes[k] for k in ks], mode="lines+markers",
                               hovertemplate="k = %{x}: silhouette %{y:.3f}<extra></extra>"))
    fig.update_layout(title=f"Silhouette per k (best: k = {s.k})", height=260, font_size=FONT,
                      margin=dict(l=48, r=8, t=40, b=40))
    fig.update_xaxes(title="number of strategies k", dtick=1)
    fig.update_yaxes(title="mean silhouette")
    return fig


def _check(metric: str, k: int, p: int) -> None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    if not 1 <= k <= p:
        raise ValueError(f"k must be in 1..{p}, got {k!r}")


def agreement_matrix(views: ClassViews, metric: str, k: int) -> np.ndarray:
    """Method × method mean agreement at k over the test digits (1 on the diagonal)."""
    _check(metric, k, views.curves[metric].shape[1])
    names = views.methods
    out = np.eye(len(names))
    for row, (a, b) in zip(views.curves[metric], views.pairs, strict=True):
        i, j = names.index(a), names.index(b)
        out[i, j] = out[j, i] = row[k - 1]
    return out


def disagreement_figure(matrix: np.ndarray, methods: list[str], metric: str, k: int, title: str) -> go.Figure:
    """A method × method heatmap of one agreement (0–1) at k, each cell labelled."""
    names = [get_method(m).display for m in methods]
    fig = go.Figure(go.Heatmap(z=matrix, x=names, y=names, zmin=0, zmax=1, colorscale="Blues",
                               text=np.round(matrix, 2), texttemplate="%{text}",
                               hovertemplate="%{y} vs %{x}: %{z:.3f}<extra></extra>",
                               colorbar=dict(title=dict(text=f"{DISPLAY[metric].split()[0].lower()}<br>agreement<br>"
                                                                  f"at k = {k}"), thickness=10)))
    fig.update_yaxes(autorange="reversed", title="method")
    fig.update_xaxes(title="method")
    fig.update_layout(title=title, height=200 + 40 * len(names), margin=dict(l=8, r=8, t=40, b=8), font_size=FONT)
    return fig


def agreement_curves_figure(views: ClassViews, metric: str, k: int) -> go.Figure:
    """Every pair's mean agreement against k (1..P, log axis), a marker line at the chosen k."""
    _check(metric, k, views.curves[metric].shape[1])
    ks = np.arange(1, views.curves[metric].shape[1] + 1)
    fig = go.Figure([go.Scatter(x=ks, y=row, mode="lines", name=f"{get_method(a).display} · {get_method(b).display}",
                                line=dict(color=SERIES[i % len(SERIES)]),
                                hovertemplate="k = %{x}: %{y:.3f}<extra>%{fullData.name}</extra>")
                     for i, (row, (a, b)) in enumerate(zip(views.curves[metric], views.pairs, strict=True))])
    fig.add_vline(x=k, line_dash="dot", line_color="#555")
    fig.update_layout(title=f"{DISPLAY[metric]} against k", height=480, margin=dict(l=48, r=8, t=40, b=40),
                      font_size=FONT, legend=dict(font_size=11, orientation="h", y=-0.25, yanchor="top"))
    fig.update_xaxes(title="k (top features compared, log scale)", type="log")
    fig.update_yaxes(title=DISPLAY[metric].lower(), range=[0, 1.02])
    return fig
