"""`influence` and `suspects`: the Data page's library from the command line.

Mount in `python -m explain` with `data_cli.add_subcommands(sub)`, or run on its own:
`python -m explain.cli.trainingdata influence --index 7 --top 10 --json`,
`python -m explain.cli.trainingdata suspects --split test --top 20 --json` (one JSON object per line).
Bad input exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from explain.cli import args as cli_args
from explain.trainingdata.influence import MAX_K
from explain.trainingdata.label_issues import RANKINGS, SPLITS


def _index_in(split: str, index: int) -> int:
    n = 60_000 if split == "train" else 10_000
    if not 0 <= index < n:
        raise ValueError(f"--index must be in 0..{n - 1} for the {split} split, got {index}")
    return index


def _top(text: str) -> int:
    k = cli_args.positive_int(text)
    if k > MAX_K:
        raise argparse.ArgumentTypeError(f"--top must be at most {MAX_K}, got {k}")
    return k


def cmd_influence(args: argparse.Namespace) -> int:
    from explain.trainingdata.influence import influence
    from model.data import load_mnist

    index = _index_in(args.split, args.index)
    model = cli_args.load_model(None)
    data = load_mnist(train=args.split == "train")
    result = influence(model, data.images[index], k=args.top, target=args.target)
    out = {"index": index, "split": args.split, "label": int(data.labels[index]), **result.to_dict()}
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{args.split} digit #{index} (labelled {out['label']}), predicted {result.prediction}; "
          f"TracIn for class {result.target}:")
    for kind in ("proponents", "opponents"):
        print(kind)
        for rank, row in enumerate(out[kind], 1):
            print(f"{rank:4d}  train #{row['index']:<6d} label {row['label']}  score {row['score']:+.4g}")
    return 0


def cmd_suspects(args: argparse.Namespace) -> int:
    from explain.trainingdata.label_issues import label_issues

    issues = label_issues(args.split, rank_by=args.rank_by)
    rows = issues.rows(args.top)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"{args.top} most doubtful labels of the {args.split} split (ranked by {issues.rank_by}):")
    for row in rows:
        print(f"#{row['index']:<6d} given {row['given']}  suggested {row['suggested']}  score {row['score']:.4f}")
    return 0


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Add `influence` and `suspects` to a subparsers object; each sets `handler`."""
    inf = sub.add_parser("influence", help="the training digits that pushed a digit's prediction up or down (TracIn)")
    inf.add_argument("--index", type=int, required=True, help="a digit of --split")
    inf.add_argument("--split", choices=SPLITS, default="test")
    inf.add_argument("--top", type=_top, default=10)
    inf.add_argument("--target", type=int, choices=range(10), default=None, metavar="0-9",
                     help="the class (default: the predicted one)")
    inf.add_argument("--json", action="store_true")
    inf.set_defaults(handler=cmd_influence)
    sus = sub.add_parser("suspects", help="the digits whose labels the model doubts most")
    sus.add_argument("--split", choices=SPLITS, default="test")
    sus.add_argument("--top", type=_top, default=20)
    sus.add_argument("--rank-by", choices=RANKINGS, default="combined")
    sus.add_argument("--json", action="store_true")
    sus.set_defaults(handler=cmd_suspects)


def main(argv: list[str] | None = None) -> int:
    p = cli_args.OneLineParser(prog="python -m explain.cli.trainingdata", description=__doc__)
    add_subcommands(p.add_subparsers(dest="cmd", required=True, parser_class=cli_args.OneLineParser))
    args = p.parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
