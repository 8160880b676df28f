"""A leaderboard as a result object: the rows of a leaderboard CSV (the shipped one by default), one
metric's means, intervals and ranks, and the figure Evaluate draws; displays itself in a notebook."""

from __future__ import annotations

import csv
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explain.display import ShowsFigure

SHIPPED = "leaderboard/leaderboard_n10000.csv"  # `make assets` writes it (python -m explain.evaluate)


@dataclass(frozen=True)
class Leaderboard(ShowsFigure):
    rows: tuple[dict[str, str], ...]
    meta: dict = field(default_factory=dict)
    metric: str = "deletion_mean"  # what `figure()` and the notebook show unless told otherwise

    @classmethod
    def load(cls, path: Path | str | None = None, metric: str = "deletion_mean") -> Leaderboard:
        """A leaderboard CSV written by `python -m explain.evaluate` (default: the shipped one, 10,000 digits)."""
        from model.paths import assets_dir

        p = Path(path) if path is not None else assets_dir() / SHIPPED
        if not p.is_file():
            raise ValueError(f"no leaderboard at {p} (make one with `python -m explain.evaluate`)")
        with p.open(newline="") as fh:
            rows = tuple(csv.DictReader(fh))
        meta_path = p.with_name(p.name + ".meta.json")
        board = cls(rows, json.loads(meta_path.read_text()) if meta_path.is_file() else {}, metric)
        board._check(metric)
        return board

    @property
    def methods(self) -> list[str]:
        return [r["method"] for r in self.rows]

    def metrics(self) -> list[str]:
        """The metric columns this leaderboard holds, in the house's order."""
        from explain.evaluation.descriptions import metric_infos

        return [m for m in metric_infos() if self.rows and m in self.rows[0]]

    def _check(self, metric: str) -> None:
        if metric not in self.metrics():
            raise ValueError(f"metric must be one of {self.metrics()}, got {metric!r}")

    def column(self, metric: str) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """(methods with a value, means, 95 % half-widths, ranks) of one metric; n/a rows left out."""
        self._check(metric)
        kept = [r for r in self.rows if np.isfinite(float(r[metric] or "nan"))]
        return ([r["method"] for r in kept], np.array([float(r[metric]) for r in kept]),
                np.array([float(r[f"{metric}_ci95"] or "nan") for r in kept]),
                np.array([float(r[f"{metric}_rank"] or "nan") for r in kept]))

    def figure(self, metric: str | None = None):
        """Evaluate's bars: one metric's mean with its 95 % interval per method, best at the top."""
        from explain.evaluation.descriptions import metric_infos
        from explain.figures.results import display_name
        from explain.figures.scores import leaderboard_figure

        metric = metric or self.metric
        names, means, ci, _ = self.column(metric)
        info = metric_infos()[metric]
        return leaderboard_figure([display_name(m) for m in names], means, ci, info.label, info.higher_is_better)

    def table_html(self, metric: str | None = None) -> str:
        metric = metric or self.metric
        from explain.figures.results import display_name

        names, means, ci, ranks = self.column(metric)
        order = np.argsort(ranks, kind="stable")
        rows = "".join(f"<tr><td>{ranks[i]:.0f}</td><th>{html.escape(display_name(names[i]))}</th>"
                       f"<td>{means[i]:.4f} ± {ci[i]:.4f}</td></tr>" for i in order)
        return f"<table><thead><tr><th>rank</th><th>method</th><th>{metric}</th></tr></thead><tbody>{rows}</tbody></table>"

    def _repr_html_(self) -> str:
        n = self.meta.get("n") or self.meta.get("config", {}).get("n")
        about = f"<p>{len(self.rows)} rows" + (f" over {n:,} test digits" if isinstance(n, int) else "") + "</p>"
        return about + self.figure()._repr_html_()
