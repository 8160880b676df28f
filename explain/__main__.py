"""`python -m explain list|run`: the registry, and every method on a test digit, as JSON or a table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from explain.core import MethodError, explain_many
from explain.registry import get_method, method_names, methods
from explain.types import Contrast


def _target(text: str | None):
    if text is None or text == "predicted":
        return None
    if "," in text:
        a, b = text.split(",", 1)
        return Contrast(int(a), int(b))
    return int(text)


def cmd_list(args: argparse.Namespace) -> int:
    rows = [m.describe() for m in methods()]
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(f"{r['name']:24s} {r['library']:7s} {r['family']:13s} {'stochastic' if r['stochastic'] else ''}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from model.checkpoint import load_checkpoint
    from model.data import load_mnist
    from model.paths import bundled_checkpoint

    try:
        names = method_names() if args.method == "all" else [get_method(n).name for n in args.method.split(",")]
        target = _target(args.target)
        model, _ = load_checkpoint(args.checkpoint or bundled_checkpoint())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    test = load_mnist(train=False)
    if not 0 <= args.index < len(test):
        print(f"error: --index must be in 0..{len(test) - 1}, got {args.index}", file=sys.stderr)
        return 2
    model.requires_grad_(False)
    x = test.images[args.index]
    params = {n: {"baseline": args.baseline} for n in names
              if args.baseline and any(p["name"] == "baseline" for p in get_method(n).params.describe())}
    results = explain_many(model, x, names, target, params, args.seed)
    rows = []
    for name, r in results.items():
        if isinstance(r, MethodError):
            rows.append({"method": name, "library": get_method(name).library, "error": r.error})
        else:
            rows.append(r.to_dict(with_values=args.json))
    if args.json:
        print(json.dumps({"index": args.index, "label": int(test.labels[args.index]), "results": rows}))
    else:
        for r in rows:
            if "error" in r:
                print(f"{r['method']:24s} ERROR {r['error']}")
            else:
                gap = "" if r["completeness_gap"] is None else f"gap {r['completeness_gap']:+.4f}"
                print(f"{r['method']:24s} {r['runtime_ms']:8.1f} ms  target {r['target']}  sum {r['sum']:9.3f}  {gap}")
    return 1 if any("error" in r for r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m explain", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("list", help="the registered methods")
    lp.add_argument("--json", action="store_true")
    rp = sub.add_parser("run", help="explain test digit --index with one, several or all methods")
    rp.add_argument("--index", type=int, required=True)
    rp.add_argument("--method", default="all", help="a name, comma-separated names, or all")
    rp.add_argument("--target", default=None, help="0-9, 'predicted' (default), or A,B for 'A and not B'")
    rp.add_argument("--baseline", choices=["zero", "mean", "blur", "noise"], default=None)
    rp.add_argument("--seed", type=int, default=0)
    rp.add_argument("--checkpoint", type=Path, default=None)
    rp.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        return cmd_list(args) if args.cmd == "list" else cmd_run(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
