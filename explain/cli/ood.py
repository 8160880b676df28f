"""`python -m explain.ood` (kept as a shim): fit the "does not look like a digit" classifier and measure it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from explain.whatif.ood import PER_FAMILY, fit_digit_likeness, flag_rates

RATE_SAMPLES = 400  # fresh non-digits per family for the rates file


def main(argv: list[str] | None = None) -> int:
    """`python -m explain.ood --out FILE.npz [--rates FILE.json]`: fit on the 60,000 training digits (the
    last 10,000 set the threshold) and save; with --rates, also measure the share flagged per family on
    the test digits and fresh non-digits, on what the model receives after each path.
    The shipped files are rewritten only by `make assets` (`--write-shipped`)."""
    from model import cli
    from model.data import load_mnist

    p = cli.OneLineParser(prog="python -m explain.ood", description=main.__doc__)
    p.add_argument("--out", type=Path, required=True, help="the .npz file to write")
    p.add_argument("--rates", type=Path, help="a .json file for the share flagged per family")
    p.add_argument("--per-family", type=int, default=PER_FAMILY, help="training pictures per family")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        out = cli.check_output_file(args.out, suffixes=(".npz",), write_shipped=args.write_shipped)
        rates_out = (cli.check_output_file(args.rates, "--rates", suffixes=(".json",),
                                           write_shipped=args.write_shipped) if args.rates else None)
        likeness = fit_digit_likeness(load_mnist(train=True).images, per_family=args.per_family)
        print(f"wrote {likeness.save(out)}")
        if rates_out is not None:
            rates, indices = flag_rates(likeness, load_mnist(train=False).images, RATE_SAMPLES, seed=1)
            record = {"measured_on": "what the model receives after each path (explain/whatif/ood_inputs.py)",
                      "threshold": likeness.threshold, "learnt_from_fonts": likeness.fonts,
                      "samples_per_made_up_family": RATE_SAMPLES, "flagged": rates,
                      "flagged_test_digits": indices}
            with cli.atomic_output(rates_out) as tmp:
                tmp.write_text(json.dumps(record, indent=2) + "\n")
            print(f"wrote {rates_out}")
    except cli.OutputError as exc:  # refused before the fit, or writing failed after it: one line
        cli.fail(str(exc))
    except ValueError as exc:
        cli.fail(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
