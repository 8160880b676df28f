"""Explanations across training: what a fixed set of probe digits looks like to the network after
every epoch (prediction, the fast-set maps, the layer-2 position), recorded during a run.

`TrainingRecorder` is passed to `model.train.train(..., on_epoch=recorder)`; it is called with the
freshly initialised network (epoch 0) and after every completed epoch. It never touches the training:
every map comes from `explain_batch` on a private replica (stochastic methods fork the global
generators under the RNG lock and restore them), and the rest is plain no-grad forward passes on
another replica, so a run with recording gives bit-identical weights to one without
(tests/test_training_record.py checks it).

The layer-2 coordinates use ONE PCA basis for every epoch: the one fitted on the last recorded
epoch's layer over the 10,000 test digits. That is the same projection the Map page shows for the
finished model, so the last frame lines up with the page's map and earlier epochs are read through
the axes the network ended up with (an epoch-0 basis would be the arbitrary axes of random weights).

The record is a plain .npz (no pickle: `np.load(..., allow_pickle=False)` reads it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from explain.atlas.features import all_layer_features
from explain.atlas.projection import fit_pca
from explain.context import private_model
from explain.core import explain_batch
from explain.registry import drawing_methods
from model.cli import atomic_output
from model.data import Split, load_mnist
from model.network import IMAGE_SIDE, MLP, N_PIXELS

BACKGROUND_N = 1000  # test digits whose layer-2 positions are kept per epoch, the cloud behind the probes
NO_INDEX = -1  # probe_index / probe_label of an extra input (the app's drawing): not a test digit


@dataclass(frozen=True)
class ProbeSet:
    images: np.ndarray  # (P, 28, 28) float32 pixels
    labels: np.ndarray  # (P,) int64, NO_INDEX for an extra input
    indices: np.ndarray  # (P,) int64 test-set index, NO_INDEX for an extra input


def default_probes(test: Split | None = None, extra: np.ndarray | None = None) -> ProbeSet:
    """The first test digit of each class 0–9 (deterministic), plus `extra` (one 28×28 input) if given."""
    test = test or load_mnist(train=False)
    labels = test.labels.numpy()
    idx = np.array([int(np.flatnonzero(labels == c)[0]) for c in range(10)], dtype=np.int64)
    images, lab = test.images.numpy()[idx].astype(np.float32), labels[idx].astype(np.int64)
    if extra is not None:
        e = np.asarray(extra, dtype=np.float32)
        if e.size != N_PIXELS or not np.isfinite(e).all():
            raise ValueError(f"extra probe must be one finite 28×28 image, got shape {e.shape}")
        images = np.concatenate([images, e.reshape(1, IMAGE_SIDE, IMAGE_SIDE)])
        lab, idx = np.append(lab, NO_INDEX), np.append(idx, NO_INDEX)
    return ProbeSet(images, lab, idx)


def record_layer(model: MLP) -> str:
    """The layer whose positions are recorded: the second hidden layer, or the only one."""
    return "hidden2" if len(model.config.hidden) >= 2 else "hidden1"


@dataclass(frozen=True)
class TrainingRecord:
    """Everything recorded, epoch-major. E epochs (0 = initial weights), P probes, M methods."""

    epochs: np.ndarray  # (E,) int64
    test_accuracy: np.ndarray  # (E,) float64, on the 10,000 test digits
    probe_images: np.ndarray  # (P, 28, 28) float32
    probe_labels: np.ndarray  # (P,) int64
    probe_indices: np.ndarray  # (P,) int64
    probs: np.ndarray  # (E, P, 10) float32 softmax
    methods: tuple[str, ...]
    maps: np.ndarray  # (M, E, P, 28, 28) float32, each explaining the probe's true class (drawing: prediction)
    targets: np.ndarray  # (E, P) int64 the class each map explains
    layer: str
    probe_xy: np.ndarray  # (E, P, 2) float32 in the fixed PCA basis
    background_xy: np.ndarray  # (E, B, 2) float32, the first B test digits
    background_labels: np.ndarray  # (B,) int64
    pca_mean: np.ndarray  # (D,) float64
    pca_components: np.ndarray  # (2, D) float64
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def predictions(self) -> np.ndarray:
        return self.probs.argmax(axis=2)

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        arrays = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("methods", "layer", "meta")}
        arrays |= {"methods": np.array(self.methods), "layer": np.array(self.layer),
                   "meta": np.array(json.dumps(self.meta, sort_keys=True))}
        with atomic_output(path) as tmp, open(tmp, "wb") as fh:  # a handle: np.savez would append ".npz"
            np.savez_compressed(fh, **arrays)
        return path


def load_record(path: Path | str) -> TrainingRecord:
    """Read a record written by `TrainingRecord.save` (never unpickles)."""
    with np.load(Path(path), allow_pickle=False) as npz:
        missing = {f.name for f in fields(TrainingRecord)} - set(npz.files)
        if missing:
            raise ValueError(f"{path} is not a training record: missing {sorted(missing)}")
        data = {k: npz[k] for k in npz.files}
    data["methods"] = tuple(str(m) for m in data["methods"])
    data["layer"], data["meta"] = str(data["layer"]), json.loads(str(data["meta"]))
    return TrainingRecord(**{f.name: data[f.name] for f in fields(TrainingRecord)})


class TrainingRecorder:
    """`on_epoch` callback for `model.train.train`; `finish()` returns the `TrainingRecord`."""

    def __init__(self, probes: ProbeSet | None = None, methods: list[str] | None = None,
                 test: Split | None = None, background_n: int = BACKGROUND_N, seed: int = 0) -> None:
        self.test = test or load_mnist(train=False)
        self.probes = probes or default_probes(self.test)
        self.methods = tuple(methods or drawing_methods())
        self.background_n = min(background_n, len(self.test))
        self.seed = seed
        self._epochs: list[int] = []
        self._acc: list[float] = []
        self._probs: list[np.ndarray] = []
        self._maps: list[np.ndarray] = []  # per epoch (M, P, 28, 28)
        self._targets: list[np.ndarray] = []
        self._probe_feats: list[np.ndarray] = []
        self._background_feats: list[np.ndarray] = []
        self._last_test_feats: np.ndarray | None = None  # the last epoch's layer over all test digits
        self._layer: str | None = None

    @torch.no_grad()
    def __call__(self, epoch: int, model: MLP) -> None:
        replica = private_model(model)  # eval mode, own weights: the training model is only read
        layer = self._layer = record_layer(model)
        x = torch.from_numpy(self.probes.images)
        logits = replica(x)
        probs = torch.softmax(logits, dim=1).numpy().astype(np.float32)
        # The true class for test digits, so every epoch's map answers the same question.
        targets = [None if t == NO_INDEX else int(t) for t in self.probes.labels]
        maps = []
        for name in self.methods:  # one batched call per method
            res = explain_batch(replica, x, name, targets, seed=self.seed)
            maps.append(res.values.astype(np.float32))
        feats = all_layer_features(replica, self.test.images, with_pixels=False)
        test_feats = feats[layer]
        acc = float((feats["logits"].argmax(axis=1) == self.test.labels.numpy()).mean())
        self._epochs.append(int(epoch))
        self._acc.append(acc)
        self._probs.append(probs)
        self._maps.append(np.stack(maps))
        self._targets.append(np.array(res.targets, dtype=np.int64))
        self._probe_feats.append(all_layer_features(replica, x, with_pixels=False)[layer])
        self._background_feats.append(test_feats[: self.background_n].copy())
        self._last_test_feats = test_feats

    def finish(self, meta: dict[str, Any] | None = None) -> TrainingRecord:
        if not self._epochs or self._last_test_feats is None or self._layer is None:
            raise ValueError("nothing was recorded: the recorder was never called")
        pca = fit_pca(self._last_test_feats)  # the last epoch's basis, fixed for every epoch (see module doc)
        probe_xy = np.stack([pca.transform(f) for f in self._probe_feats]).astype(np.float32)
        bg_xy = np.stack([pca.transform(f) for f in self._background_feats]).astype(np.float32)
        return TrainingRecord(
            epochs=np.array(self._epochs, dtype=np.int64), test_accuracy=np.array(self._acc),
            probe_images=self.probes.images, probe_labels=self.probes.labels, probe_indices=self.probes.indices,
            probs=np.stack(self._probs), methods=self.methods, maps=np.stack(self._maps, axis=1),
            targets=np.stack(self._targets), layer=self._layer, probe_xy=probe_xy, background_xy=bg_xy,
            background_labels=self.test.labels.numpy()[: self.background_n].astype(np.int64),
            pca_mean=pca.mean, pca_components=pca.components,
            meta={"seed": self.seed, "pca_basis": "last recorded epoch, 10,000 test digits"} | (meta or {}),
        )
