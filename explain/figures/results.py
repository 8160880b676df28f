"""Figures of the API's results (an Attribution, a BatchAttribution, a score card, a leaderboard), in the
house style: display names, titled colour bars, signed maps on a diverging scale centred at zero."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explain.figures.maps import Panel, maps_figure

# Results are read by duck typing (.values, .method, .params, .targets), not imported: explain.types draws
# itself through this module, and an import back would be a cycle (tests/test_architecture.py).

CONTROL_NAMES = {"control_random": "control: random map", "control_sobel": "control: input edges"}


def display_name(method: str) -> str:
    """A method (or variant, or control) as people read it: 'Integrated Gradients (baseline mean)'. (Not
    leaderboard.variant_display: that module explains, and results are drawn below that floor.)"""
    from explain.registry import get_method

    if method in CONTROL_NAMES:
        return CONTROL_NAMES[method]
    name, _, rest = method.partition("[")
    extra = ", ".join(pair.replace("=", " ").strip() for pair in rest.rstrip("]").split(",") if pair)
    return get_method(name.strip()).display + (f" ({extra})" if extra else "")


def map_kind(params: dict[str, Any]) -> str:
    """|gradient| maps (Saliency, SmoothGrad with absolute) say how much, never which way."""
    return "unsigned" if params.get("absolute") else "signed"


def attribution_figure(a: Any, digit: np.ndarray | None = None) -> go.Figure:
    """One map (beside its digit when given), titled with the method and what it explains."""
    panels = [Panel("input", np.asarray(digit, dtype=float).reshape(a.values.shape), "digit")] if digit is not None else []
    panels.append(Panel(f"{display_name(a.method)} · target {a.target}", a.values, map_kind(a.params)))
    return maps_figure(panels, cols=len(panels), px=260, bar_title="attribution")


def batch_figure(b: Any, images: np.ndarray | None = None, limit: int = 12, cols: int = 6
                 ) -> go.Figure:
    """The first `limit` maps of a batch on one scale (each under its digit when `images` are given)."""
    if limit < 1:
        raise ValueError(f"limit must be ≥ 1, got {limit}")
    n = min(limit, len(b))
    panels = []
    kind = map_kind(b.params)
    for start in range(0, n, cols):
        rows = range(start, min(start + cols, n))
        if images is not None:
            imgs = np.asarray(images, dtype=float).reshape(-1, *b.values.shape[1:])
            panels += [Panel(f"digit {i}", imgs[i], "digit") for i in rows]
        panels += [Panel(f"#{i} · target {b.targets[i]}", b.values[i], kind) for i in rows]
    return maps_figure(panels, cols=min(cols, n), px=150, bar_title="attribution",
                       title=f"{display_name(b.method)}: {n} of {len(b)} maps")


def methods_figure(maps: dict[str, np.ndarray], kinds: dict[str, str], digit: np.ndarray | None,
                   shared: bool = True, cols: int = 4, title: str = "") -> go.Figure:
    """Several methods' maps of one digit, the digit first: what `explain.show` and the reports draw."""
    panels = [Panel("input", np.asarray(digit, dtype=float).reshape(28, 28), "digit")] if digit is not None else []
    panels += [Panel(display_name(m), v, kinds.get(m, "signed")) for m, v in maps.items()]
    return maps_figure(panels, cols=cols, shared=shared, title=title, bar_title="attribution")


def scores_table_html(scores: dict[str, dict[str, float]], labels: dict[str, str], higher: dict[str, bool],
                      best: dict[str, set[str]]) -> str:
    """A plain HTML table of a score card: one row per method, the best of each metric in bold."""
    metrics = [m for m in labels if any(m in s for s in scores.values())]
    head = "".join(f"<th>{html.escape(labels[m])} {'↑' if higher.get(m, True) else '↓'}</th>" for m in metrics)
    rows = []
    for method, s in scores.items():
        cells = []
        for m in metrics:
            v = s.get(m)
            text = "n/a" if v is None or not np.isfinite(v) else f"{v:.4f}"
            cells.append(f"<td><b>{text}</b></td>" if method in best.get(m, set()) else f"<td>{text}</td>")
        rows.append(f"<tr><th>{html.escape(display_name(method))}</th>{''.join(cells)}</tr>")
    return (f"<table class='dl-scores'><thead><tr><th>method</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
