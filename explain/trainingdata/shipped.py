"""`python -m explain.trainingdata.shipped`: the bundled model's TracIn self-influence of every test and
training digit, so the Data page opens on its suspect labels at once (building the index takes seconds).

Read back only for the checkpoint set it was made from (its digest is in the file): another set, or a model
the set does not end at, computes its own.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

SIGNALS_FILE = "data/label_signals.npz"


def shipped_self_influence(split: str, checkpoints_digest: str) -> np.ndarray | None:
    """The shipped self-influence of `split` if it was computed from this checkpoint set, else None."""
    from model.paths import assets_dir

    path = assets_dir() / SIGNALS_FILE
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as d:
        if str(d["checkpoints_digest"]) != checkpoints_digest:
            return None
        return d[f"self_influence_{split}"].astype(np.float64)


def main(argv: list[str] | None = None) -> int:
    import torch

    from explain.provenance import provenance
    from explain.trainingdata.influence import build_index, bundled_checkpoint_set
    from explain.trainingdata.tracin import self_influence_of
    from model import cli
    from model.data import load_mnist

    p = cli.OneLineParser(prog="python -m explain.trainingdata.shipped", description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="the .npz to write")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        out = cli.check_output_file(args.out, "--out", (".npz",), args.write_shipped)
        cset = bundled_checkpoint_set()
    except ValueError as exc:
        cli.fail(str(exc))
    torch.set_num_threads(2)
    train, test = load_mnist(train=True), load_mnist(train=False)
    start = time.perf_counter()
    index = build_index(cset, train)
    built = time.perf_counter() - start
    si_train = index.self_influence().numpy()
    models = [c.load() for c in cset.checkpoints]
    si_test = self_influence_of(models, [c.lr for c in cset.checkpoints], test.images, test.labels).numpy()
    meta = {**provenance("python -m explain.trainingdata.shipped", argv), "checkpoints_digest": cset.digest,
            "epochs": list(cset.epochs), "index_build_seconds": round(built, 2),
            "index_megabytes": round(sum(t.numel() * 4 for f in index.factors for t in (*f.deltas, *f.inputs)) / 1e6, 1)}
    with cli.atomic_output(out) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, self_influence_train=si_train.astype(np.float32),
                            self_influence_test=si_test.astype(np.float32),
                            checkpoints_digest=np.array(cset.digest), meta=np.array(json.dumps(meta)))
    print(json.dumps(meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
