"""Complexity (how concentrated a map is) and the completeness axiom."""

from __future__ import annotations

import numpy as np

from explain.metrics.base import Metric, Scored


def gini(values: np.ndarray) -> float:
    """Gini index of |values|: 0 for a constant map, → 1 when one pixel holds everything."""
    a = np.sort(np.abs(np.asarray(values, dtype=np.float64).reshape(-1)))
    n = a.size
    if a.sum() == 0:
        return 0.0
    idx = np.arange(1, n + 1)
    return float(np.sum((2 * idx - n - 1) * a) / (n * a.sum()))


def entropy(values: np.ndarray) -> float:
    """Shannon entropy (nats) of |values| normalised to a distribution; log(784) for a constant map."""
    a = np.abs(np.asarray(values, dtype=np.float64).reshape(-1))
    total = a.sum()
    if total == 0:
        return float(np.log(a.size))
    p = a[a > 0] / total
    return float(-(p * np.log(p)).sum())


class Sparseness(Metric):
    name = "sparseness"
    higher_is_better = True
    description = "Gini index of |map| (Chalasani et al. 2020): higher means fewer pixels carry the map"

    def __call__(self, s: Scored) -> float:
        return gini(s.attribution.values)


class Entropy(Metric):
    name = "entropy"
    higher_is_better = False
    description = "entropy of |map| as a distribution (Bhatt et al. 2020): lower means more concentrated"

    def __call__(self, s: Scored) -> float:
        return entropy(s.attribution.values)


class CompletenessGap(Metric):
    name = "completeness_gap"
    higher_is_better = False
    description = "|Σ map − (f(x) − f(baseline))| / |f(x) − f(baseline)|, where the axiom applies (else NaN)"

    def __call__(self, s: Scored) -> float:
        a = s.attribution
        if a.completeness_gap is None or a.baseline_output is None:
            return float("nan")
        return abs(a.completeness_gap) / max(abs(a.output - a.baseline_output), 1e-9)
