"""`python -m explain.classview.picture --out assets/home/classes.png`: Home's picture of the Classes page,
drawn from the shipped class views (never by hand): the mean 7 and the mean maps of its two largest strategies."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

CLASS, METHOD = 7, "integrated_gradients"


def picture(views_path: Path):
    from explain.classview.views import load_views
    from explain.cli.pictures import grey, row, tile
    from explain.export import diverging_rgb

    views = load_views(views_path)
    method = METHOD if METHOD in views.views else views.methods[0]
    maps = views.views[method].strategies[CLASS].maps[:2]
    zmax = float(np.abs(maps).max()) or 1.0
    return row([tile(grey(views.mean_digits[CLASS])), *(tile(diverging_rgb(m, zmax)) for m in maps)])


def main(argv: list[str] | None = None) -> int:
    from explain.classview.__main__ import DEFAULT_OUT
    from model import cli

    p = cli.OneLineParser(prog="python -m explain.classview.picture", description=__doc__)
    p.add_argument("--views", type=Path, default=Path(DEFAULT_OUT), help="the class views (.npz) to draw from")
    p.add_argument("--out", type=Path, required=True, help="the .png file to write")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        out = cli.check_output_file(args.out, suffixes=(".png",), write_shipped=args.write_shipped)
        img = picture(cli.check_input_file(args.views, "--views"))
        with cli.atomic_output(out) as tmp, open(tmp, "wb") as fh:
            img.save(fh, format="PNG")
    except (ValueError, cli.OutputError) as exc:
        cli.fail(str(exc))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
