"""`python -m explain.cli.train`: `python -m model.train` plus `--record FILE.npz`, the bundled model's
explanations recorded across training (the Map page's "Across training"), and `--checkpoints DIR`, five
checkpoints along the same run for TracIn (the Data page). `make bundled-model` runs it with both, so the
checkpoint, its record and its epochs all come from one run.

The recording lives here, not in model/: training knows nothing of explanations, it only calls the
`on_epoch` hook it is given.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from explain.atlas.training_record import TrainingRecorder
from explain.provenance import library_version, provenance
from model import cli
from model.checkpoint import load_checkpoint
from model.cli import atomic_outputs
from model.digests import file_sha256, weights_sha256
from model.epoch_checkpoints import keep_epochs, spread_epochs, write_set
from model.paths import bundled_checkpoint
from model.train import TrainResult, build_parser, checked_args, checkpoint_meta, run

PROG = "python -m explain.cli.train"


def save_with_meta(recorder: TrainingRecorder, result: TrainResult, path: Path | str, checkpoint: Path,
                   argv: list[str] | None = None) -> dict[str, Any]:
    """Write the record and `<path>.meta.json`: the command, the weights' digest and whether they are
    the bundled checkpoint's weights bit for bit on the machine that ran it (then the record belongs to that
    checkpoint; another CPU's float sums may train to slightly other weights)."""
    path = Path(path)
    digest = weights_sha256(result.model)
    bundled = bundled_checkpoint()
    shipped = load_checkpoint(bundled) if bundled.exists() else None
    match = shipped is not None and weights_sha256(shipped[0]) == digest
    mine = checkpoint_meta(result)
    recipe = ("hidden", "seed", "epochs", "lr", "lr_schedule", "batch_size", "train_size")
    same_recipe = shipped is not None and all(getattr(mine, k) == getattr(shipped[1], k) for k in recipe)
    meta = {
        **provenance(PROG, argv),  # command, date
        "seconds": round(float(result.seconds), 1),
        "config": asdict(result.config), "test_accuracy": float(result.test_accuracy),
        "weights_sha256": digest,
        # True only when this run ended at the bundled checkpoint's weights bit for bit (on this machine): then
        # every epoch here leads to the shipped model. Otherwise it is the same recipe's run, not that model's.
        "bundled_weights_match": bool(match),
        "bundled_weights_sha256": weights_sha256(shipped[0]) if shipped is not None else None,
        "bundled_test_accuracy": float(shipped[1].test_accuracy) if shipped is not None else None,
        "same_recipe_as_bundled": bool(same_recipe),
        "bundled_checkpoint_sha256": file_sha256(bundled) if bundled.exists() else None,
        "checkpoint": "mnist_mlp.safetensors" if match else str(checkpoint),
        "checkpoint_sha256": file_sha256(bundled if match else checkpoint),
        "torch": library_version("torch"), "torch_threads": torch.get_num_threads(),
    }
    record = recorder.finish(meta)
    with atomic_outputs(path, path.with_name(path.name + ".meta.json")) as (tmp, tmp_meta):
        record.save(tmp)
        tmp_meta.write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    p = build_parser(PROG)
    p.add_argument("--record", type=Path, required=True,
                   help="record explanations across training to this .npz (+ .meta.json beside it)")
    p.add_argument("--checkpoints", type=Path, default=None,
                   help="also keep five checkpoints along this run in this folder (+ index.json), for TracIn")
    args = p.parse_args(argv)
    config, out = checked_args(args)
    try:  # every output refused before a single step, like --out
        record = cli.check_output_file(args.record, "--record", (".npz",), args.write_shipped)
        cli.check_output_file(record.with_name(record.name + ".meta.json"), "--record",
                              write_shipped=args.write_shipped, companion_of=record)
        if args.checkpoints is not None:
            cli.check_output_file(args.checkpoints / "index.json", "--checkpoints", (".json",), args.write_shipped)
    except ValueError as exc:
        cli.fail(str(exc))
    recorder = TrainingRecorder()
    keep, kept = keep_epochs(spread_epochs(config.epochs) if args.checkpoints is not None else ())

    def on_epoch(epoch: int, model: torch.nn.Module) -> None:
        recorder(epoch, model)
        keep(epoch, model)

    result = run(config, out, on_epoch=on_epoch)
    try:
        save_with_meta(recorder, result, record, out, argv)
        if args.checkpoints is not None:
            note = f"every checkpoint is from the run that wrote {out.name} (its last epoch is that checkpoint)"
            write_set(args.checkpoints, result, kept, note, {"command": provenance(PROG, argv)["command"]})
    except (ValueError, OSError) as exc:
        cli.fail(str(exc) if isinstance(exc, cli.OutputError) else f"could not write {record}: {exc}")
    print(f"training record → {record}" + (f"; checkpoints → {args.checkpoints}" if args.checkpoints else ""))
    print(asdict(checkpoint_meta(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
