"""`python -m explain.evaluate`: score methods over N stratified test digits → a leaderboard.

Writes FILE.csv (one row per method: for each metric the mean, 95 % CI half-width, digits scored,
and its rank with a bootstrap 95 % interval), FILE.csv.meta.json (command, date, versions, seconds
per method, subsample sizes, and how far rankings agree across replacements) and FILE.scores.npz
(every per-digit score the intervals come from, compressed).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from explain.cli import args as cli_args
from explain.evaluation.leaderboard import LeaderboardConfig, MethodScores, run_leaderboard, variant_display
from explain.evaluation.metrics import REPLACEMENTS
from explain.evaluation.ranking import replacement_agreement, summarise, winners
from explain.provenance import provenance
from explain.registry import get_method, method_names


def write_csv(rows: list[dict[str, object]], path: Path) -> None:
    fields: list[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def write_scores(path: Path, indices: list[int], results: list[MethodScores]) -> None:
    arrays = {f"{r.method}/{metric}": v.astype(np.float32) for r in results for metric, v in r.scores.items()}
    with open(path, "wb") as fh:  # given a name, numpy would append .npz
        np.savez_compressed(fh, indices=np.array(indices, dtype=np.int32), **arrays)


def read_scores(path: Path) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
    """(indices, method → metric → per-digit scores) from a FILE.scores.npz."""
    with np.load(path) as z:
        out: dict[str, dict[str, np.ndarray]] = {}
        for key in z.files:
            if "/" in key:
                method, metric = key.split("/", 1)
                out.setdefault(method, {})[metric] = z[key].astype(np.float64)
        return z["indices"], out


def output_paths(out: Path) -> tuple[Path, Path, Path]:
    """FILE.csv → (FILE.csv, FILE.csv.meta.json, FILE.scores.npz)."""
    return out, out.with_name(out.name + ".meta.json"), out.with_suffix(".scores.npz")


def check_outputs(out: Path, write_shipped: bool) -> tuple[Path, Path, Path]:
    """The CSV and its two companions, each checked before the run (it can take many minutes)."""
    out = cli_args.check_output_file(out, suffixes=(".csv",), write_shipped=write_shipped)
    for companion in output_paths(out)[1:]:
        cli_args.check_output_file(companion, write_shipped=write_shipped, companion_of=out)
    return output_paths(out)


LIBRARIES = ("python", "torch", "captum", "shap", "lime", "numpy")  # the meta's "versions"


def main(argv: list[str] | None = None) -> int:
    from tqdm import tqdm

    from model.data import load_mnist

    p = cli_args.OneLineParser(prog="python -m explain.evaluate", description=__doc__)
    p.add_argument("--n", type=cli_args.positive_int, default=100, help="test digits, stratified by class (≤ 10000)")
    p.add_argument("--methods", default="all", help="all, or comma-separated names")
    p.add_argument("--variants", default="", help="extra rows with other parameters, e.g. 'deeplift[baseline=mean]' "
                   "(separated by ';')")
    p.add_argument("--seed", type=cli_args.seed, default=0)
    p.add_argument("--replacements", default=",".join(REPLACEMENTS),
                   help="what deleted pixels become in the deletion/insertion curves (comma-separated)")
    p.add_argument("--extras-n", type=int, default=None,
                   help="digits for max-sensitivity and seed stability (default min(n, 1000))")
    p.add_argument("--workers", type=cli_args.positive_int, default=1,
                   help="processes, one torch thread each (2 on a 2-core machine: the library loops use both cores)")
    p.add_argument("--checkpoint", type=cli_args.existing_file, default=None)
    p.add_argument("--out", type=Path, required=True,
                   help="FILE.csv (FILE.csv.meta.json and FILE.scores.npz beside it)")
    cli_args.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        out, meta_path, scores_path = check_outputs(args.out, args.write_shipped)
        names = method_names() if args.methods == "all" else [get_method(m.strip()).name for m in args.methods.split(",")]
        names += [v.strip() for v in args.variants.split(";") if v.strip()]
        extras = min(args.n, 1000) if args.extras_n is None else args.extras_n
        config = LeaderboardConfig(tuple(names), args.n, args.seed, tuple(r.strip() for r in args.replacements.split(",")),
                                   extras_n=extras)
        model = cli_args.load_model(args.checkpoint)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    test = load_mnist(train=False)
    bars: dict[str, tqdm] = {}

    def progress(method: str, done: int, total: int) -> None:
        bar = bars.setdefault(method, tqdm(total=total, unit="digit", desc=variant_display(method), leave=True))
        bar.update(done - bar.n)

    start = time.perf_counter()
    indices, results, phases = run_leaderboard(model, test.images, test.labels, config, progress, workers=args.workers)
    for bar in bars.values():
        bar.close()
    seconds = time.perf_counter() - start
    rows = summarise([r.method for r in results], {r.method: r.scores for r in results}, config.seed)
    for row, r in zip(rows, results, strict=True):
        row["display"] = r.method if r.method.startswith("control") else variant_display(r.method)
        row["seconds"] = round(r.seconds, 2)
        row["error"] = r.error or ""
    meta = {
        **provenance("python -m explain.evaluate", argv, LIBRARIES),  # command, date, versions
        "n": config.n, "seconds": round(seconds, 1), "seed": config.seed,
        "seconds_core": round(phases["core"], 1),  # wall clock, all methods, all n digits
        "seconds_extras": round(phases["extras"], 1),  # wall clock, the extras on the subsample
        "seconds_per_method": {r.method: round(r.seconds, 2) for r in results},
        "extras_seconds_per_method": {r.method: round(r.extras_seconds, 2) for r in results if r.extras_seconds},
        "replacements": list(config.replacements),
        "subsample": {"max_sensitivity": config.extras_n, "seed_stability": config.extras_n,
                      "road": config.extras_n, "seed_stability_seeds": 5},
        "kendall_tau_between_replacements": {c: replacement_agreement(rows, c) for c in ("deletion", "insertion")},
        "winners": {c: winners(rows, c) for c in ("deletion", "insertion")},
        "checkpoint": str(args.checkpoint or "bundled"), "threads": torch.get_num_threads(), "workers": args.workers,
    }
    try:
        with cli_args.atomic_outputs(out, meta_path, scores_path) as (tmp_csv, tmp_meta, tmp_scores):
            write_csv(rows, tmp_csv)
            write_scores(tmp_scores, indices, results)
            tmp_meta.write_text(json.dumps(meta, indent=2))
    except OSError as exc:  # the folder changed during the run: still one line
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = [r.method for r in results if r.error]
    print(f"{len(rows)} rows → {out} (+ {meta_path.name}, {scores_path.name}) in {meta['seconds']} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
