"""`python -m explain counterfactual|attack`: the What-if library from the command line.

Mounted into `python -m explain` by `add_subcommands`; also runnable alone
(`python -m explain.cli.whatif counterfactual --index 0 --to 9`). Every bad value is reported as
one `error: ...` line on stderr with exit status 2 (explain.cli.args.OneLineParser for argparse's
own errors; the numbers are checked here, with messages that name the option).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from typing import Any

import torch

from explain.cli import args as cli_args
from explain.whatif.attacks import AttackConfig, accuracy_curve
from explain.whatif.counterfactual import CounterfactualConfig, check_class, counterfactual, nearest_of_class


def _number(text: str, kind: type, what: str) -> Any:
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be {'an integer' if kind is int else 'a number'}, got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {text!r}")
    return value


def _test_split():
    from model.data import load_mnist

    return load_mnist(train=False)


def cmd_counterfactual(args: argparse.Namespace) -> int:
    from model.data import load_mnist

    test = _test_split()
    index = _number(args.index, int, "--index")
    if not 0 <= index < len(test):
        raise ValueError(f"--index must be in 0..{len(test) - 1}, got {index}")
    target = check_class(_number(args.to, int, "--to"), "--to")
    config = CounterfactualConfig(target, _number(args.min_prob, float, "--min-prob"), args.norm,
                                  args.near_strokes, args.seed)
    model = cli_args.load_model(args.checkpoint)
    cf = counterfactual(model, test.images[index], config)
    train = load_mnist(train=True)
    near = nearest_of_class(test.images[index], target, train.images, train.labels)
    out = {"index": index, "label": int(test.labels[index]), **cf.to_dict(with_image=args.json),
           "nearest_real_l2": near.l2, "nearest_real_index": near.index}
    if args.json:
        print(json.dumps(out))
    else:
        verdict = "reached" if cf.success else "NOT reached"
        print(f"test digit #{index} (a {out['label']}) → {target}: {verdict}, p({target}) = {cf.probability:.3f}, "
              f"prediction {cf.prediction}")
        print(f"change: L2 {cf.l2:.3f}  L1 {cf.l1:.3f}  changed pixels {cf.changed_pixels}  "
              f"({cf.runtime_ms:.0f} ms)")
        print(f"nearest real training {target}: #{near.index}, L2 {near.l2:.3f}")
    return 0 if cf.success else 1


def cmd_attack(args: argparse.Namespace) -> int:
    test = _test_split()
    n = _number(args.n, int, "--n")
    if not 1 <= n <= len(test):
        raise ValueError(f"--n must be in 1..{len(test)}, got {n}")
    eps = [_number(t.strip(), float, "--eps") for t in args.eps.split(",") if t.strip()]
    config = AttackConfig(args.attack, args.norm, _number(args.steps, int, "--steps"),
                          seed=args.seed)
    curve = accuracy_curve(cli_args.load_model(args.checkpoint), test.images[:n], test.labels[:n], eps, config)
    if args.json:
        print(json.dumps(curve.to_dict()))
    else:
        print(f"{curve.attack} ({curve.norm}) on the first {curve.n} test digits, {curve.runtime_ms:.0f} ms")
        for e, a in zip(curve.eps, curve.accuracy, strict=True):
            print(f"  eps {e:<8g} accuracy {a:.4f}")
    return 0


def _common_options(p: argparse.ArgumentParser, handler) -> None:
    p.add_argument("--seed", type=cli_args.seed, default=0)
    p.add_argument("--checkpoint", type=cli_args.existing_file, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=handler)


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Add `counterfactual` and `attack` to a `python -m explain` sub-parser set."""
    cp = sub.add_parser("counterfactual", help="the smallest change that makes the model say --to")
    cp.add_argument("--index", required=True, help="test digit index 0-9999")
    cp.add_argument("--to", required=True, help="the class 0-9 the model should say")
    cp.add_argument("--norm", default="l2", help="l2 (spread-out change) or l1 (sparse change)")
    cp.add_argument("--min-prob", default="0.5", help="probability of --to to reach, 0.1-0.99")
    cp.add_argument("--near-strokes", action="store_true", help="change only pixels within 2 px of the ink")
    _common_options(cp, cmd_counterfactual)
    ap = sub.add_parser("attack", help="test-set accuracy under FGSM or PGD at several eps")
    ap.add_argument("--attack", required=True, help="fgsm or pgd")
    ap.add_argument("--eps", default="0,0.05,0.1,0.2", help="comma-separated radii")
    ap.add_argument("--n", default="1000", help="how many test digits (the first n)")
    ap.add_argument("--norm", default="linf", help="linf, or l2 (PGD only)")
    ap.add_argument("--steps", default="40", help="PGD steps")
    _common_options(ap, cmd_attack)


def run_handler(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; any bad value becomes one `error:` line and exit status 2."""
    # captum warns on every attack that the input did not require gradients (it sets that itself).
    warnings.filterwarnings("ignore", message="Input Tensor 0 did not already require gradients")
    # These small batches gain nothing from a second thread and lose most when the cores are
    # shared: `python -m benchmarks.whatif` vs `--threads 1` on the 2-core dev machine.
    torch.set_num_threads(1)
    try:
        return args.handler(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    p = cli_args.OneLineParser(prog="python -m explain.cli.whatif", description=__doc__)
    add_subcommands(p.add_subparsers(dest="cmd", required=True, parser_class=cli_args.OneLineParser))
    return run_handler(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
