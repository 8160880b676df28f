"""What the network thinks a digit looks like: its nearest digits in a layer's space.

All distances are one batched matrix product per block of queries (no Python loop per digit).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from explain.atlas.features import check_layer, layer_features
from model.network import MLP, N_PIXELS

METRICS = ("cosine", "l2")
_QUERY_BLOCK = 1024  # queries per matrix product: 1024 × 60,000 float32 distances is 245 MB


def _distances(base: torch.Tensor, base_sq: torch.Tensor, q: torch.Tensor, metric: str) -> torch.Tensor:
    dots = q @ base.T
    if metric == "cosine":
        return 1.0 - dots  # rows already unit length
    sq = (q * q).sum(dim=1, keepdim=True) + base_sq[None] - 2.0 * dots
    return sq.clamp_(min=0).sqrt_()


def nearest(features: np.ndarray, queries: np.ndarray, k: int, metric: str = "l2") -> tuple[np.ndarray, np.ndarray]:
    """The k nearest rows of `features` (N, D) to each query (Q, D): (indices, distances), both (Q, k),
    nearest first. Cosine distance is 1 − cosine similarity (an all-zero vector is distance 1 from all)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    with warnings.catch_warnings():  # read-only (shared, frozen) arrays: we never write through them
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        base = torch.as_tensor(np.asarray(features, dtype=np.float32))
        q = torch.as_tensor(np.asarray(queries, dtype=np.float32))
    if q.ndim == 1:
        q = q[None]
    if base.ndim != 2 or q.ndim != 2 or q.shape[1] != base.shape[1]:
        raise ValueError(f"queries {tuple(q.shape)} and features {tuple(base.shape)} must be (Q, D) and (N, D)")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= base.shape[0]:
        raise ValueError(f"k must be an integer in 1..{base.shape[0]}, got {k!r}")
    if metric == "cosine":
        base = torch.nn.functional.normalize(base, dim=1)
        q = torch.nn.functional.normalize(q, dim=1)
    base_sq = (base * base).sum(dim=1)
    idx, dist = [], []
    for i in range(0, q.shape[0], _QUERY_BLOCK):
        d = _distances(base, base_sq, q[i : i + _QUERY_BLOCK], metric)
        values, indices = torch.topk(d, int(k), dim=1, largest=False, sorted=True)
        idx.append(indices)
        dist.append(values)
    return torch.cat(idx).numpy(), torch.cat(dist).numpy()


@dataclass(frozen=True)
class Neighbours:
    """One input's nearest reference digits in one layer."""

    layer: str
    metric: str
    indices: np.ndarray  # (k,) into the reference set, nearest first
    distances: np.ndarray  # (k,)
    labels: np.ndarray  # (k,) their true labels
    prediction: int  # the model's prediction for the input

    @property
    def agreement(self) -> float:
        """Share of the neighbours whose label is the input's prediction: low means "unlike what it is called"."""
        return float(np.mean(self.labels == self.prediction))

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "metric": self.metric, "prediction": self.prediction,
                "agreement": self.agreement,
                "neighbours": [{"index": int(i), "label": int(lab), "distance": float(d)}
                               for i, lab, d in zip(self.indices, self.labels, self.distances)]}


def neighbours_of(model: MLP, x: Any, reference_features: np.ndarray, reference_labels: np.ndarray,
                  layer: str, k: int = 10, metric: str = "cosine") -> Neighbours:
    """The k reference digits nearest to one input `x` (28×28 pixels) in `layer`.
    `reference_features` are `layer_features(model, reference_images, layer)` (computed once, cached)."""
    layer = check_layer(model, layer)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(1, N_PIXELS)
    q = layer_features(model, xt, layer)
    with torch.no_grad():
        prediction = int(model(xt).argmax(dim=1))
    idx, dist = nearest(reference_features, q, k, metric)
    labels = np.asarray(reference_labels)[idx[0]]
    return Neighbours(layer, metric, idx[0], dist[0], labels, prediction)


def agreement_rate(model: MLP, images: torch.Tensor, reference_features: np.ndarray,
                   reference_labels: np.ndarray, layer: str, k: int = 10, metric: str = "cosine"
                   ) -> np.ndarray:
    """For many inputs at once: the share of each one's k nearest reference digits whose label is
    the model's prediction for it, (N,)."""
    q = layer_features(model, images, layer)
    with torch.no_grad():
        pred = torch.cat([model(images[i : i + 8192]).argmax(dim=1)
                          for i in range(0, images.shape[0], 8192)]).numpy()
    idx, _ = nearest(reference_features, q, k, metric)
    return (np.asarray(reference_labels)[idx] == pred[:, None]).mean(axis=1)
