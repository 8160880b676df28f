"""`explain.influence`: which training digits taught the model its answer for one input (TracIn).

The index (per-checkpoint factors over all 60,000 training digits, ~0.5 GB) is built once per checkpoint set
and kept in memory, keyed by the set (every checkpoint's sha256 and factor): another model or set never gets
an answer computed for a different one. Nothing is cached on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from explain.trainingdata.tracin import TracInIndex
from model.checkpoint_set import CheckpointSet
from model.data import Split, load_mnist
from model.digests import weights_sha256
from model.network import IMAGE_SIDE, MLP, N_CLASSES
from model.paths import assets_dir

MAX_K = 1000


def bundled_checkpoint_set() -> CheckpointSet:
    """The shipped checkpoints along the bundled model's training (`make bundled-model` writes them)."""
    index = assets_dir() / "data" / "checkpoints" / "index.json"
    if not index.is_file():
        raise ValueError(f"no checkpoint set at {index}: run `make bundled-model`")
    return CheckpointSet.read(index)


@lru_cache(maxsize=4)
def _weights_digest(cset: CheckpointSet) -> str:
    return weights_sha256(cset.checkpoints[-1].load())


@lru_cache(maxsize=1)  # ~0.5 GB each: one set at a time (the bundled one, in the app)
def training_index(cset: CheckpointSet) -> TracInIndex:
    """The TracIn index of a checkpoint set over the 60,000 training digits (seconds; then kept)."""
    train = load_mnist(train=True)
    return build_index(cset, train)


def build_index(cset: CheckpointSet, train: Split, on_progress: Callable[[float], None] | None = None
                ) -> TracInIndex:
    """`on_progress(fraction)`: called as the build goes (seconds over 60,000 digits)."""
    return TracInIndex([c.load() for c in cset.checkpoints], [c.lr for c in cset.checkpoints],
                       train.images, train.labels, on_progress)


MAX_INDEX_BYTES = 2**30  # what one index may hold in memory (the bundled model's: ~0.5 GB)


def index_bytes(cset: CheckpointSet, n: int = 60_000) -> int:
    """The memory TracInIndex keeps for `cset` over `n` digits: per checkpoint, every linear layer's δ and
    every input after the first, float32 (the pixels, shared by all checkpoints, are n × 784 more)."""
    sizes = cset.checkpoints[0].load().config.hidden
    per_digit = 2 * sum(sizes) + N_CLASSES
    return 4 * n * (per_digit * len(cset.checkpoints) + IMAGE_SIDE * IMAGE_SIDE)


def check_index_size(cset: CheckpointSet, n: int = 60_000) -> None:
    """ValueError (saying how much) when the set's index over `n` digits would pass MAX_INDEX_BYTES."""
    need = index_bytes(cset, n)
    if need > MAX_INDEX_BYTES:
        raise ValueError(f"TracIn's index for this model would need {need / 2**30:.1f} GB of memory over {n:,} "
                         f"training digits; the limit is {MAX_INDEX_BYTES / 2**30:.0f} GB (fewer or narrower "
                         "hidden layers fit)")


def check_model_matches(model: MLP, cset: CheckpointSet) -> None:
    """The set must end at the very weights being explained (TracIn explains the last checkpoint's answers)."""
    if weights_sha256(model) != _weights_digest(cset):
        raise ValueError("these checkpoints end at other weights than the model being explained; TracIn needs the "
                         "checkpoints of this model's own training (the bundled model ships them; for another "
                         "model pass checkpoints=CheckpointSet(...) of its run)")


@dataclass(frozen=True)
class Influence:
    """Proponents (largest positive TracIn scores) and opponents (most negative) among the training digits."""

    target: int  # the class whose loss the scores are about
    prediction: int
    proponents: np.ndarray  # (k,) training indices, strongest first
    proponent_scores: np.ndarray
    opponents: np.ndarray
    opponent_scores: np.ndarray
    proponent_labels: np.ndarray  # their training labels
    opponent_labels: np.ndarray
    checkpoints: str  # the set's digest

    def to_dict(self) -> dict[str, Any]:
        def rows(idx: np.ndarray, labels: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
            return [{"index": int(i), "label": int(lab), "score": float(s)} for i, lab, s in zip(idx, labels, scores)]

        return {"target": self.target, "prediction": self.prediction, "checkpoints": self.checkpoints,
                "proponents": rows(self.proponents, self.proponent_labels, self.proponent_scores),
                "opponents": rows(self.opponents, self.opponent_labels, self.opponent_scores)}


def _as_image(x: Any) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if t.numel() != IMAGE_SIDE * IMAGE_SIDE:
        raise ValueError(f"x must be one 28×28 digit, got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError("x has NaN or infinite pixels")
    return t.reshape(1, IMAGE_SIDE, IMAGE_SIDE)


def influence(model: MLP, x: Any, k: int = 10, target: int | None = None,
              checkpoints: CheckpointSet | None = None, index: TracInIndex | None = None,
              among: np.ndarray | None = None) -> Influence:
    """The k strongest proponents and opponents among the training digits of `model`'s answer for `x`
    (one 28×28 digit, pixels in [0, 1]) for class `target` (default: the predicted class).

    `checkpoints`: the set along `model`'s training that ends at `model` (default: the bundled set, which
    only the bundled model matches); `index`: a prebuilt TracInIndex (tests, other training sets); `among`:
    the rows of the index the model trained on (a run that held digits out), default all."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a digit-lens MLP, got {type(model).__name__}")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValueError(f"k must be an integer in 1..{MAX_K}, got {k!r}")
    if target is not None and (isinstance(target, bool) or not isinstance(target, int | np.integer)
                               or not 0 <= target < N_CLASSES):
        raise ValueError(f"target must be a class in 0..{N_CLASSES - 1} or None, got {target!r}")
    xt = _as_image(x)
    if index is None:
        cset = checkpoints if checkpoints is not None else bundled_checkpoint_set()
        check_model_matches(model, cset)
        index, digest = training_index(cset), cset.digest
    else:  # a prebuilt index: the caller vouches that it belongs to `model` (and names its set, if any)
        digest = checkpoints.digest if checkpoints is not None else "custom"
    with torch.no_grad():
        prediction = int(model(xt).argmax(dim=1))
    t = prediction if target is None else int(target)
    scores = index.scores(xt, torch.tensor([t]))[0]
    rows = torch.arange(index.n)
    if among is not None:
        rows = torch.tensor(np.asarray(among, dtype=np.int64)).reshape(-1)
        if rows.numel() == 0 or int(rows.min()) < 0 or int(rows.max()) >= index.n:
            raise ValueError(f"among must be some of the rows 0..{index.n - 1} of the index, got {rows.numel()} rows "
                             "(empty or out of range)")
        scores = scores[rows]
    k = min(k, rows.numel())
    top = torch.topk(scores, k)
    bottom = torch.topk(-scores, k)
    labels = index.labels.numpy()
    pro, con = rows[top.indices].numpy(), rows[bottom.indices].numpy()
    return Influence(t, prediction, pro, top.values.numpy(), con, -bottom.values.numpy(), labels[pro], labels[con],
                     digest)
