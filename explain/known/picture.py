"""`python -m explain.known.picture --out FILE.png`: Home's picture of the Concepts page, drawn from the shipped
TCAV results (a patch-concept example and the CAV made visible on both models), never by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from explain.cli.pictures import grey, row, tile
from explain.export import diverging_rgb


def picture():
    from explain.known.concepts import builtin_concept
    from explain.known.shipped import load_shipped_tcav
    from model.data import load_mnist

    record = load_shipped_tcav()
    if record is None:
        raise ValueError("no shipped TCAV results (python -m explain tcav --concept all --out … writes them)")
    example = builtin_concept("patch", load_mnist(train=False), record["examples"], record["seed"])[0].numpy()
    maps = [np.reshape(record["models"][m]["concepts"]["patch"]["pixels"]["hidden1"], (28, 28))
            for m in ("shortcut", "bundled")]
    return row([tile(grey(example))] + [tile(diverging_rgb(m)) for m in maps])


def main(argv: list[str] | None = None) -> int:
    from model import cli

    p = cli.OneLineParser(prog="python -m explain.known.picture", description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="FILE.png")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        out = cli.check_output_file(args.out, suffixes=(".png",), write_shipped=args.write_shipped)
        img = picture()
        with cli.atomic_output(out) as tmp:
            img.save(tmp, format="PNG")
    except (ValueError, OSError) as exc:
        cli.fail(str(exc))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
