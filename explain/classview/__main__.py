"""`python -m explain.classview --out FILE.npz [--methods a,b,…]`: the class-level views (mean maps,
mistakes, strategies, disagreement) of the bundled model over the 10,000 test digits, one batched explain
call per method. The shipped file is rewritten only by `make assets` (`--write-shipped`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

DEFAULT_OUT = "assets/classes/class_views.npz"


def main(argv: list[str] | None = None) -> int:
    from model import cli

    p = cli.OneLineParser(prog="python -m explain.classview", description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="the .npz file to write")
    p.add_argument("--methods", default=None, help="comma-separated method names (default: the drawing set)")
    p.add_argument("--n", type=int, default=10_000, help="the first N test digits (default all 10,000)")
    p.add_argument("--seed", type=cli.seed, default=0)
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        from explain.classview.views import class_views
        from explain.cli.args import load_model
        from explain.registry import drawing_methods, get_method
        from model.data import load_mnist
        from model.digests import file_sha256
        from model.paths import bundled_checkpoint

        names = ([get_method(m.strip()).name for m in args.methods.split(",")] if args.methods
                 else drawing_methods())
        if not 100 <= args.n <= 10_000:
            raise ValueError(f"--n must be in 100..10000, got {args.n}")
        out = cli.check_output_file(args.out, suffixes=(".npz",), write_shipped=args.write_shipped)
        test = load_mnist(train=False)
        start = time.perf_counter()
        views = class_views(load_model(None), test.images[:args.n], test.labels[:args.n], names, seed=args.seed)
        views.meta["total_seconds"] = round(time.perf_counter() - start, 1)
        views.meta["checkpoint_sha256"] = file_sha256(bundled_checkpoint())  # whose views these are
        with cli.atomic_output(out) as tmp:
            views.save(tmp)
    except (ValueError, cli.OutputError) as exc:
        cli.fail(str(exc))
    print(f"wrote {out} in {views.meta['total_seconds']} s: {views.meta}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
