"""Checkpoints kept along one training run, for TracIn (the Data page's "which digits taught it this").

`make bundled-model` and the Train page's runs keep them with `keep_epochs` (an `on_epoch` hook of
model.train.train) and write them with `write_set`: safetensors plus the index.json that
model.checkpoint_set reads. Every file comes from the run that made the final checkpoint, so TracIn's sum
over checkpoints describes the model being explained, not a sibling of it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from model.checkpoint import save_checkpoint
from model.checkpoint_set import CheckpointSet, EpochCheckpoint, cosine_lr_means
from model.data import load_mnist
from model.digests import file_sha256
from model.evaluate import accuracy
from model.network import MLP
from model.train import TrainResult, checkpoint_meta


def spread_epochs(epochs: int, count: int = 5) -> tuple[int, ...]:
    """`count` epochs spread evenly over 1..`epochs`, the last always included (10 → 2, 4, 6, 8, 10)."""
    if epochs < 1 or count < 1:
        raise ValueError(f"epochs and count must be >= 1, got {epochs!r} and {count!r}")
    m = min(count, epochs)
    return tuple(sorted({round(epochs * (k + 1) / m) for k in range(m)}))


def keep_epochs(ends: tuple[int, ...]) -> tuple[Callable[[int, MLP], None], dict[int, dict[str, torch.Tensor]]]:
    """An `on_epoch` hook for model.train.train that keeps private copies of the weights at `ends`."""
    kept: dict[int, dict[str, torch.Tensor]] = {}

    def on_epoch(epoch: int, model: MLP) -> None:
        if epoch in ends:
            kept[epoch] = copy.deepcopy(model.state_dict())

    return on_epoch, kept


def write_set(folder: Path, result: TrainResult, kept: dict[int, dict[str, torch.Tensor]], note: str = "",
              extra: dict | None = None) -> CheckpointSet:
    """Save the kept epochs as safetensors in `folder` plus index.json (each with its test accuracy and the
    mean learning rate TracIn weighs it by)."""
    if not kept:
        raise ValueError("no epochs were kept: nothing to write")
    folder.mkdir(parents=True, exist_ok=True)
    cfg = result.config
    n = cfg.train_size or 60_000 - cfg.validation_size  # model.train holds the validation digits out first
    steps = (n + cfg.batch_size - 1) // cfg.batch_size
    ends = tuple(sorted(kept))
    lrs = cosine_lr_means(cfg.lr, steps, cfg.epochs, ends, cfg.cosine)
    test = load_mnist(train=False)
    items = []
    for epoch, lr in zip(ends, lrs):
        model = MLP(result.model.config)
        model.load_state_dict(kept[epoch])
        model.eval()
        meta = replace(checkpoint_meta(result), epochs=epoch, test_accuracy=accuracy(model, test))
        path = folder / f"epoch{epoch:02d}.safetensors"
        save_checkpoint(model, path, meta)
        items.append(EpochCheckpoint(epoch, path, lr, file_sha256(path), "this run"))
    cset = CheckpointSet(tuple(items), note)
    (folder / "index.json").write_text(cset.index_json(folder, extra))
    return cset
