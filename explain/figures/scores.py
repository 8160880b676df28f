"""Score figures shared by the app's Evaluate page and notebooks: deletion / insertion curves and the
leaderboard's bars (moved here from app/figures/scores.py, which re-exports them)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explain.figures.house import DIVERGING

RED = DIVERGING[5][1]

# Ten clearly different hues (Tableau 10), in order, for lines of several methods: Streamlit's default
# colour cycle pairs a dark and a light shade of one hue, so neighbouring methods looked alike.
SERIES = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7",
          "#17becf")
CONTROL_GREY = "#9e9e9e"


def series_styles(names: list[str]) -> dict[str, dict]:
    """name → line style: a distinct colour per method, in order; controls grey and dotted."""
    out, k = {}, 0
    for name in names:
        if name.startswith("control"):
            out[name] = dict(color=CONTROL_GREY, dash="dot")
        else:
            out[name] = dict(color=SERIES[k % len(SERIES)], dash="solid" if k < len(SERIES) else "dash")
            k += 1
    return out


def curves_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str, y_title: str = "score") -> go.Figure:
    """Overlaid lines, e.g. deletion curves: name → (x, y)."""
    styles = series_styles(list(curves))
    fig = go.Figure([go.Scatter(x=np.asarray(x), y=np.asarray(y), mode="lines", name=name, line=styles[name])
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
    # The direction goes in the title: as the end of a long axis title it was clipped ("…lower is bet").
    fig.update_layout(title=f"Mean with 95 % interval ({arrow}; grey: controls)",
                      height=90 + 24 * len(methods), margin=dict(l=8, r=16, t=40, b=48), font_size=12)
    fig.update_xaxes(title=f"{metric}, mean over digits", automargin=True)
    fig.update_yaxes(title="method")
    return fig


