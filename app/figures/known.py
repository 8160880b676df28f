"""Figures of the known-answer views: how much of each method's attribution lands on the planted patch. Pure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures.palette import BLUE, RED


def known_scores_figure(names: list[str], shortcut: tuple[np.ndarray, np.ndarray, np.ndarray],
                        bundled: tuple[np.ndarray, np.ndarray, np.ndarray] | None, chance: float,
                        mark: str = "planted patch") -> go.Figure:
    """Per method, (mean, low, high) share of |attribution| on the `mark` for the model that learnt the
    shortcut and (unless None) for the bundled model on the same marked digits; a dashed line at chance.
    Best at the top."""
    mean_s, lo_s, hi_s = (np.asarray(v, float) for v in shortcut)
    order = np.argsort(np.nan_to_num(mean_s, nan=-1.0), kind="stable")  # plotly draws the first bar at the bottom
    ys = [names[i] for i in order]

    def bars(mean, lo, hi, label, color):
        return go.Bar(x=mean[order] * 100, y=ys, orientation="h", name=label, marker_color=color,
                      error_x=dict(type="data", symmetric=False, array=np.nan_to_num(hi - mean)[order] * 100,
                                   arrayminus=np.nan_to_num(mean - lo)[order] * 100, visible=True),
                      hovertemplate="%{y}: %{x:.1f} %<extra>" + label + "</extra>")

    other = [] if bundled is None else [bars(*(np.asarray(v, float) for v in bundled), "bundled model (no shortcut)",
                                             BLUE)]
    fig = go.Figure([*other, bars(mean_s, lo_s, hi_s, "model with the planted shortcut", RED)])
    fig.add_vline(x=chance * 100, line_dash="dash", line_color="#555555")
    # Title on two short lines and the legend under it: on a phone one long line was clipped and the
    # legend drawn over it.
    fig.update_layout(barmode="group", title=dict(text=f"Share of attribution on the {mark}<br>"
                                                       f"(95 % intervals; dashed: chance, {chance:.1%})",
                                                  yref="container", y=1.0, yanchor="top", pad=dict(t=10)),
                      height=200 + 34 * len(names), margin=dict(l=8, r=16, t=100, b=48), font_size=12,
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, font_size=12))
    fig.update_xaxes(title=f"share of |attribution| on the {mark}, mean over digits (%)", automargin=True,
                     rangemode="tozero")
    fig.update_yaxes(title="method")
    return fig


NOT_SIGNIFICANT = "#c8c8c8"


def tcav_figure(layer: str, classes: list[int], score: np.ndarray, spread: np.ndarray, random_score: np.ndarray,
                significant: np.ndarray, p_values: np.ndarray, alpha: float = 0.05) -> go.Figure:
    """One layer: each class's TCAV score (mean over runs against random concepts, ± its standard deviation),
    grey where not significant (p at or above the level `alpha` the caller held them to, named in the title, or
    the layer's CAV at chance); a black diamond at the random-vs-random mean (the null)."""
    score, spread, random_score = (np.asarray(v, float) for v in (score, spread, random_score))
    sig = np.asarray(significant, bool)
    labels = np.array([str(c) for c in classes])
    p_values = np.asarray(p_values, float)

    def bars(keep: np.ndarray, name: str, color: str) -> go.Bar:
        # One trace per kind, so the legend's swatches say which colour means what.
        return go.Bar(x=labels[keep], y=score[keep], name=name, marker_color=color,
                      error_y=dict(type="data", array=spread[keep], visible=True, color="#444444"),
                      customdata=np.stack([p_values[keep], spread[keep]], axis=1),
                      hovertemplate="digit %{x}: TCAV score %{y:.2f} ± %{customdata[1]:.2f}, p = %{customdata[0]:.2g}"
                                    "<extra></extra>")

    fig = go.Figure([
        bars(sig, "significant", RED), bars(~sig, "not significant", NOT_SIGNIFICANT),
        go.Scatter(x=labels, y=random_score, mode="markers", name="random vs random (null)",
                   marker=dict(symbol="diamond", size=9, color="#222222"),
                   hovertemplate="digit %{x}: random-vs-random %{y:.2f}<extra></extra>"),
    ])
    fig.update_layout(title=dict(text=f"{layer}: TCAV score per class<br>(grey: not significant: p ≥ {alpha:.2g} "
                                      "or a CAV at chance)",
                                 yref="container", y=1.0, yanchor="top", pad=dict(t=10)), height=380,
                      margin=dict(l=48, r=8, t=110, b=44), font_size=12,
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, font_size=12))
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title="class (digit)", type="category", categoryorder="array", categoryarray=list(labels))
    fig.update_yaxes(title="share of the class's digits pushed up", range=[0, 1.05])
    return fig
