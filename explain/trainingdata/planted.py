"""`python -m explain.trainingdata.planted`: how well each label-issue signal finds labels we broke on purpose.

A seeded subset of the training digits gets a share of its labels flipped to another class; then, on those
noisy labels, 5-fold cross-validation gives the out-of-sample probabilities (confident learning) and one
training run with kept checkpoints gives TracIn self-influence. The ROC-AUC of each signal for telling the
flipped digits from the rest, and how many flips each puts in its top 1 %, are what the README reports.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from explain.trainingdata.crossval import crossval_probs
from explain.trainingdata.label_issues import rank
from explain.trainingdata.tracin import TracInIndex
from model.checkpoint_set import cosine_lr_means
from model.data import Split, load_mnist
from model.network import MLP
from model.train import TrainConfig, train


@dataclass(frozen=True)
class PlantedConfig:
    n: int = 10_000
    flip: float = 0.01
    folds: int = 5
    cv_epochs: int = 5
    epochs: int = 10
    checkpoints: tuple[int, ...] = (2, 4, 6, 8, 10)
    seed: int = 0

    def __post_init__(self) -> None:
        if not 100 <= self.n <= 60_000:
            raise ValueError(f"n must be in 100..60000, got {self.n!r}")
        if not 0 < self.flip < 0.5:
            raise ValueError(f"flip must be in (0, 0.5), got {self.flip!r}")


def flip_labels(labels: torch.Tensor, share: float, seed: int) -> tuple[torch.Tensor, np.ndarray]:
    """A copy of `labels` with round(share · N) of them moved to another class (uniform), and which."""
    rng = np.random.default_rng(seed)
    n = labels.shape[0]
    flipped = rng.choice(n, size=max(1, round(share * n)), replace=False)
    noisy = labels.clone()
    noisy[flipped] = torch.from_numpy((labels[flipped].numpy() + rng.integers(1, 10, len(flipped))) % 10)
    mask = np.zeros(n, dtype=bool)
    mask[flipped] = True
    return noisy, mask


def run_planted(cfg: PlantedConfig, train_split: Split | None = None) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    full = train_split or load_mnist(train=True)
    keep = torch.from_numpy(np.random.default_rng(cfg.seed).permutation(len(full))[: cfg.n])
    images = full.images[keep]
    noisy, flipped = flip_labels(full.labels[keep], cfg.flip, cfg.seed + 1)
    split = Split(images, noisy)
    held = load_mnist(train=False)
    probs = crossval_probs(split, cfg.folds, TrainConfig(epochs=cfg.cv_epochs, seed=cfg.seed))
    kept: dict[int, dict[str, torch.Tensor]] = {}

    def on_epoch(epoch: int, model: MLP) -> None:
        if epoch in cfg.checkpoints:
            kept[epoch] = {k: v.clone() for k, v in model.state_dict().items()}

    config = TrainConfig(epochs=cfg.epochs, seed=cfg.seed)
    result = train(config, split, held, on_epoch=on_epoch)
    steps = (cfg.n + config.batch_size - 1) // config.batch_size
    lrs = cosine_lr_means(config.lr, steps, config.epochs, cfg.checkpoints, config.cosine)
    models = []
    for e in cfg.checkpoints:
        m = MLP(result.model.config)
        m.load_state_dict(kept[e])
        models.append(m)
    si = TracInIndex(models, lrs, images, noisy).self_influence().numpy()
    top = max(1, round(0.01 * cfg.n))
    out: dict[str, Any] = {"n": cfg.n, "flipped": int(flipped.sum()), "config": cfg.__dict__ | {
        "checkpoints": list(cfg.checkpoints)}, "model_test_accuracy": result.test_accuracy,
        "cv_accuracy_on_given": float((probs.argmax(1) == noisy.numpy()).mean()), "signals": {}}
    for rank_by in ("confident_learning", "self_influence", "combined"):
        issues = rank("train", noisy.numpy(), probs, si, rank_by)
        suspicion = np.empty(cfg.n)
        suspicion[issues.index] = issues.suspicion
        out["signals"][rank_by] = {"roc_auc": float(roc_auc_score(flipped, suspicion)),
                                   f"flips_in_top_{top}": int(flipped[issues.index[:top]].sum())}
    flagged = np.zeros(cfg.n, dtype=bool)
    flagged[issues.index] = issues.flagged
    out["cleanlab_find_label_issues"] = {"flagged": int(flagged.sum()),
                                         "precision": float(flipped[flagged].mean()) if flagged.any() else 0.0,
                                         "recall": float(flagged[flipped].mean())}
    return out


def main(argv: list[str] | None = None) -> int:
    from explain.provenance import provenance
    from model import cli

    p = cli.OneLineParser(prog="python -m explain.trainingdata.planted", description=__doc__)
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--flip", type=float, default=0.01)
    p.add_argument("--seed", type=cli.seed, default=0)
    p.add_argument("--out", type=Path, required=True, help="a .json for the measured ranking quality")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        cfg = PlantedConfig(n=args.n, flip=args.flip, seed=args.seed)
        out = cli.check_output_file(args.out, "--out", (".json",), args.write_shipped)
    except ValueError as exc:
        cli.fail(str(exc))
    torch.set_num_threads(2)
    result = {**provenance("python -m explain.trainingdata.planted", argv), **run_planted(cfg)}
    with cli.atomic_output(out) as tmp:
        tmp.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["signals"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
