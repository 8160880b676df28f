"""`python -m explain.evaluate`: score methods over N stratified test digits → a leaderboard CSV.

Writes FILE.csv (one row per method: mean and 95 % CI of each metric, median runtime) and
FILE.csv.meta.json (the command, date, versions and settings that produced it).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shlex
import sys
import time
from pathlib import Path

import torch

from explain.leaderboard import LeaderboardConfig, run_leaderboard
from explain.registry import get_method, method_names


def write_csv(rows: list[dict[str, object]], path: Path) -> None:
    fields: list[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def main(argv: list[str] | None = None) -> int:
    from tqdm import tqdm

    from model.checkpoint import load_checkpoint
    from model.data import load_mnist
    from model.paths import bundled_checkpoint

    p = argparse.ArgumentParser(prog="python -m explain.evaluate", description=__doc__)
    p.add_argument("--n", type=int, default=100, help="test digits, stratified by class")
    p.add_argument("--methods", default="all", help="all, or comma-separated names")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--replacement", choices=["zero", "mean", "blur"], default="mean",
                   help="what a deleted pixel becomes in the deletion/insertion curves")
    p.add_argument("--sensitivity-every", type=int, default=10, help="max-sensitivity on every k-th digit")
    p.add_argument("--checkpoint", type=Path, default=None)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    try:
        names = method_names() if args.methods == "all" else [get_method(m.strip()).name for m in args.methods.split(",")]
        config = LeaderboardConfig(tuple(names), args.n, args.seed, args.replacement, args.sensitivity_every)
        model, _ = load_checkpoint(args.checkpoint or bundled_checkpoint())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model.requires_grad_(False)
    test = load_mnist(train=False)
    bar = tqdm(total=config.n, unit="digit")
    start = time.perf_counter()
    rows = run_leaderboard(model, test.images, test.labels, config, lambda k, n: bar.update(1))
    bar.close()
    write_csv(rows, args.out)
    meta = {
        "command": "python -m explain.evaluate " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - start, 1), "n": config.n, "seed": config.seed,
        "replacement": config.replacement, "sensitivity_every": config.sensitivity_every,
        "checkpoint": str(args.checkpoint or "bundled"), "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    Path(str(args.out) + ".meta.json").write_text(json.dumps(meta, indent=2))
    print(f"{len(rows)} rows → {args.out} in {meta['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
