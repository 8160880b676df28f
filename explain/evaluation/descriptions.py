"""What every metric and piece of jargon means, in one place: the sentences the app shows where a metric or
method is chosen (score card, leaderboard, sanity checks, method pickers).

A metric's words live on its class (`label`, `description`, `higher_is_better`, see metrics/); this module
only gathers them, adds the direction in words, and keeps the short glossary of terms a newcomer trips on.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.evaluation.leaderboard import SEED_STABILITY
from explain.evaluation.metrics import REPLACEMENTS, MaxSensitivity, Metric, core_metrics
from explain.evaluation.metrics.road import RoadLeRF, RoadMoRF


@dataclass(frozen=True)
class MetricInfo:
    """A metric as a person reads it: its name, label, direction and one sentence."""

    name: str
    label: str
    higher_is_better: bool
    description: str

    @classmethod
    def of(cls, metric: Metric) -> MetricInfo:
        return cls(metric.name, metric.label, metric.higher_is_better, metric.description)

    @property
    def better(self) -> str:
        return "higher" if self.higher_is_better else "lower"

    @property
    def sentence(self) -> str:
        """'Label: what it measures. Better is lower.'"""
        text = self.description[:1].upper() + self.description[1:]
        return f"{self.label}: {text.rstrip('.')}. Better is {self.better}."


def metric_infos() -> dict[str, MetricInfo]:
    """Every column a score card or leaderboard can hold, by metric name, in the leaderboard's order."""
    metrics = [*core_metrics(REPLACEMENTS), MaxSensitivity(), RoadMoRF(), RoadLeRF()]
    out = {m.name: MetricInfo.of(m) for m in metrics}
    out[SEED_STABILITY[0]] = MetricInfo(*SEED_STABILITY)
    return out


def metric_info(name: str) -> MetricInfo:
    infos = metric_infos()
    if name not in infos:
        raise ValueError(f"unknown metric {name!r}; known metrics: {', '.join(infos)}")
    return infos[name]


# Terms the pages use that a newcomer does not know; shown where the term appears.
GLOSSARY: dict[str, str] = {
    "attribution map": "a score per pixel saying how much that pixel pushed the model towards its answer "
                       "(red: towards, blue: away).",
    "control map": "a map that knows nothing about the model (random noise, or the digit's edges): every "
                   "method should beat it.",
    "Gini": "a number from 0 to 1 for how unevenly something is spread: 0 when every pixel gets the same "
            "share, 1 when one pixel gets everything.",
    "infidelity": "how badly a map predicts the effect of small random changes to the pixels (lower is better).",
    "AUC": "area under a curve: here the model's average confidence along a deletion or insertion curve.",
    "Spearman ρ": "rank correlation: 1 when two maps order the pixels the same way, 0 when their orders are "
                  "unrelated, −1 when reversed.",
    "Kendall τ": "another rank correlation, between two rankings of the methods: 1 means the same order, 0 "
                 "unrelated.",
    "FGSM": "fast gradient sign method: one step that moves every pixel a little in the direction that most "
            "hurts the model's answer.",
    "L∞": "the largest change to any one pixel (an L∞ budget of 0.1 lets every pixel move by at most 0.1).",
    "fingerprint": "a short code computed from the maps' values: two results with the same fingerprint are "
                   "identical maps.",
    "ρ with final map": "how much a map made during training already agrees (Spearman ρ) with the map of the "
                        "finished model: 1 means it has settled.",
    "95 % interval": "the range the mean would fall in nineteen times out of twenty on other digits.",
}


def glossary(*terms: str) -> dict[str, str]:
    """The glossary entries for `terms`, in that order; ValueError on a term it does not define."""
    unknown = [t for t in terms if t not in GLOSSARY]
    if unknown:
        raise ValueError(f"no glossary entry for {unknown[0]!r}; known: {', '.join(GLOSSARY)}")
    return {t: GLOSSARY[t] for t in terms}
