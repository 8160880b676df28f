"""`neighbours` and `project`: the Map page's library from the command line.

Mount in `python -m explain` with `map_cli.add_subcommands(sub)` (handlers set `handler`), or run
on its own: `python -m explain.cli.atlas neighbours --index 7 --layer hidden2 --k 10 --json`,
`python -m explain.cli.atlas project --layer all --method umap --out map.npz`.
Bad input exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from explain.atlas.features import layer_features, projectable_layers
from explain.atlas.neighbours import METRICS, neighbours_of
from explain.atlas.projection import PROJECTION_METHODS, UMAPSettings, fit_pca, fit_umap
from explain.cli import args as cli_args
from explain.provenance import provenance
from model.digests import file_sha256

OUT_SUFFIXES = (".npz", ".csv")


def _load(checkpoint: Path | None):
    from model.checkpoint import load_checkpoint
    from model.paths import bundled_checkpoint

    path = Path(checkpoint) if checkpoint else bundled_checkpoint()
    model, _ = load_checkpoint(path)
    model.requires_grad_(False)
    return model, path


def cmd_neighbours(args: argparse.Namespace) -> int:
    from model.data import load_mnist

    model, _ = _load(args.checkpoint)
    test, train = load_mnist(train=False), load_mnist(train=True)
    if not 0 <= args.index < len(test):
        raise ValueError(f"--index must be in 0..{len(test) - 1}, got {args.index}")
    if args.layer not in projectable_layers(model):
        raise ValueError(f"--layer must be one of {projectable_layers(model)}, got {args.layer!r}")
    if not 1 <= args.k <= 1000:
        raise ValueError(f"--k must be in 1..1000, got {args.k}")
    ref = layer_features(model, train.images, args.layer)
    nb = neighbours_of(model, test.images[args.index], ref, train.labels.numpy(), args.layer, args.k, args.metric)
    if args.json:
        print(json.dumps({"index": args.index, "label": int(test.labels[args.index]), "reference": "train",
                          **nb.to_dict()}))
        return 0
    print(f"test digit #{args.index} (a {int(test.labels[args.index])}), predicted {nb.prediction}; "
          f"{args.k} nearest training digits in {args.layer} ({args.metric}):")
    for rank, (i, lab, d) in enumerate(zip(nb.indices, nb.labels, nb.distances), 1):
        print(f"{rank:4d}  train #{int(i):<6d} label {int(lab)}  distance {float(d):.4f}")
    print(f"share labelled {nb.prediction}: {nb.agreement:.0%}")
    return 0


def _project(features: np.ndarray, method: str, seed: int) -> np.ndarray:
    if method == "pca":
        return fit_pca(features).transform(features).astype(np.float32)
    return fit_umap(features, UMAPSettings(seed=seed),
                    progress=lambda f, msg: print(f"\r{msg:60s}", end="", file=sys.stderr)).astype(np.float32)


def _check_project_out(args: argparse.Namespace) -> Path | None:
    """--out and its .meta.json, checked before the projection (a UMAP of all layers takes minutes)."""
    if args.out is None:
        if args.layer == "all":
            raise ValueError("--layer all needs --out FILE.npz")
        return None
    out = cli_args.check_output_file(args.out, suffixes=OUT_SUFFIXES, write_shipped=args.write_shipped)
    if out.name.endswith(".csv") and args.layer == "all":
        raise ValueError("a CSV holds one layer; use --out FILE.npz for --layer all")
    cli_args.check_output_file(_meta_path(out), write_shipped=args.write_shipped, companion_of=out)
    return out


def _meta_path(out: Path) -> Path:
    return out.with_name(out.name + ".meta.json")


def cmd_project(args: argparse.Namespace) -> int:
    from model.data import load_mnist

    out = _check_project_out(args)
    model, path = _load(args.checkpoint)
    layers = projectable_layers(model) if args.layer == "all" else [args.layer]
    if args.layer != "all" and args.layer not in projectable_layers(model):
        raise ValueError(f"--layer must be 'all' or one of {projectable_layers(model)}, got {args.layer!r}")
    test = load_mnist(train=False)
    started = time.perf_counter()
    coords = {layer: _project(layer_features(model, test.images, layer), args.method, args.seed) for layer in layers}
    seconds = time.perf_counter() - started
    if out is None or out.name.endswith(".csv"):
        xy = coords[layers[0]]
        lines = ["index,x,y"] + [f"{i},{x:.6g},{y:.6g}" for i, (x, y) in enumerate(xy)]
        text = "\n".join(lines) + "\n"
        if out is None:
            sys.stdout.write(text)
            return 0
    meta = json.dumps(_provenance(args, path, seconds), indent=2) + "\n"
    with cli_args.atomic_outputs(out, _meta_path(out)) as (tmp, tmp_meta):
        if out.name.endswith(".csv"):
            tmp.write_text(text)
        else:
            with open(tmp, "wb") as fh:  # given a name, numpy would append .npz
                np.savez_compressed(fh, **coords)
        tmp_meta.write_text(meta)
    print(f"wrote {out} and {_meta_path(out).name} ({', '.join(layers)}; {args.method}; {seconds:.1f} s)",
          file=sys.stderr)
    return 0


def _provenance(args: argparse.Namespace, checkpoint: Path, seconds: float) -> dict:
    libraries = ("numpy", "torch") + (("umap-learn", "numba", "pynndescent") if args.method == "umap" else ())
    return {
        **provenance(getattr(args, "prog", "python -m explain"), getattr(args, "argv", None), libraries),
        "seconds": round(seconds, 1),
        "method": args.method, "seed": args.seed, "points": "MNIST test split, 10,000 digits in index order",
        "settings": vars(UMAPSettings(seed=args.seed)) if args.method == "umap" else {},
        "checkpoint": checkpoint.name, "checkpoint_sha256": file_sha256(checkpoint),
    }


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Add `neighbours` and `project` to a subparsers object; each sets `handler`."""
    nb = sub.add_parser("neighbours", help="a test digit's nearest training digits in one layer")
    nb.add_argument("--index", type=int, required=True, help="test digit 0-9999")
    nb.add_argument("--layer", default="hidden2", help="pixels, hidden1, hidden2, … or logits")
    nb.add_argument("--k", type=cli_args.positive_int, default=10)
    nb.add_argument("--metric", choices=METRICS, default="cosine")
    nb.add_argument("--checkpoint", type=cli_args.existing_file, default=None)
    nb.add_argument("--json", action="store_true")
    nb.set_defaults(handler=cmd_neighbours)
    pj = sub.add_parser("project", help="2-D coordinates of the 10,000 test digits in one layer (or all)")
    pj.add_argument("--layer", required=True, help="pixels, hidden1, hidden2, … logits, or all")
    pj.add_argument("--method", choices=PROJECTION_METHODS, required=True)
    pj.add_argument("--seed", type=cli_args.seed, default=0)
    pj.add_argument("--out", type=Path, default=None,
                    help=".npz (all layers) or .csv (one), with FILE.meta.json beside it; default: CSV on stdout")
    cli_args.add_write_shipped(pj)
    pj.add_argument("--checkpoint", type=cli_args.existing_file, default=None)
    pj.set_defaults(handler=cmd_project)


def run(args: argparse.Namespace) -> int:
    """Call the chosen handler; bad input (ValueError, unwritable --out) is one line and exit 2."""
    try:
        return args.handler(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = cli_args.OneLineParser(prog="python -m explain.cli.atlas", description=__doc__.splitlines()[0])
    add_subcommands(p.add_subparsers(dest="cmd", required=True, parser_class=cli_args.OneLineParser))
    args = p.parse_args(argv)
    args.argv, args.prog = list(argv), p.prog
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
