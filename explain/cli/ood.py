"""`python -m explain.ood` (kept as a shim): fit the out-of-distribution score on the training digits."""

from __future__ import annotations

import sys
from pathlib import Path

from explain.whatif.ood import fit_digit_likeness


def main(argv: list[str] | None = None) -> int:
    """`python -m explain.ood --out FILE.npz`: fit on the 60,000 training digits and save.
    The shipped fit is rewritten only by `make assets` (`--out assets/ood/digit_likeness.npz --write-shipped`)."""
    from model import cli
    from model.data import load_mnist

    p = cli.OneLineParser(prog="python -m explain.ood", description=main.__doc__)
    p.add_argument("--out", type=Path, required=True, help="the .npz file to write")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        out = cli.check_output_file(args.out, suffixes=(".npz",), write_shipped=args.write_shipped)
        print(f"wrote {fit_digit_likeness(load_mnist(train=True).images).save(out)}")
    except cli.OutputError as exc:  # refused before the fit, or writing failed after it: one line
        cli.fail(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
