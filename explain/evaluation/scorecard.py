"""One input's score card: every chosen method and the two control maps, scored on the batch
path (one `explain_batch` per method, one batched call per metric). Used by the Evaluate page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch import nn

from explain.core import as_input, explain_batch
from explain.display import ShowsFigure
from explain.evaluation.leaderboard import CONTROLS, control_batch, control_maps
from explain.evaluation.metrics import Explained, MaxSensitivity, Metric, core_metrics, curves
from explain.types import BatchAttribution
from model.network import IMAGE_SIDE

TIE_DECIMALS = 4  # scores equal to this many decimals are ties (highlighted alike)


@dataclass
class ScoreCard(ShowsFigure):
    """method → metric → score; failures by method; deletion / insertion curves by method. In a notebook:
    the score table and the deletion curves the Evaluate page draws."""

    metrics: list[Metric]
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    curves: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def figure(self, kind: str = "deletion"):
        """Evaluate's curves figure: "deletion" (lower is better) or "insertion" (higher is better)."""
        from explain.figures.results import display_name
        from explain.figures.scores import curves_figure

        if kind not in self.curves:
            raise ValueError(f"kind must be one of {list(self.curves)}, got {kind!r}")
        better = "lower" if kind == "deletion" else "higher"
        return curves_figure({display_name(k): v for k, v in self.curves[kind].items()},
                             f"{kind.title()}: most relevant first ({better} is better)",
                             "model confidence in the target")

    def table_html(self) -> str:
        """The scores as an HTML table, the best of each metric in bold (controls excluded)."""
        from explain.figures.results import scores_table_html

        labels = {m.name: m.label for m in self.metrics}
        return scores_table_html(self.scores, labels, {m.name: m.higher_is_better for m in self.metrics}, best(self))

    def _repr_html_(self) -> str:
        errors = "".join(f"<p>{name} failed: {msg}</p>" for name, msg in self.errors.items())
        return self.table_html() + errors + self.figure("deletion")._repr_html_()


def score_card(model: nn.Module, x: Any, methods: list[str], replacement: str = "mean",
               sensitivity: bool = False, seed: int = 0) -> ScoreCard:
    """Score `methods` (default parameters) and the controls on one digit. With `sensitivity`,
    max-sensitivity too (it explains every method four more times)."""
    xt = as_input(x)
    metrics = core_metrics((replacement,)) + ([MaxSensitivity()] if sensitivity else [])
    card = ScoreCard(metrics, curves={"deletion": {}, "insertion": {}})
    batches: dict[str, BatchAttribution] = {}
    for name in methods:
        try:
            batches[name] = explain_batch(model, xt, name, seed=seed)
        except Exception as exc:  # noqa: BLE001 - shown in that method's row; the others still score
            card.errors[name] = f"{type(exc).__name__}: {exc}"
    like = next(iter(batches.values()), None) or explain_batch(model, xt, "saliency")
    for name in CONTROLS:
        batches[name] = control_batch(like, control_maps(xt, [0], name, seed), name)
    for name, batch in batches.items():
        e = Explained(model, xt, batch)
        wanted = [m for m in metrics if not (m.re_explains and name in CONTROLS)]
        card.scores[name] = {m.name: float(m.scores(e)[0]) for m in wanted}
        for kind in ("deletion", "insertion"):
            fr, sc = curves(e, replacement, insertion=kind == "insertion")
            card.curves[kind][name] = (fr, sc[0])
    return card


def best(card: ScoreCard) -> dict[str, set[str]]:
    """Per metric, every method tied for the best score (to TIE_DECIMALS), controls excluded."""
    out: dict[str, set[str]] = {}
    for m in card.metrics:
        vals = {k: round(v[m.name], TIE_DECIMALS) for k, v in card.scores.items()
                if k not in CONTROLS and m.name in v and not np.isnan(v[m.name])}
        if vals:
            top = max(vals.values()) if m.higher_is_better else min(vals.values())
            out[m.name] = {k for k, v in vals.items() if v == top}
    return out


def deleted_images(model: nn.Module, x: Any, batch: BatchAttribution, replacement: str, fraction: float
                   ) -> np.ndarray:
    """Each map's digit with `fraction` of its most relevant pixels deleted: (N, 28, 28)."""
    from explain.evaluation.metrics import path_batch

    xt = as_input(x).expand(len(batch), 1, IMAGE_SIDE, IMAGE_SIDE)
    _, images = path_batch(Explained(model, xt, batch), replacement, fractions=np.array([fraction]))
    return images[:, 0, 0].numpy()


def stack(attributions: list) -> BatchAttribution:
    """Several methods' maps of one digit as one batch: only maps and targets are read from it."""
    return BatchAttribution.of(attributions)

