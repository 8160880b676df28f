"""`python -m explain.sanity`: the cascading randomisation check (Adebayo et al. 2018) for every method
over the first N test digits, written as JSON: the shipped result behind the Evaluate page's verdicts and
its "Which method should I trust here?"."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from explain.evaluation.sanity import cascade_many
from explain.provenance import provenance
from explain.registry import get_method, method_names


def main(argv: list[str] | None = None) -> int:
    """`python -m explain.sanity --n 100 --out FILE.json`: one `cascade_many` per method (the first n test
    digits, layers randomised from the output down); the shipped file is rewritten only by `make assets`."""
    from explain.cli import args as cli_args
    from model import cli
    from model.data import load_mnist

    p = cli.OneLineParser(prog="python -m explain.sanity", description=main.__doc__)
    p.add_argument("--n", type=cli_args.positive_int, default=100, help="the first N test digits (at most 10000)")
    p.add_argument("--methods", default="all", help="comma-separated method names, or 'all'")
    p.add_argument("--seed", type=cli_args.seed, default=0)
    p.add_argument("--out", type=Path, required=True, help="the .json file to write")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        if args.n > 10_000:
            raise ValueError(f"--n must be at most 10000, got {args.n}")
        names = method_names() if args.methods == "all" else [get_method(m.strip()).name for m in args.methods.split(",")]
        out = cli.check_output_file(args.out, suffixes=(".json",), write_shipped=args.write_shipped)
        model = cli_args.load_model(None)
    except ValueError as exc:
        cli.fail(str(exc))
    x = load_mnist(train=False).images[: args.n]
    start = time.perf_counter()
    results = {}
    for name in names:
        t0 = time.perf_counter()
        s = cascade_many(model, x, name, seed=args.seed)
        results[name] = {"steps": list(s.steps), "mean": [round(float(v), 5) for v in s.mean],
                         "ci95": [round(float(v), 5) for v in s.ci95], "n": s.n,
                         "seconds": round(time.perf_counter() - t0, 2)}
        print(f"{name}: {' '.join(f'{v:.3f}' for v in s.mean)}", file=sys.stderr)
    meta = {**provenance("python -m explain.sanity", argv), "n": args.n, "seed": args.seed,
            "cascade": "layers re-initialised from the output down, cumulatively",
            "similarity": "Spearman rank correlation of the signed map with the trained model's map",
            "seconds": round(time.perf_counter() - start, 1), "threads": torch.get_num_threads()}
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**meta, "methods": results}, indent=2) + "\n")
    except OSError as exc:
        cli.fail(f"could not write {out}: {exc}")
    print(f"wrote {out}")
    return 0
