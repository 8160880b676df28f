"""How much two explanations agree: rank correlation and overlap of their most relevant pixels."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata, spearmanr


def _flat(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError("attribution maps must be non-empty and finite")
    return v


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two maps (ties averaged); 0 when either map is constant (where
    scipy says nan and warns: a constant map carries no order to agree with)."""
    fa, fb = _flat(a), _flat(b)
    if fa.min() == fa.max() or fb.min() == fb.max():
        return 0.0
    return float(spearmanr(fa, fb).statistic)


def unit_ranks(maps: np.ndarray) -> np.ndarray:
    """Each map (N, …) as centred, unit-length ranks (N, P): the dot product of two rows is their
    Spearman correlation, so many pairs are one matrix product."""
    r = rankdata(np.asarray(maps, dtype=np.float64).reshape(len(maps), -1), axis=1)
    r -= r.mean(axis=1, keepdims=True)
    return r / np.maximum(np.linalg.norm(r, axis=1, keepdims=True), 1e-12)


def top_k_mask(values: np.ndarray, fraction: float) -> np.ndarray:
    """The `fraction` of pixels with the largest attribution (by value, ties broken by position)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    v = _flat(values)
    k = max(1, round(fraction * v.size))
    mask = np.zeros(v.size, dtype=bool)
    mask[np.argsort(-v, kind="stable")[:k]] = True
    return mask


def top_k_overlap(a: np.ndarray, b: np.ndarray, fraction: float = 0.1) -> float:
    """Share of the top-`fraction` pixels that two maps have in common (0–1)."""
    ma, mb = top_k_mask(a, fraction), top_k_mask(b, fraction)
    return float((ma & mb).sum() / ma.sum())


def agreement_matrix(maps: dict[str, np.ndarray], kind: str = "spearman", fraction: float = 0.1) -> np.ndarray:
    """Pairwise agreement between named maps, in the dict's order."""
    measures = {"spearman": spearman, "top_k": lambda a, b: top_k_overlap(a, b, fraction)}
    if kind not in measures:
        raise ValueError(f"kind must be one of {list(measures)}, got {kind!r}")
    names = list(maps)
    out = np.eye(len(names))
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            out[i, j] = out[j, i] = measures[kind](maps[names[i]], maps[names[j]])
    return out


def paired_spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row i of `a` against row i of `b` (both (N, …), e.g. one method's map from two models, one row
    per method): (N,) Spearman correlations in one matrix product; 0 where either map is constant."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim < 2 or not a.shape[0]:
        raise ValueError(f"need two equal stacks of maps (N, …), got {a.shape} and {b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("attribution maps must be finite")
    return np.clip((unit_ranks(a) * unit_ranks(b)).sum(axis=1), -1.0, 1.0)


def model_agreement(maps_a: dict[str, np.ndarray], maps_b: dict[str, np.ndarray]) -> dict[str, float]:
    """method → Spearman ρ between two models' maps of the same digit, for the methods both have."""
    both = [m for m in maps_a if m in maps_b]
    if not both:
        return {}
    rho = paired_spearman(np.stack([maps_a[m] for m in both]), np.stack([maps_b[m] for m in both]))
    return dict(zip(both, map(float, rho), strict=True))
