"""Per class and method: the mean map beside the mean digit, the mean map of each kind of mistake
("true A, predicted B"), and the strategies (k-means clusters of one class's normalised maps, k by
silhouette). Computed from one batched explain call per method over the test digits; saved to and read
from a small NPZ (no pickle)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from explain.classview.disagreement import METRICS, pairwise_curves
from explain.core import as_batch, explain_batch
from explain.registry import get_method

CLASSES = 10
KS = (2, 3, 4, 5, 6)  # the numbers of strategies tried per class (the 2–6)
MEMBERS = 8  # member digits kept per strategy: the ones nearest its centre


@dataclass(frozen=True)
class Strategies:
    """One class's maps in k clusters: each cluster's mean map (signed, raw units), size and members."""

    k: int
    silhouettes: dict[int, float]  # k tried → mean silhouette (cosine geometry of the normalised maps)
    maps: np.ndarray  # (k, 28, 28) mean map of each cluster
    sizes: np.ndarray  # (k,) digits per cluster, largest first
    members: np.ndarray  # (k, MEMBERS) test indices nearest each centre, −1 where a cluster has fewer


@dataclass(frozen=True)
class MethodView:
    """One method's class-level views."""

    method: str
    signed: bool  # False for |gradient| maps (Saliency): a sequential scale from 0, not a diverging one
    class_maps: np.ndarray  # (10, 28, 28): mean map over the correctly predicted test digits of each class
    mistake_maps: np.ndarray  # (10, 10, 28, 28): [a, b] mean map of "true a, predicted b" (zeros where none)
    strategies: tuple[Strategies, ...]  # one per class


@dataclass
class ClassViews:
    """Everything the Classes page shows, for several methods over the same test digits."""

    views: dict[str, MethodView]
    mean_digits: np.ndarray  # (10, 28, 28) over the correctly predicted digits of each class
    mistake_digits: np.ndarray  # (10, 10, 28, 28)
    counts: np.ndarray  # (10, 10) test digits per (true, predicted): correct ones on the diagonal
    pairs: list[tuple[str, str]]  # method pairs of the disagreement curves
    curves: dict[str, np.ndarray]  # metric → (pairs, P): mean agreement at k = 1..P
    meta: dict = field(default_factory=dict)  # seconds per step, digits, seed

    @property
    def methods(self) -> list[str]:
        return list(self.views)

    def save(self, path: Path) -> Path:
        arrays: dict[str, np.ndarray] = {
            "methods": np.array(self.methods), "mean_digits": self.mean_digits.astype(np.float16),
            "mistake_digits": self.mistake_digits.astype(np.float16), "counts": self.counts.astype(np.int32),
            "pairs": np.array(self.pairs, dtype=str).reshape(-1, 2), "meta": np.array(json.dumps(self.meta)),
            **{f"curves/{m}": c.astype(np.float32) for m, c in self.curves.items()},
        }
        for name, v in self.views.items():
            kmax = max(KS)
            pad_maps = np.zeros((CLASSES, kmax, *v.class_maps.shape[1:]))
            sizes = np.zeros((CLASSES, kmax), dtype=np.int32)
            members = np.full((CLASSES, kmax, MEMBERS), -1, dtype=np.int32)
            sil = np.full((CLASSES, len(KS)), np.nan)
            for c, s in enumerate(v.strategies):
                pad_maps[c, :s.k], sizes[c, :s.k], members[c, :s.k] = s.maps, s.sizes, s.members
                sil[c] = [s.silhouettes.get(k, np.nan) for k in KS]
            arrays.update({
                f"{name}/signed": np.array(v.signed), f"{name}/class_maps": v.class_maps.astype(np.float16),
                f"{name}/mistake_maps": v.mistake_maps.astype(np.float16),
                f"{name}/strategy_k": np.array([s.k for s in v.strategies], dtype=np.int32),
                f"{name}/strategy_maps": pad_maps.astype(np.float16), f"{name}/strategy_sizes": sizes,
                f"{name}/strategy_members": members, f"{name}/silhouettes": sil.astype(np.float32),
            })
        path = Path(path)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return path


def load_views(path: Path) -> ClassViews:
    """A saved ClassViews (arrays only: no pickle is ever loaded)."""
    with np.load(Path(path), allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    views = {}
    for name in (str(m) for m in d["methods"]):
        ks = d[f"{name}/strategy_k"]
        strategies = tuple(
            Strategies(int(k), {kk: float(s) for kk, s in zip(KS, d[f"{name}/silhouettes"][c], strict=True)
                                if np.isfinite(s)},
                       d[f"{name}/strategy_maps"][c, :k].astype(np.float64), d[f"{name}/strategy_sizes"][c, :k],
                       d[f"{name}/strategy_members"][c, :k])
            for c, k in enumerate(ks))
        views[name] = MethodView(name, bool(d[f"{name}/signed"]), d[f"{name}/class_maps"].astype(np.float64),
                                 d[f"{name}/mistake_maps"].astype(np.float64), strategies)
    return ClassViews(views, d["mean_digits"].astype(np.float64), d["mistake_digits"].astype(np.float64),
                      d["counts"].astype(np.int64), [tuple(map(str, p)) for p in d["pairs"]],
                      {m: d[f"curves/{m}"].astype(np.float64) for m in METRICS}, json.loads(str(d["meta"])))


def group_means(values: np.ndarray, labels: np.ndarray, predictions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(10, 10, *shape) mean of `values` per (true, predicted) and the (10, 10) counts; zeros where none.
    One scatter-add over all digits, not a loop over them."""
    v = np.asarray(values, dtype=np.float64)
    cell = np.asarray(labels, dtype=np.int64) * CLASSES + np.asarray(predictions, dtype=np.int64)
    if v.shape[0] != cell.shape[0] or cell.min(initial=0) < 0 or cell.max(initial=0) >= CLASSES ** 2:
        raise ValueError(f"need one label and prediction 0–9 per map: {v.shape[0]} maps, {cell.shape[0]} labels")
    sums = np.zeros((CLASSES ** 2, *v.shape[1:]))
    np.add.at(sums, cell, v)
    counts = np.bincount(cell, minlength=CLASSES ** 2)
    means = sums / np.maximum(counts, 1).reshape(-1, *([1] * (v.ndim - 1)))
    return means.reshape(CLASSES, CLASSES, *v.shape[1:]), counts.reshape(CLASSES, CLASSES)


def strategies(maps: np.ndarray, indices: np.ndarray, ks: tuple[int, ...] = KS, seed: int = 0) -> Strategies:
    """k-means on one class's maps, each scaled to unit length (so a strategy is a pattern, not a
    magnitude), k chosen by the best mean silhouette among `ks`; clusters largest first."""
    raw = np.asarray(maps, dtype=np.float64)
    if raw.ndim < 2:
        raise ValueError(f"need a stack of maps (N, …), got shape {raw.shape}")
    x = raw.reshape(len(raw), int(np.prod(raw.shape[1:])))
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    usable = [k for k in ks if 2 <= k < len(x)]
    if not usable:  # too few maps to split (or no k asked for): one strategy, the class mean
        members = np.full((1, MEMBERS), -1, dtype=np.int64)
        members[0, :min(MEMBERS, len(x))] = np.asarray(indices)[:MEMBERS]
        mean = raw.mean(axis=0, keepdims=True) if len(raw) else np.zeros((1, *raw.shape[1:]))  # a class never right
        return Strategies(1, {}, mean, np.array([len(x)]), members)
    from sklearn.cluster import KMeans  # ~1 s to import: only when there is something to cluster
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    fits, scores = {}, {}
    # One BLAS/OpenMP thread: on a ~1,000 × 784 problem the thread pools cost ~10× the arithmetic (measured).
    with threadpool_limits(1):
        for k in usable:
            km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
            fits[k] = km
            scores[k] = float(silhouette_score(x, km.labels_)) if len(set(km.labels_)) > 1 else -1.0
    k = max(usable, key=lambda kk: (scores[kk], -kk))  # ties: fewer strategies
    km = fits[k]
    sizes = np.bincount(km.labels_, minlength=k)
    order = np.argsort(-sizes, kind="stable")
    dist = np.linalg.norm(x - km.cluster_centers_[km.labels_], axis=1)
    members = np.full((k, MEMBERS), -1, dtype=np.int64)
    cluster_maps = np.zeros((k, *raw.shape[1:]))
    for new, old in enumerate(order):
        inside = np.flatnonzero(km.labels_ == old)
        cluster_maps[new] = raw[inside].mean(axis=0)
        near = inside[np.argsort(dist[inside], kind="stable")][:MEMBERS]
        members[new, :len(near)] = np.asarray(indices)[near]
    return Strategies(k, scores, cluster_maps, sizes[order], members)


def from_maps(maps: dict[str, np.ndarray], images: np.ndarray, labels: np.ndarray, predictions: np.ndarray,
              signed: dict[str, bool] | None = None, seed: int = 0, ks: tuple[int, ...] = KS) -> ClassViews:
    """The class-level views of maps already computed: method → (N, 28, 28), over the same N digits."""
    if not maps:
        raise ValueError("need the maps of at least one method")
    imgs = np.asarray(images, dtype=np.float64).reshape(len(labels), *next(iter(maps.values())).shape[1:])
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    digits, counts = group_means(imgs, labels, predictions)
    correct = labels == predictions
    meta: dict = {"digits": int(len(labels)), "seed": seed, "strategy_seconds": {}}
    views = {}
    for name, values in maps.items():
        if values.shape[0] != len(labels):
            raise ValueError(f"{name}: {values.shape[0]} maps for {len(labels)} digits")
        means, _ = group_means(values, labels, predictions)
        start = time.perf_counter()
        strat = []
        for c in range(CLASSES):
            idx = np.flatnonzero(correct & (labels == c))
            strat.append(strategies(values[idx], idx, ks, seed))
        meta["strategy_seconds"][name] = round(time.perf_counter() - start, 2)
        views[name] = MethodView(name, True if signed is None else signed.get(name, True),
                                 means[np.arange(CLASSES), np.arange(CLASSES)], means, tuple(strat))
    start = time.perf_counter()
    pairs, curves = pairwise_curves(maps)
    meta["disagreement_seconds"] = round(time.perf_counter() - start, 2)
    return ClassViews(views, digits[np.arange(CLASSES), np.arange(CLASSES)], digits, counts, pairs, curves, meta)


def class_views(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, methods: list[str],
                params: dict[str, dict] | None = None, seed: int = 0, ks: tuple[int, ...] = KS) -> ClassViews:
    """Explain every digit once per method (one batched call each, each digit's predicted class), then
    the class-level views. Seconds per step go into `meta`."""
    names = [get_method(m).name for m in methods]
    if not names:
        raise ValueError("need at least one method")
    x = as_batch(images)
    with torch.no_grad():
        predictions = model(x).argmax(dim=1).numpy()
    maps, seconds, signed = {}, {}, {}
    for name in names:
        start = time.perf_counter()
        batch = explain_batch(model, x, name, list(map(int, predictions)), (params or {}).get(name), seed)
        seconds[name] = round(time.perf_counter() - start, 2)
        maps[name] = batch.values
        signed[name] = not batch.params.get("absolute", False)
    out = from_maps(maps, x.numpy(), labels.numpy(), predictions, signed, seed, ks)
    out.meta["explain_seconds"] = seconds
    return out
