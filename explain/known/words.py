"""What the known answer says about the methods, in words generated from the scores: who finds the planted
mark, and where that disagrees with deletion / insertion on the very same maps."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import kendalltau, rankdata

from explain.known.scores import KnownScores, MethodKnown
from explain.registry import get_method

FOUND = 0.5  # a method "finds" the mark when it does on at least half of the digits
THIRD = 1 / 3


def display(name: str) -> str:
    return {"control_random": "control: random map", "control_sobel": "control: input edges"}.get(name) \
        or get_method(name).display


@dataclass(frozen=True)
class Disagreement:
    tau_deletion: float  # Kendall τ between the known-answer ranking and deletion's (methods only)
    tau_insertion: float
    finders: list[str]  # methods that find the mark on most digits
    missers: list[str]
    faithful_but_blind: list[str]  # top third on deletion or insertion, yet miss the mark
    sighted_but_unfaithful: list[str]  # find the mark, yet in the bottom half on deletion and insertion


def _ranks(values: np.ndarray, higher: bool) -> np.ndarray:
    return rankdata(-values if higher else values, method="min")


def disagreement(scores: KnownScores) -> Disagreement:
    rows: list[MethodKnown] = [m for m in scores.methods if m.error is None and not m.method.startswith("control_")
                               and math.isfinite(m.share) and math.isfinite(m.deletion)]
    share = np.array([m.share for m in rows])
    dele = np.array([m.deletion for m in rows])
    ins = np.array([m.insertion for m in rows])
    r_del, r_ins = _ranks(dele, higher=False), _ranks(ins, higher=True)
    n = len(rows)
    finders = [m.method for m in rows if m.found_at_k >= FOUND]
    missers = [m.method for m in rows if m.found_at_k < FOUND]
    top = {m.method for m, a, b in zip(rows, r_del, r_ins, strict=True) if min(a, b) <= math.ceil(n * THIRD)}
    bottom = {m.method for m, a, b in zip(rows, r_del, r_ins, strict=True) if min(a, b) > n / 2}
    return Disagreement(float(kendalltau(share, -dele).statistic), float(kendalltau(share, ins).statistic),
                        finders, missers, [m for m in missers if m in top], [m for m in finders if m in bottom])


def names(methods: list[str]) -> str:
    return ", ".join(display(m) for m in methods) or "none"


def summary(scores: KnownScores, bundled: KnownScores | None = None) -> list[str]:
    """Sentences (markdown) for the README and the app, every figure from `scores`."""
    d = disagreement(scores)
    best = max((m for m in scores.methods if m.error is None and math.isfinite(m.share)), key=lambda m: m.share)
    rnd = scores.row("control_random")
    out = [
        f"On {scores.n} marked test digits of class {scores.target}, the mark covers {scores.chance:.1%} of the image "
        f"(chance). The random control puts {rnd.share:.1%} of its mass there; {display(best.method)} the most, "
        f"{best.share:.1%} ({best.share / scores.chance:.0f}× chance).",
        f"Find the mark (at least half of the top-{scores.k} pixels on it, on most digits): **{names(d.finders)}**. "
        f"Miss it: {names(d.missers)}.",
        f"Agreement of the known-answer ranking with deletion's on the same maps: Kendall τ {d.tau_deletion:.2f}; "
        f"with insertion's: {d.tau_insertion:.2f} (1 = same order).",
    ]
    if d.faithful_but_blind:
        out.append(f"**Where they disagree:** {names(d.faithful_but_blind)} rank in the top third on deletion or "
                   "insertion, yet miss the mark the model is known to use.")
    if d.sighted_but_unfaithful:
        out.append(f"{names(d.sighted_but_unfaithful)} find the mark, yet rank in the bottom half on both deletion "
                   "and insertion.")
    if bundled is not None:
        ratios = [scores.row(m).share / bundled.row(m).share for m in d.finders
                  if math.isfinite(bundled.row(m).share) and bundled.row(m).share > 0]
        if ratios:
            out.append(f"On the bundled model (no shortcut learnt), the same marked digits get "
                       f"{min(ratios):.0f}–{max(ratios):.0f}× less mass on the mark from those that find it: they follow "
                       "the model, not the bright pixels.")
    return out


def share_summary(scores: KnownScores) -> list[str]:
    """Sentences for a mark spread thin (the border watermark), where "found at top-k" asks too much of any map
    (k is a hundred scattered pixels): which methods put more than chance on it, and which less, by their whole
    95 % interval; and how that ranking agrees with deletion / insertion."""
    d = disagreement(scores)
    rows = [m for m in scores.methods if m.error is None and math.isfinite(m.share)]
    best = max(rows, key=lambda m: m.share)
    above = [m.method for m in rows if m.share_lo > scores.chance]
    below = [m.method for m in rows if m.share_hi < scores.chance]
    return [
        f"On {scores.n} marked test digits of class {scores.target}, the mark covers {scores.chance:.1%} of the image "
        f"(chance). The random control puts {scores.row('control_random').share:.1%} of its mass there; "
        f"{display(best.method)} the most, {best.share:.1%} ({best.share / scores.chance:.1f}× chance).",
        f"Above chance (the whole 95 % interval): **{names(above)}**. Below chance: {names(below)}.",
        f"Agreement of this ranking with deletion's on the same maps: Kendall τ {d.tau_deletion:.2f}; with "
        f"insertion's: {d.tau_insertion:.2f} (1 = same order).",
    ]
