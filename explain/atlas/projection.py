"""Where digits land inside the network: any layer of many digits projected to 2-D.

PCA is exact (eigen-decomposition of the covariance, float64) and cheap enough to run on every
page open. UMAP (umap-learn) is seeded, slow (~1 min for 10,000 digits) and takes seconds to import
(more while numba's cache is empty: `compile_umap`), so it is imported only inside `fit_umap`. We never
pickle a UMAP reducer: a new point is placed from its nearest fitted neighbours' coordinates, weighted the
way UMAP's own `transform` initialises it (smooth-kNN membership strengths).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from explain.atlas.neighbours import nearest
from model.jobs import Cancelled  # the job runner's own: a cancelled fit ends its job as cancelled

PROJECTION_METHODS = ("pca", "umap")


@dataclass(frozen=True)
class PCAProjection:
    """An exact 2-D PCA: `transform(X) = (X - mean) @ components.T`."""

    mean: np.ndarray  # (D,)
    components: np.ndarray  # (2, D), unit rows, largest-magnitude loading positive (sklearn's sign rule)
    explained_variance_ratio: np.ndarray  # (2,)

    def transform(self, features: np.ndarray) -> np.ndarray:
        f = np.asarray(features, dtype=np.float64)
        if f.ndim == 1:
            f = f[None]
        if f.shape[1] != self.mean.shape[0]:
            raise ValueError(f"features have width {f.shape[1]}, this projection expects {self.mean.shape[0]}")
        return (f - self.mean) @ self.components.T


def _top_eigen(centred: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n largest eigenpairs of the covariance of centred (N, D) data, largest first.

    One BLAS-3 product forms the D×D covariance; for wide layers Lanczos (ARPACK, converged to
    machine precision, fixed start) then finds the top pairs ~100× faster than a full `eigh` at
    D = 784 and as exactly."""
    rows, dim = centred.shape
    cov = centred.T @ centred / (rows - 1)
    if dim <= 128 or n >= dim - 1:
        values, vectors = np.linalg.eigh(cov)
        order = np.argsort(values)[::-1][:n]
        return values[order], vectors[:, order]
    from scipy.sparse.linalg import eigsh

    values, vectors = eigsh(cov, k=n, which="LA", v0=np.ones(dim), tol=0)
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order]


def fit_pca(features: np.ndarray, n_components: int = 2) -> PCAProjection:
    """Exact PCA of (N, D) features (float64)."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2 or f.shape[1] < n_components:
        raise ValueError(f"features must be (N >= 2, D >= {n_components}), got {f.shape}")
    mean = f.mean(axis=0)
    centred = f - mean
    values, vectors = _top_eigen(centred, n_components)
    comps = vectors.T.copy()
    signs = np.sign(comps[np.arange(comps.shape[0]), np.argmax(np.abs(comps), axis=1)])
    comps *= np.where(signs == 0, 1.0, signs)[:, None]
    total = float((centred * centred).sum()) / (f.shape[0] - 1)  # the trace of the covariance
    ratio = values.clip(min=0) / total if total > 0 else np.zeros(len(values))
    return PCAProjection(mean, comps, ratio)


@dataclass(frozen=True)
class UMAPSettings:
    seed: int = 0
    n_neighbors: int = 15
    min_dist: float = 0.1
    n_epochs: int | None = None  # umap-learn's default (500 below 10,000 points, 200 above)


class _EpochReporter:
    """Called between umap-learn's optimisation epochs: reports progress (which may set `stop`, say when a
    job's budget is spent: model.jobs.Job.should_stop)."""

    def __init__(self, progress: Callable[[float, str], None] | None) -> None:
        self.progress = progress

    def __call__(self, done: int, total: int) -> None:
        if self.progress and total:
            self.progress(0.3 + 0.7 * done / total, f"UMAP: epoch {done} of {total}")


def _epoch_loop(epochs: Iterable[int], *, on_epoch: Callable[[int, int], None] | None = None,
                stop: threading.Event | None = None, **_bar_options: Any) -> Iterator[int]:
    """Stands in for tqdm in umap-learn's epoch loop (`umap.layouts.tqdm`, its only use of tqdm): calls
    `on_epoch(done, total)` before each epoch and after the last, and ends the loop early once `stop` is
    set. Why here: `fit_transform` has no way to be stopped, and this loop is the only code of ours that
    runs between its epochs. Ending the iteration (not raising) lets umap-learn return the layout so far;
    `fit_umap` then raises Cancelled in its own frame. Why not a tqdm file that raises, as once: tqdm's
    refresh takes its process-wide write lock without try/finally, so a Cancel raised while tqdm wrote left
    that lock held by a thread that then ended, and every later tqdm in the server (Kernel SHAP, a
    leaderboard's bars, training) waited forever."""
    items = list(epochs)
    for done, item in enumerate(items):
        if on_epoch is not None:
            on_epoch(done, len(items))
        if stop is not None and stop.is_set():
            return
        yield item
    if on_epoch is not None:
        on_epoch(len(items), len(items))


def fit_umap(features: np.ndarray, settings: UMAPSettings | None = None,
             progress: Callable[[float, str], None] | None = None,
             stop: threading.Event | None = None) -> np.ndarray:
    """Seeded UMAP to 2-D, (N, 2) float32. `progress(fraction, message)` is called along the way;
    setting `stop` (in the app: the job's cancel event) ends the fit at the next epoch with Cancelled.
    Seeded UMAP runs single-threaded by design."""
    settings = settings or UMAPSettings()
    f = np.asarray(features, dtype=np.float32)
    if f.ndim != 2 or f.shape[0] <= settings.n_neighbors:
        raise ValueError(f"UMAP needs (N > {settings.n_neighbors}, D) features, got {f.shape}")

    def check() -> None:
        if stop is not None and stop.is_set():
            raise Cancelled("UMAP cancelled")

    check()
    if progress:
        progress(0.0, "UMAP: loading umap-learn (seconds, once per server start)")
    import umap  # deliberately lazy: see the module docstring
    import umap.layouts

    umap.layouts.tqdm = _epoch_loop  # stateless and the same for every fit: set on each call, idempotent
    _cache_umap_kernels()

    check()
    if progress:
        progress(0.05, "UMAP: finding each digit's nearest neighbours")
    reducer = umap.UMAP(n_components=2, n_neighbors=settings.n_neighbors, min_dist=settings.min_dist,
                        n_epochs=settings.n_epochs, random_state=settings.seed, n_jobs=1, verbose=False,
                        tqdm_kwds={"on_epoch": _EpochReporter(progress), "stop": stop})
    coords = reducer.fit_transform(f)
    check()
    if progress:
        progress(1.0, "UMAP: done")
    return np.asarray(coords, dtype=np.float32)


# The numba kernels that umap-learn and pynndescent compile without `cache=True`: every process's first fit
# compiled them again (300 digits: 12-14 s here, most of the fit; 5,000 digits: ~20 s). Each gets numba's
# on-disk cache, as its cache=True siblings have. pynndescent's kernels serve fits of over 4,096 digits (the
# Map page's 10,000); its nn_descent and nn_descent_internal cannot be cached ("uses dynamic globals").
_UNCACHED_KERNELS = {
    "umap.umap_": ("smooth_knn_dist", "compute_membership_strengths"),
    "umap.utils": ("fast_knn_indices",),
    "umap.distances": ("euclidean",),
    "umap.layouts": ("clip", "_nb_optimize_layout_euclidean_single_epoch"),
    "pynndescent.pynndescent_": ("deheap_sort", "build_candidates_owner", "init_rp_tree", "init_random",
                                 "generate_leaf_updates", "generate_graph_update_array",
                                 "generate_graph_update_array_batched", "sort_updates_by_block",
                                 "apply_sorted_graph_update_array", "process_candidates"),
    "pynndescent.search": ("alternative_dot",),
}


def _cache_umap_kernels() -> None:
    """Give those kernels numba's on-disk cache (what `cache=True` does at definition). Idempotent: one
    already cached, or missing from another umap-learn version, is left as it is."""
    import importlib

    from numba.core.caching import NullCache

    for module, names in _UNCACHED_KERNELS.items():
        for name in names:
            kernel = getattr(importlib.import_module(module), name, None)
            if kernel is not None and isinstance(getattr(kernel, "_cache", None), NullCache):
                kernel.enable_caching()


def compile_umap() -> None:
    """Two small fits, run by `make install`, one on each of umap-learn's nearest-neighbour paths (exact
    below 4,096 points, pynndescent above): they fill numba's on-disk cache (the `cache=True` kernels and
    those `_cache_umap_kernels` caches), so no first fit after an install compiles them again. Measured
    here, a process's first fit: 300 digits 16 s without the cache, 4.7 s with it (4.5 s of it importing
    umap-learn); 5,000 digits 35 s without, 15 s with."""
    rng = np.random.default_rng(0)
    for n in (64, 4200):
        fit_umap(rng.normal(size=(n, 4)).astype(np.float32), UMAPSettings(n_epochs=5))


def _smooth_knn_weights(dist: np.ndarray, iterations: int = 64) -> np.ndarray:
    """UMAP's membership strengths exp(-(d - rho) / sigma) with sigma set so each row sums to
    log2(k) (binary search, vectorised over rows); rows normalised to sum to 1."""
    d = np.asarray(dist, dtype=np.float64)
    k = d.shape[1]
    rho = d[:, :1]
    target = np.log2(k)
    lo, hi = np.zeros((d.shape[0], 1)), np.full((d.shape[0], 1), np.inf)
    sigma = np.ones((d.shape[0], 1))
    for _ in range(iterations):
        s = np.exp(-np.clip(d - rho, 0, None) / sigma).sum(axis=1, keepdims=True)
        too_big = s > target
        hi = np.where(too_big, sigma, hi)
        lo = np.where(too_big, lo, sigma)
        sigma = np.where(np.isinf(hi), sigma * 2, (lo + hi) / 2)
    w = np.exp(-np.clip(d - rho, 0, None) / sigma)
    return w / w.sum(axis=1, keepdims=True)


def place_from_neighbours(query: np.ndarray, features: np.ndarray, coords: np.ndarray, k: int = 15,
                          exclude: np.ndarray | None = None) -> np.ndarray:
    """Place new points on an existing 2-D map from the coordinates of their k nearest fitted points
    (Euclidean, as the map was fitted), weighted by UMAP's membership strengths. `exclude[i]` is an index
    that query i may not use as a neighbour (a point placed on a map it is already part of)."""

    q = np.asarray(query, dtype=np.float32)
    if q.ndim == 1:
        q = q[None]
    if len(features) != len(coords):
        raise ValueError(f"{len(features)} feature rows but {len(coords)} coordinates")
    extra = 0 if exclude is None else 1
    idx, dist = nearest(features, q, k + extra, metric="l2")
    if exclude is not None:
        keep = idx != np.asarray(exclude).reshape(-1, 1)
        # Drop the excluded column where present, else the farthest one: k neighbours per row.
        keep[keep.all(axis=1), -1] = False
        idx = idx[keep].reshape(len(q), k)
        dist = dist[keep].reshape(len(q), k)
    w = _smooth_knn_weights(dist)
    c = np.asarray(coords, dtype=np.float64)[idx]  # (Q, k, 2)
    # UMAP's transform starts from the weighted mean; when the neighbours sit in two clusters that
    # mean lands in the empty space between them, so we average only the neighbours around their
    # weighted medoid (the neighbour with the least weighted distance to the others).
    pair = np.linalg.norm(c[:, :, None] - c[:, None, :], axis=3)  # (Q, k, k)
    medoid = np.argmin(np.einsum("qi,qij->qj", w, pair), axis=1)
    to_medoid = pair[np.arange(len(q)), medoid]  # (Q, k)
    near = to_medoid <= np.median(to_medoid, axis=1, keepdims=True)
    wn = np.where(near, w, 0.0)
    return np.einsum("qk,qkd->qd", wn / wn.sum(axis=1, keepdims=True), c)
