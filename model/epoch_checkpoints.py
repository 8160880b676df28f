"""`python -m model.epoch_checkpoints`: checkpoints along a run of the bundled model's recipe, for TracIn.

The bundled checkpoint's own run kept no intermediate weights, and re-running its recipe here does not land
on its weights bit for bit (float sums differ between CPUs: measured on an AMD EPYC, max |Δw| 0.24 after ten
epochs, test accuracy 98.11 % against the shipped 98.23 %). So the set this writes is: the intermediate
epochs of a re-run of the same recipe (same seed, same data order, same initial weights), and, as its last
checkpoint, the shipped checkpoint itself — unless the re-run ends at the shipped weights exactly, in which
case every file is from that one run. index.json says which is which and what was measured.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from model import cli
from model.checkpoint import load_checkpoint, save_checkpoint
from model.checkpoint_set import CheckpointSet, EpochCheckpoint, cosine_lr_means
from model.data import load_mnist
from model.digests import file_sha256, weights_sha256
from model.evaluate import accuracy
from model.network import MLP
from model.paths import bundled_checkpoint
from model.train import TrainConfig, TrainResult, checkpoint_meta, train

PROG = "python -m model.epoch_checkpoints"
DEFAULT_EPOCHS = (2, 4, 6, 8, 10)


def keep_epochs(ends: tuple[int, ...]) -> tuple[Callable[[int, MLP], None], dict[int, dict[str, torch.Tensor]]]:
    """An `on_epoch` hook for model.train.train that keeps private copies of the weights at `ends`."""
    kept: dict[int, dict[str, torch.Tensor]] = {}

    def on_epoch(epoch: int, model: MLP) -> None:
        if epoch in ends:
            kept[epoch] = copy.deepcopy(model.state_dict())

    return on_epoch, kept


def write_set(folder: Path, result: TrainResult, kept: dict[int, dict[str, torch.Tensor]],
              final: Path | None = None, note: str = "", extra: dict | None = None) -> CheckpointSet:
    """Save the kept epochs as safetensors in `folder` plus index.json; `final` (a checkpoint file) stands
    in for the last epoch instead of the run's own weights."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = result.config
    n = cfg.train_size or 60_000
    steps = (n - cfg.validation_size + cfg.batch_size - 1) // cfg.batch_size
    ends = tuple(sorted(kept))
    lrs = cosine_lr_means(cfg.lr, steps, cfg.epochs, ends, cfg.cosine)
    test = load_mnist(train=False)
    items = []
    for epoch, lr in zip(ends, lrs):
        if final is not None and epoch == ends[-1]:
            items.append(EpochCheckpoint(epoch, final, lr, file_sha256(final), "the shipped checkpoint"))
            continue
        model = MLP(result.model.config)
        model.load_state_dict(kept[epoch])
        model.eval()
        meta = replace(checkpoint_meta(result), epochs=epoch, test_accuracy=accuracy(model, test))
        path = folder / f"epoch{epoch:02d}.safetensors"
        save_checkpoint(model, path, meta)
        items.append(EpochCheckpoint(epoch, path, lr, file_sha256(path),
                                     "this run" if final is None else "re-run of the recipe"))
    cset = CheckpointSet(tuple(items), note)
    (folder / "index.json").write_text(cset.index_json(folder, extra))
    return cset


def main(argv: list[str] | None = None) -> int:
    p = cli.OneLineParser(prog=PROG, description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="a folder for the checkpoints and index.json")
    p.add_argument("--epochs", default=",".join(map(str, DEFAULT_EPOCHS)),
                   help="which epochs of the 10 to keep (comma separated, at least 2)")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        ends = tuple(sorted({int(e) for e in args.epochs.split(",")}))
    except ValueError:
        cli.fail(f"--epochs must be epoch numbers separated by commas, got {args.epochs!r}")
    config = TrainConfig()
    if len(ends) < 2 or ends[0] < 1 or ends[-1] != config.epochs:
        cli.fail(f"--epochs needs at least 2 epochs in 1..{config.epochs}, the last being {config.epochs}; "
                 f"got {args.epochs!r}")
    try:
        cli.check_output_file(args.out / "index.json", "--out", (".json",), args.write_shipped)
    except ValueError as exc:
        cli.fail(str(exc))
    torch.set_num_threads(2)  # the recipe's thread count (the shipped record says 2)
    shipped, _ = load_checkpoint(bundled_checkpoint())
    on_epoch, kept = keep_epochs(ends)
    result = train(config, on_epoch=on_epoch)
    sd, mine = shipped.state_dict(), result.model.state_dict()
    max_diff = max(float((mine[k] - sd[k]).abs().max()) for k in sd)
    match = weights_sha256(result.model) == weights_sha256(shipped)
    note = ("every checkpoint is from one run that ends at the shipped weights bit for bit" if match else
            f"epochs {', '.join(map(str, ends[:-1]))}: a re-run of the bundled recipe (same seed, data order and "
            f"initial weights) that ends {max_diff:.3g} (max |Δw|) from the shipped weights, because float sums "
            f"differ between CPUs; epoch {ends[-1]}: the shipped checkpoint itself")
    extra = {"command": f"{PROG} {' '.join(argv if argv is not None else sys.argv[1:])}".strip(),
             "bundled_weights_match": match, "rerun_max_abs_diff": max_diff,
             "rerun_test_accuracy": result.test_accuracy, "torch": torch.__version__,
             "cpu_capability": torch.backends.cpu.get_cpu_capability()}
    cset = write_set(args.out, result, kept, final=None if match else bundled_checkpoint(), note=note, extra=extra)
    print(json.dumps({"epochs": cset.epochs, "digest": cset.digest, **extra}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
