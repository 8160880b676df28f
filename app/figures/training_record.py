"""Figures for "Across training" on the Map page (pure functions: arrays in, figure out)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from app.figures.atlas import DIGIT_COLOURS

ACCURACY_COLOUR = "#222222"
METHOD_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
METHOD_COLOURS = [qualitative.D3[i] for i in (0, 3, 2, 4, 1, 5)]  # D3: blue, red, green, purple, orange, brown


def training_agreement_chart(epochs: np.ndarray, accuracy: np.ndarray, agreement: dict[str, np.ndarray],
                             displays: dict[str, str], current: int | None = None) -> go.Figure:
    """Per epoch: test accuracy and each method's mean Spearman ρ with its final map, on one 0–1 axis."""
    x = np.asarray(epochs).tolist()
    fig = go.Figure()
    fig.add_scatter(x=x, y=np.asarray(accuracy).tolist(), name="test accuracy", mode="lines+markers",
                    line=dict(color=ACCURACY_COLOUR, width=3),
                    hovertemplate="epoch %{x}: accuracy %{y:.2%}<extra></extra>")
    for i, (name, rho) in enumerate(agreement.items()):
        label = displays.get(name, name)
        fig.add_scatter(x=x, y=np.asarray(rho).tolist(), name=f"{label}: ρ with final map", mode="lines+markers",
                        line=dict(dash=METHOD_DASHES[i % len(METHOD_DASHES)], width=2,
                                  color=METHOD_COLOURS[i % len(METHOD_COLOURS)]),
                        hovertemplate=f"epoch %{{x}}: {label} ρ %{{y:.3f}}<extra></extra>")
    if current is not None:
        fig.add_vline(x=current, line=dict(color="#888888", width=1, dash="dot"))
    low = min(0.0, *(float(np.nanmin(r)) for r in agreement.values() if np.isfinite(r).any()))
    fig.update_xaxes(title_text="epoch (0 = initial weights)", tickmode="linear", dtick=1 if len(x) <= 20 else 5)
    fig.update_yaxes(title_text="accuracy · Spearman ρ", range=[low - 0.03, 1.03], dtick=0.2)
    fig.update_layout(height=340, margin=dict(l=60, r=10, t=40, b=50), font=dict(size=12),
                      title=dict(text="How close each method's maps are to their final form", font=dict(size=14)),
                      legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return fig


def probe_positions_figure(background_xy: np.ndarray, background_labels: np.ndarray, probe_xy: np.ndarray,
                           probe_titles: list[str], probe_labels: np.ndarray, limits: tuple[float, float, float, float],
                           layer_label: str, epoch: int) -> go.Figure:
    """One epoch's layer positions in the fixed PCA basis: a faint cloud of test digits, the probes on top.

    `limits` (x0, x1, y0, y1) stay the same for every epoch so the motion between epochs is visible."""
    fig = go.Figure()
    for d in range(10):
        pts = background_xy[background_labels == d]
        fig.add_scattergl(x=pts[:, 0], y=pts[:, 1], mode="markers", name=str(d), legendgroup=str(d),
                          marker=dict(size=4, color=DIGIT_COLOURS[d], opacity=0.25), hoverinfo="skip")
    colours = [DIGIT_COLOURS[int(lab)] if lab >= 0 else "#000000" for lab in probe_labels]
    # Each star labelled with its true digit only (the full title is in the hover): the titles overlapped.
    short = [str(int(lab)) if lab >= 0 else "drawing" for lab in probe_labels]
    fig.add_scatter(x=probe_xy[:, 0], y=probe_xy[:, 1], mode="markers+text", name="probe digits",
                    text=short, customdata=probe_titles, textposition="top center", textfont=dict(size=12),
                    marker=dict(size=13, color=colours, symbol="star", line=dict(color="#000000", width=1)),
                    hovertemplate="%{customdata}<extra>probe</extra>")
    x0, x1, y0, y1 = limits
    fig.update_xaxes(title_text="PC 1 (final model's basis)", range=[x0, x1], zeroline=False)
    fig.update_yaxes(title_text="PC 2", range=[y0, y1], zeroline=False)
    fig.update_layout(height=380, margin=dict(l=60, r=10, t=40, b=50), font=dict(size=12),
                      title=dict(text=f"{layer_label} after epoch {epoch}", font=dict(size=14)),
                      showlegend=False)  # colours are the Map's digit colours; every probe is labelled
    return fig


def position_limits(background_xy: np.ndarray, probe_xy: np.ndarray, pad: float = 0.05) -> tuple[float, ...]:
    """Axis ranges covering every epoch's points (so the frame does not jump between epochs)."""
    cloud, probes = background_xy.reshape(-1, 2), probe_xy.reshape(-1, 2)
    # The cloud's far outliers may fall outside; every probe in every epoch stays inside.
    lo = np.minimum(np.nanpercentile(cloud, 0.5, axis=0), np.nanmin(probes, axis=0))
    hi = np.maximum(np.nanpercentile(cloud, 99.5, axis=0), np.nanmax(probes, axis=0))
    span = np.maximum(hi - lo, 1e-6)
    lo, hi = lo - pad * span, hi + pad * span
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])
