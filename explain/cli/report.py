"""`python -m explain report --index I | --pixels FILE.npy --methods a,b --out report.html`: one
self-contained HTML report (digit, prediction, maps, score card, settings, fingerprint, command)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from explain.cli import args as cli_args

MAX_PIXELS_BYTES = 64_000  # a 28×28 float64 .npy is ~6.4 kB: anything much larger is not a digit


def add_subcommands(sub, target_arg) -> None:
    """The `report` subcommand; `target_arg` is main's parser of --target (passed in: no import back)."""
    rp = sub.add_parser("report", help="one self-contained HTML report of a digit's explanations")
    where = rp.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", type=int, help="a test digit 0-9999")
    where.add_argument("--pixels", type=cli_args.existing_file, help="a 28×28 .npy of pixels in [0, 1] (a report's digit.npy)")
    rp.add_argument("--methods", required=True, help="comma-separated method names")
    rp.add_argument("--target", type=target_arg, default=None, help="0-9, 'predicted' (default), or A,B")
    rp.add_argument("--seed", type=cli_args.seed, default=0)
    rp.add_argument("--params", default="", help="non-default parameters: method.key=value,… (as Compare's links)")
    rp.add_argument("--replacement", default="mean", help="what a deleted pixel becomes in the score card")
    rp.add_argument("--no-scores", action="store_true", help="leave out the score card (faster)")
    rp.add_argument("--checkpoint", type=cli_args.existing_file, default=None)
    rp.add_argument("--out", type=Path, required=True, help="the .html file to write")
    rp.set_defaults(handler=cmd_report)


def read_pixels(path: Path) -> np.ndarray:
    """A 28×28 (or 784) .npy of finite pixels in [0, 1]; never a pickle."""
    if path.stat().st_size > MAX_PIXELS_BYTES:
        raise ValueError(f"{path} is {path.stat().st_size:,} bytes; a digit's .npy is under {MAX_PIXELS_BYTES:,}")
    try:
        x = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path} is not a numpy .npy file of numbers ({exc})") from None
    if x.size != 784 or x.dtype.kind not in "fiu" or not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        raise ValueError(f"{path} must hold 28×28 finite pixels in [0, 1], got shape {x.shape}, dtype {x.dtype}")
    return x.reshape(28, 28).astype(np.float32)


def parse_params(text: str) -> dict[str, dict[str, str]]:
    """'integrated_gradients.steps=32,occlusion.window=6' → {method: {key: value}} (values checked later)."""
    out: dict[str, dict[str, str]] = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, dot, rest = item.partition(".")
        key, eq, value = rest.partition("=")
        if not (dot and eq and key):
            raise ValueError(f"--params items look like method.key=value, got {item!r}")
        out.setdefault(name, {})[key] = value
    return out


def cmd_report(args: argparse.Namespace) -> int:
    from explain.registry import get_method
    from explain.report import ReportRequest, build_report
    from model.data import load_mnist

    methods = tuple(get_method(m.strip()).name for m in args.methods.split(",") if m.strip())
    if args.index is not None and not 0 <= args.index < 10_000:
        raise ValueError(f"--index must be a test digit 0-9999, got {args.index}")
    out = cli_args.check_output_file(args.out, suffixes=(".html",))
    label = None
    if args.index is not None:
        test = load_mnist(train=False)
        x, label = test.images[args.index].numpy(), int(test.labels[args.index])
    else:
        x = read_pixels(args.pixels)
    req = ReportRequest(x, methods, args.target, args.seed, args.index, label,
                        model_name=str(args.checkpoint or "bundled"), source="python -m explain report",
                        scores=not args.no_scores, params=parse_params(args.params), replacement=args.replacement)
    text = build_report(cli_args.load_model(args.checkpoint), req)
    with cli_args.atomic_output(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text.encode()) / 1e6:.1f} MB)")
    return 0
