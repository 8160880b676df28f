"""`explain.label_issues`: the digits whose given label the model doubts, ranked, with two signals.

- confident learning (cleanlab) on out-of-sample probabilities: the test set's are the model's own (it never
  trained on them); the training set's come from 5-fold cross-validated short trainings (crossval.py, shipped
  for the bundled recipe). Its label-quality score is low for a doubtful label.
- TracIn self-influence Σ lr ‖∇L(z)‖² under the given label across the checkpoints: high for a digit the model
  had to be pushed hard to fit (or cannot fit), a classic sign of a wrong label.

They combine by averaging percentile ranks (each signal's scale is its own); `rank_by` picks the ranking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from explain.trainingdata.tracin import TracInIndex
from model.checkpoint_set import CheckpointSet
from model.data import load_mnist
from model.network import MLP
from model.paths import assets_dir

SPLITS = ("test", "train")
RANKINGS = ("combined", "confident_learning", "self_influence")


@dataclass(frozen=True)
class LabelIssues:
    """Every digit of a split, most suspect first under `rank_by`."""

    split: str
    rank_by: str
    index: np.ndarray  # (N,) digit indices in the split, most suspect first
    given: np.ndarray
    suggested: np.ndarray  # the class with the highest out-of-sample probability
    quality: np.ndarray  # cleanlab label quality in [0, 1]: low = doubtful
    self_influence: np.ndarray | None  # None when no checkpoint set belongs to the model
    suspicion: np.ndarray  # the ranking's score in [0, 1]: high = doubtful
    flagged: np.ndarray  # cleanlab.filter.find_label_issues' verdict

    def rows(self, top: int | None = None) -> list[dict[str, Any]]:
        n = len(self.index) if top is None else min(top, len(self.index))
        return [{"index": int(self.index[i]), "given": int(self.given[i]), "suggested": int(self.suggested[i]),
                 "score": float(self.suspicion[i]), "quality": float(self.quality[i]),
                 "self_influence": None if self.self_influence is None else float(self.self_influence[i]),
                 "flagged": bool(self.flagged[i])} for i in range(n)]

    def where(self, given: int | None = None, suggested: int | None = None) -> LabelIssues:
        """Only the rows with this given and/or suggested class (order kept)."""
        keep = np.ones(len(self.index), dtype=bool)
        if given is not None:
            keep &= self.given == given
        if suggested is not None:
            keep &= self.suggested == suggested
        si = None if self.self_influence is None else self.self_influence[keep]
        return LabelIssues(self.split, self.rank_by, self.index[keep], self.given[keep], self.suggested[keep],
                           self.quality[keep], si, self.suspicion[keep], self.flagged[keep])


def percentile(values: np.ndarray) -> np.ndarray:
    """Ranks scaled to (0, 1]: 1 for the largest value."""
    from scipy.stats import rankdata

    return rankdata(values) / len(values)


def signals(labels: np.ndarray, probs: np.ndarray, self_influence: np.ndarray | None
            ) -> dict[str, np.ndarray]:
    """Each ranking's suspicion (high = doubtful) and cleanlab's quality and verdict, for N digits."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    probs = np.asarray(probs, dtype=np.float64)
    probs = probs / probs.sum(axis=1, keepdims=True)  # float16 storage: rows sum to 1 only to ~1e-3
    labels = np.asarray(labels, dtype=np.int64)
    quality = get_label_quality_scores(labels, probs)
    # n_jobs=1: by default cleanlab starts a multiprocessing pool, which hung inside the app server's threads
    flagged = find_label_issues(labels, probs, n_jobs=1)
    out = {"quality": quality, "flagged": flagged, "confident_learning": percentile(-quality)}
    if self_influence is not None:
        out["self_influence"] = percentile(np.asarray(self_influence, dtype=np.float64))
        out["combined"] = (out["confident_learning"] + out["self_influence"]) / 2
    return out


def train_cv_probs() -> np.ndarray:
    """The shipped out-of-sample probabilities of the 60,000 training digits (5-fold, the bundled recipe)."""
    path = assets_dir() / "data" / "train_cv_probs.npz"
    if not path.is_file():
        raise ValueError(f"no cross-validated probabilities at {path}: run `python -m explain.trainingdata.crossval "
                         f"--out {path} --write-shipped` (or the Data page's job)")
    with np.load(path, allow_pickle=False) as d:
        return d["probs"].astype(np.float32)


def split_meta() -> dict[str, Any]:
    path = assets_dir() / "data" / "train_cv_probs.npz"
    with np.load(path, allow_pickle=False) as d:
        return json.loads(str(d["meta"]))


def label_issues(split: str = "test", model: MLP | None = None, checkpoints: CheckpointSet | None = None,
                 probs: np.ndarray | None = None, rank_by: str = "combined", index: TracInIndex | None = None
                 ) -> LabelIssues:
    """Every digit of `split` ranked by how much its label is in doubt.

    `model` (test split: its probabilities) defaults to the bundled model; `checkpoints` (self-influence)
    to the bundled set when the model is the bundled one, else that signal is left out; `probs` overrides
    the out-of-sample probabilities (train split: the shipped cross-validation, or a job's result); `index`:
    the set's TracIn index over the training digits when the caller keeps one (else built and kept here)."""
    from explain.trainingdata.influence import bundled_checkpoint_set, check_model_matches, training_index
    from explain.trainingdata.tracin import self_influence_of

    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    if rank_by not in RANKINGS:
        raise ValueError(f"rank_by must be one of {list(RANKINGS)}, got {rank_by!r}")
    if model is None:
        from model.checkpoint import load_checkpoint
        from model.paths import bundled_checkpoint

        model = load_checkpoint(bundled_checkpoint())[0].eval()
    data = load_mnist(train=split == "train")
    labels = data.labels.numpy()
    if probs is None:
        if split == "train":
            probs = train_cv_probs()
        else:
            with torch.no_grad():
                probs = torch.softmax(model(data.images), dim=1).numpy()
    if np.shape(probs) != (len(labels), 10):
        raise ValueError(f"probs must be ({len(labels)}, 10) for the {split} split, got {np.shape(probs)}")
    cset = checkpoints
    if cset is None:
        try:
            cset = bundled_checkpoint_set()
            check_model_matches(model, cset)
        except ValueError:
            cset = None
    else:
        check_model_matches(model, cset)
    si = None
    if cset is not None:
        from explain.trainingdata.shipped import shipped_self_influence

        si = shipped_self_influence(split, cset.digest)
    if cset is not None and si is None:
        if split == "train":
            si = (index if index is not None else training_index(cset)).self_influence().numpy()
        else:
            models = [c.load() for c in cset.checkpoints]
            si = self_influence_of(models, [c.lr for c in cset.checkpoints], data.images, data.labels).numpy()
    return rank(split, labels, probs, si, rank_by)


def rank(split: str, labels: np.ndarray, probs: np.ndarray, self_influence: np.ndarray | None,
         rank_by: str = "combined") -> LabelIssues:
    """The ranking from the signals' inputs (label_issues' last step; tests call it on toy sets)."""
    s = signals(labels, probs, self_influence)
    if rank_by not in s:
        if self_influence is not None or rank_by == "confident_learning":
            raise ValueError(f"rank_by must be one of {list(RANKINGS)}, got {rank_by!r}")
        rank_by = "confident_learning"  # no checkpoints: the one signal there is
    suspicion = s[rank_by]
    order = np.argsort(-suspicion, kind="stable")
    probs = np.asarray(probs)
    return LabelIssues(split, rank_by, order, labels[order], probs.argmax(axis=1)[order], s["quality"][order],
                       None if self_influence is None else np.asarray(self_influence)[order], suspicion[order],
                       s["flagged"][order])
