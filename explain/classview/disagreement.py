"""The disagreement metrics of Krishna et al. 2022 ("The Disagreement Problem in Explainable Machine
Learning"), between two methods' maps of the same digits, batched over digits.

Each map's features (pixels) are ordered by |attribution|, largest first; ties are broken by position
(a stable sort), so two maps that are both exactly zero on the same pixels order those pixels alike.
For a k:
- feature agreement: share of the top-k features the two maps have in common;
- rank agreement: share of the top-k features in both, and at the same position in both orders;
- sign agreement: share of the top-k features in both, with the same sign in both maps;
- signed-rank agreement: in both, at the same position and with the same sign.
All four lie in [0, 1]; identical maps score 1 at every k.
"""

from __future__ import annotations

import numpy as np

METRICS = ("feature", "rank", "sign", "signed_rank")
DISPLAY = {"feature": "Feature agreement", "rank": "Rank agreement", "sign": "Sign agreement",
           "signed_rank": "Signed-rank agreement"}


def _stack(maps: np.ndarray, name: str) -> np.ndarray:
    v = np.asarray(maps, dtype=np.float64)
    if v.ndim < 2 or v.shape[0] == 0:
        raise ValueError(f"{name}: need a stack of maps (N, …) with N ≥ 1, got shape {v.shape}")
    v = v.reshape(len(v), -1)
    if not np.isfinite(v).all():
        raise ValueError(f"{name}: attribution maps must be finite")
    return v


def top_k_ranks(maps: np.ndarray) -> np.ndarray:
    """(N, P) position of each feature in its map's order by |value| (0 = the largest)."""
    v = _stack(maps, "maps")
    order = np.argsort(-np.abs(v), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(v.shape[1])[None, :].repeat(len(v), 0), axis=1)
    return ranks


def _events(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Per metric, (N, P): the smallest k − 1 at which each feature counts for that metric (P where never)."""
    va, vb = _stack(a, "a"), _stack(b, "b")
    if va.shape != vb.shape:
        raise ValueError(f"the two stacks of maps differ in shape: {np.shape(a)} and {np.shape(b)}")
    ra, rb = top_k_ranks(va), top_k_ranks(vb)
    p = va.shape[1]
    both = np.maximum(ra, rb)  # in both top-k from k = max rank + 1 on
    same_rank = np.where(ra == rb, ra, p)
    same_sign = np.sign(va) == np.sign(vb)
    return {"feature": both, "rank": same_rank, "sign": np.where(same_sign, both, p),
            "signed_rank": np.where(same_sign, same_rank, p)}


def disagreement(a: np.ndarray, b: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per digit i, the four agreements of map a[i] with map b[i] at `k` features: metric → (N,)."""
    p = int(np.prod(np.shape(a)[1:])) if np.ndim(a) >= 2 else 0
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= max(p, 1):
        raise ValueError(f"k must be an integer in 1..{p} (features per map), got {k!r}")
    return {m: (e < k).sum(axis=1) / k for m, e in _events(a, b).items()}


def mean_curves(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """The four agreements averaged over digits, for every k = 1..P at once: metric → (P,), entry k − 1.
    One histogram per metric of the k at which each feature starts to count, then a running sum."""
    events = _events(a, b)
    n, p = events["feature"].shape
    ks = np.arange(1, p + 1)
    return {m: np.cumsum(np.bincount(e.ravel(), minlength=p + 1)[:p]) / (n * ks) for m, e in events.items()}


def pairwise_curves(maps: dict[str, np.ndarray]) -> tuple[list[tuple[str, str]], dict[str, np.ndarray]]:
    """Every pair of methods (in the dict's order): the pairs, and metric → (pairs, P) mean curves."""
    names = list(maps)
    pairs = [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))]
    curves = [mean_curves(maps[x], maps[y]) for x, y in pairs]
    p = int(np.prod(np.shape(next(iter(maps.values())))[1:])) if maps else 0
    return pairs, {m: np.stack([c[m] for c in curves]) if curves else np.zeros((0, p)) for m in METRICS}


def agreement_matrix(maps: dict[str, np.ndarray], metric: str, k: int) -> np.ndarray:
    """Method × method agreement `metric` at k, averaged over the digits of the stacks (1 on the diagonal)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    names = list(maps)
    out = np.eye(len(names))
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            out[i, j] = out[j, i] = float(disagreement(maps[names[i]], maps[names[j]], k)[metric].mean())
    return out
