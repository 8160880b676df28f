"""`python -m explain list|run|counterfactual|attack|neighbours|project|influence|suspects`: the registry, methods on
test digits (JSON, a table or an NPZ), what-if counterfactuals and attacks, and the network's map.

Every argument is checked before any work starts; a misuse exits with code 2 and one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from explain.cli import args as cli_args
from explain.cli import atlas as map_cli
from explain.cli import known as known_cli
from explain.cli import report as report_cli
from explain.cli import trainingdata as data_cli
from explain.cli import whatif as whatif_cli
from explain.core import MethodError, explain_batch
from explain.params import REFERENCES
from explain.registry import get_method, method_names, methods, methods_taking
from explain.types import Contrast


def target_arg(text: str):
    """'predicted', a class 0–9, or 'A,B' for "A and not B"."""
    if text == "predicted":
        return None
    try:
        parts = [int(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"target must be 0-9, 'predicted' or A,B; got {text!r}") from None
    if len(parts) > 2 or not all(0 <= t <= 9 for t in parts):
        raise argparse.ArgumentTypeError(f"target must be 0-9, 'predicted' or A,B with classes 0-9; got {text!r}")
    if len(parts) == 2:
        if parts[0] == parts[1]:
            raise argparse.ArgumentTypeError(f"a contrast needs two different classes, got {text!r}")
        return Contrast(*parts)
    return parts[0]


def cmd_list(args: argparse.Namespace) -> int:
    rows = [m.describe() for m in methods()]
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(f"{r['name']:24s} {r['library']:7s} {r['family']:13s} {'stochastic' if r['stochastic'] else ''}")
    return 0


def reference_params(names: list[str], baseline: str | None) -> tuple[dict[str, dict], list[str]]:
    """--baseline for the methods that take one; (params per method, methods that ignore it).
    One named method that takes no reference is an error naming those that do."""
    if baseline is None:
        return {}, []

    def takes(name: str) -> bool:
        field = [c for c in get_method(name).params.describe() if c["name"] == "baseline"]
        return bool(field) and baseline in field[0]["choices"]

    taking = [n for n in names if takes(n)]
    ignoring = [n for n in names if n not in taking]
    if len(names) == 1 and ignoring:
        able = [m for m in methods_taking("baseline") if takes(m)]
        raise ValueError(f"{names[0]} takes no --baseline {baseline}; methods that do: {', '.join(able)}")
    return {n: {"baseline": baseline} for n in taking}, ignoring


def cmd_run(args: argparse.Namespace) -> int:
    from model.data import load_mnist

    names = method_names() if args.method == "all" else [get_method(n.strip()).name for n in args.method.split(",")]
    params, ignoring = reference_params(names, args.baseline)
    model = cli_args.load_model(args.checkpoint)
    test = load_mnist(train=False)
    idx = args.indices if args.indices is not None else [args.index]
    x = test.images[idx]
    results: dict[str, object] = {}
    for name in names:
        try:
            results[name] = explain_batch(model, x, name, args.target, params.get(name), args.seed)
        except Exception as exc:  # noqa: BLE001 - one failing method must not hide the others
            results[name] = MethodError(name, f"{type(exc).__name__}: {exc}")
    if ignoring:
        print(f"note: --baseline does not apply to {', '.join(ignoring)}", file=sys.stderr)
    if args.out:
        arrays = {"indices": np.array(idx), "labels": test.labels[idx].numpy()}
        for name, r in results.items():
            if isinstance(r, MethodError):
                continue
            arrays[f"{name}/values"] = r.values.astype(np.float32)
            arrays[f"{name}/outputs"] = r.outputs
            arrays[f"{name}/targets"] = np.array([str(t) for t in r.targets])
            if r.completeness_gaps is not None:
                arrays[f"{name}/completeness_gaps"] = r.completeness_gaps
        with cli_args.atomic_output(args.out) as tmp, open(tmp, "wb") as fh:  # given a name, numpy adds .npz
            np.savez_compressed(fh, **arrays)
    rows = []
    for name, r in results.items():
        if isinstance(r, MethodError):
            rows.append({"method": name, "library": get_method(name).library, "error": r.error})
        elif args.indices is None:
            rows.append(r[0].to_dict(with_values=args.json))
        else:
            rows.append({"method": name, "library": r.library, "digits": len(r), "runtime_ms": r.runtime_ms})
    if args.json:
        out = {"results": rows}
        if args.indices is None:
            out.update(index=args.index, label=int(test.labels[args.index]))
        print(json.dumps(out))
    else:
        for r in rows:
            if "error" in r:
                print(f"{r['method']:24s} ERROR {r['error']}")
            elif "digits" in r:
                print(f"{r['method']:24s} {r['runtime_ms']:9.1f} ms for {r['digits']} digits")
            else:
                gap = "" if r["completeness_gap"] is None else f"gap {r['completeness_gap']:+.4f}"
                print(f"{r['method']:24s} {r['runtime_ms']:8.1f} ms  target {r['target']}  sum {r['sum']:9.3f}  {gap}")
        if args.out:
            print(f"maps → {args.out}")
    return 1 if any("error" in r for r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    p = cli_args.OneLineParser(prog="python -m explain", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=cli_args.OneLineParser)
    lp = sub.add_parser("list", help="the registered methods")
    lp.add_argument("--json", action="store_true")
    rp = sub.add_parser("run", help="explain test digits with one, several or all methods")
    where = rp.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", type=cli_args.indices, help="one test digit 0-9999")
    where.add_argument("--indices", type=cli_args.indices, help="test digits: 0-999, 3,17,42 or a mix")
    rp.add_argument("--method", default="all", help="a name, comma-separated names, or all")
    rp.add_argument("--target", type=target_arg, default=None, help="0-9, 'predicted' (default), or A,B for 'A and not B'")
    rp.add_argument("--baseline", choices=list(REFERENCES), default=None,
                    help="reference for the methods that take one")
    rp.add_argument("--seed", type=cli_args.seed, default=0)
    rp.add_argument("--checkpoint", type=cli_args.existing_file, default=None)
    rp.add_argument("--out", type=Path, default=None, help="write every map, target and output to FILE.npz")
    rp.add_argument("--json", action="store_true")
    lp.set_defaults(handler=cmd_list)
    rp.set_defaults(handler=cmd_run)
    whatif_cli.add_subcommands(sub)  # counterfactual, attack
    map_cli.add_subcommands(sub)  # neighbours, project
    known_cli.add_subcommands(sub)  # shortcut, tcav (known answers)
    report_cli.add_subcommands(sub, target_arg)  # report
    data_cli.add_subcommands(sub)  # influence, suspects
    argv = sys.argv[1:] if argv is None else argv
    args = p.parse_args(argv)
    args.argv, args.prog = list(argv), p.prog
    if args.cmd == "run" and args.index is not None:
        if len(args.index) != 1:
            p.error("--index takes one digit; use --indices for several")
        args.index = args.index[0]
    if args.cmd == "run" and args.out is not None:  # before any work: the maps are lost otherwise
        try:
            args.out = cli_args.check_output_file(args.out, suffixes=(".npz",))
        except ValueError as exc:
            p.error(str(exc))
    if args.cmd in {"counterfactual", "attack"}:
        return whatif_cli.run_handler(args)
    try:
        return args.handler(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
