"""Complexity (how concentrated a map is) and the completeness axiom, per digit of a batch."""

from __future__ import annotations

import numpy as np

from explain.evaluation.metrics.base import Explained, Metric


def gini_rows(values: np.ndarray) -> np.ndarray:
    """Gini index of |map| per row of (N, P): 0 for a constant map, → 1 when one pixel holds everything."""
    a = np.sort(np.abs(np.asarray(values, dtype=np.float64).reshape(len(values), -1)), axis=1)
    n = a.shape[1]
    total = a.sum(axis=1)
    idx = np.arange(1, n + 1)
    g = ((2 * idx - n - 1) * a).sum(axis=1) / (n * np.where(total == 0, 1, total))
    return np.where(total == 0, 0.0, g)


def entropy_rows(values: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) of |map| per row as a distribution; log(P) for a constant or empty map."""
    a = np.abs(np.asarray(values, dtype=np.float64).reshape(len(values), -1))
    total = a.sum(axis=1, keepdims=True)
    p = a / np.where(total == 0, 1, total)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return np.where(total[:, 0] == 0, np.log(a.shape[1]), h)


def gini(values: np.ndarray) -> float:
    """Gini index of one map."""
    return float(gini_rows(np.asarray(values).reshape(1, -1))[0])


def entropy(values: np.ndarray) -> float:
    """Entropy of one map."""
    return float(entropy_rows(np.asarray(values).reshape(1, -1))[0])


class Sparseness(Metric):
    name = "sparseness"
    label = "Sparseness (Gini)"
    higher_is_better = True
    description = ("how unevenly the map's weight is spread, as the Gini index of |map| (0: every pixel equal, "
                   "1: one pixel holds it all; Chalasani et al. 2020): a high score points at a few pixels")

    def scores(self, e: Explained) -> np.ndarray:
        return gini_rows(e.maps)


class Entropy(Metric):
    name = "entropy"
    label = "Entropy"
    higher_is_better = False
    description = ("how spread out the map is, as the entropy of |map| read as a distribution (Bhatt et al. 2020): "
                   "low means a few pixels carry it")

    def scores(self, e: Explained) -> np.ndarray:
        return entropy_rows(e.maps)


class CompletenessGap(Metric):
    name = "completeness_gap"
    label = "Completeness gap"
    higher_is_better = False
    description = ("how far the map's sum is from the change in the output between the reference image and the "
                   "digit, |Σ map − (f(x) − f(reference))| / |f(x) − f(reference)|; n/a for a method that does not "
                   "promise the sums match")

    def scores(self, e: Explained) -> np.ndarray:
        b = e.batch
        if b.completeness_gaps is None or b.baseline_outputs is None:
            return np.full(len(b), np.nan)
        return np.abs(b.completeness_gaps) / np.maximum(np.abs(b.outputs - b.baseline_outputs), 1e-9)
