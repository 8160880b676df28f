"""Verdicts a newcomer can act on: does a method pass the sanity check, does it beat the random control on
one digit, and which methods to trust given the shipped results. Pages only show what these return.

Every verdict states its rule (`*_RULE`), so the page says why, not just what.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explain.evaluation.leaderboard import CONTROLS
from explain.evaluation.metrics import REPLACEMENTS
from explain.evaluation.sanity import CascadeSummary

# A control map ignores the weights, so randomising them leaves it as it was: ρ = 1 at every step. A map
# unrelated to the trained one has ρ ≈ 0. Half-way is the line: past it a map is nearer the control.
SANITY_LINE = 0.5
SANITY_RULE = (f"A method passes when, at every step of the cascade, its maps' rank correlation (Spearman ρ) with "
               f"the trained model's maps stays below {SANITY_LINE} even at the top of its 95 % interval: closer "
               "to a map unrelated to the trained one (ρ = 0) than to a control map, which ignores the model "
               "and stays at ρ = 1.")
CONTROL = "control_random"
CONTROL_RULE = ("Better than the random control on k of n metrics: on how many of the score card's metrics the "
                "method scores strictly better than a map of random noise (n counts the metrics that apply to "
                "both).")
CURVES = ("deletion", "insertion")
TRUST_RULE = ("Trusted here: passes the sanity check, and ranks in the top third of the {rows} rows on deletion and "
              "insertion under every replacement ({replacements}), judged by its worst rank.")


@dataclass(frozen=True)
class SanityVerdict:
    method: str
    passed: bool
    step: str  # the step where the map stayed most like the trained one
    rho: float  # its mean ρ there
    upper: float  # the top of its 95 % interval


def sanity_verdict(summary: CascadeSummary, line: float = SANITY_LINE) -> SanityVerdict:
    """Pass / fail of one method's cascade (see SANITY_RULE); ValueError on a cascade with no steps."""
    if not len(summary.steps):
        raise ValueError(f"{summary.method}: the cascade has no steps to judge")
    ci = np.nan_to_num(np.asarray(summary.ci95, dtype=float), nan=0.0)
    upper = np.asarray(summary.mean, dtype=float) + ci
    worst = int(np.argmax(upper))
    return SanityVerdict(summary.method, bool(np.all(upper < line)), summary.steps[worst],
                         float(summary.mean[worst]), float(upper[worst]))


def sanity_verdicts(summaries: Mapping[str, CascadeSummary]) -> dict[str, SanityVerdict]:
    return {m: sanity_verdict(s) for m, s in summaries.items() if len(s.steps)}


def load_sanity(path: Path | str) -> tuple[dict[str, CascadeSummary], dict]:
    """A file `python -m explain.sanity` wrote: (method → CascadeSummary, its provenance)."""
    data = json.loads(Path(path).read_text())
    summaries = {m: CascadeSummary(m, tuple(r["steps"]), np.array(r["mean"], dtype=float),
                                   np.array(r["ci95"], dtype=float), int(r["n"]))
                 for m, r in data.pop("methods").items()}
    return summaries, data


@dataclass(frozen=True)
class ControlWins:
    """On how many of n metrics a method beats the control; which metrics it does not."""

    method: str
    k: int
    n: int
    not_better: tuple[str, ...]


def control_wins(scores: Mapping[str, Mapping[str, float]], higher: Mapping[str, bool],
                 control: str = CONTROL) -> dict[str, ControlWins]:
    """method → how many metrics it beats `control` on (strictly; a tie is no win), over the metrics in
    `higher` (metric → higher is better) where both scores are finite. The controls themselves are skipped."""
    if control not in scores:
        raise ValueError(f"no scores for the control {control!r}; have: {', '.join(scores)}")
    ref = scores[control]
    out = {}
    for method, row in scores.items():
        if method in CONTROLS:
            continue
        usable = [m for m in higher if _finite(row.get(m)) and _finite(ref.get(m))]
        better = [m for m in usable if (row[m] > ref[m] if higher[m] else row[m] < ref[m])]
        out[method] = ControlWins(method, len(better), len(usable), tuple(m for m in usable if m not in better))
    return out


def _finite(v: object) -> bool:
    try:
        return math.isfinite(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class TrustAdvice:
    """Which methods to trust on this model, from the shipped leaderboard and sanity results."""

    trusted: tuple[str, ...]  # best worst-rank first
    worst_rank: dict[str, int]  # every ranked method → its worst rank over the curve metrics
    failed_sanity: tuple[str, ...]
    rows: int  # methods and controls ranked
    rule: str


def trust_advice(rows: Sequence[Mapping[str, object]], verdicts: Mapping[str, SanityVerdict],
                 replacements: Sequence[str] = REPLACEMENTS) -> TrustAdvice:
    """Methods that pass the sanity check and rank in the top third on every deletion and insertion
    column of the leaderboard `rows` (each with "method" and "<curve>_<replacement>_rank")."""
    if not rows:
        raise ValueError("no leaderboard rows to judge")
    cols = [f"{c}_{r}_rank" for c in CURVES for r in replacements]
    missing = [c for c in cols if c not in rows[0]]
    if missing:
        raise ValueError(f"the leaderboard has no column {missing[0]!r}")
    worst = {}
    for row in rows:
        ranks = [float(row[c]) for c in cols if _finite(row[c])]  # type: ignore[arg-type]
        if len(ranks) == len(cols):
            worst[str(row["method"])] = int(max(ranks))
    top = math.ceil(len(rows) / 3)
    passed = {m for m, v in verdicts.items() if v.passed}
    trusted = sorted((m for m, w in worst.items() if w <= top and m in passed and m not in CONTROLS),
                     key=lambda m: (worst[m], m))
    failed = tuple(m for m, v in verdicts.items() if not v.passed)
    return TrustAdvice(tuple(trusted), worst, failed, len(rows),
                       TRUST_RULE.format(rows=len(rows), replacements=", ".join(replacements)))
