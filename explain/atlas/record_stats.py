"""What a training record says per epoch: accuracy, and how close each method's maps already are to
their final form (Spearman rank correlation with the last recorded epoch's map, mean over probes)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import rankdata

from explain.atlas.training_record import TrainingRecord


def rank_correlation_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's rho between matching rows of (N, D) a and b, all rows at once: the Pearson
    correlation of average ranks, which is what `scipy.stats.spearmanr` computes for one pair.
    NaN where a row is constant (rho is undefined there)."""
    ra = rankdata(np.asarray(a, dtype=np.float64), axis=1)
    rb = rankdata(np.asarray(b, dtype=np.float64), axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra * ra).sum(axis=1) * (rb * rb).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (ra * rb).sum(axis=1) / np.where(denom > 0, denom, 1.0), np.nan)


def rank_agreement_with_final(record: TrainingRecord) -> dict[str, np.ndarray]:
    """{method: (E,)} mean over probes of each epoch's map's rank correlation with its final map."""
    m, e, p = record.maps.shape[:3]
    flat = record.maps.reshape(m, e, p, -1)
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(record.methods):
        final = np.broadcast_to(flat[i, -1], (e, p, flat.shape[-1])).reshape(e * p, -1)
        rho = rank_correlation_rows(flat[i].reshape(e * p, -1), final).reshape(e, p)
        with warnings.catch_warnings():  # an epoch whose maps are all constant stays NaN: undefined
            warnings.simplefilter("ignore", RuntimeWarning)
            out[name] = np.nanmean(rho, axis=1)
    return out


def probe_accuracy(record: TrainingRecord) -> np.ndarray:
    """(E,) share of the labelled probes predicted correctly per epoch."""
    known = record.probe_labels >= 0
    return (record.predictions[:, known] == record.probe_labels[known]).mean(axis=1)
