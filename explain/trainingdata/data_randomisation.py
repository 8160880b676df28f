"""`python -m explain.trainingdata.data_randomisation`: Adebayo et al. (2018)'s second sanity check.

A model of the same recipe is trained on the training digits with their labels shuffled (it can only memorise);
a method whose maps stay alike for both models does not depend on what the data taught. Per method: the mean
Spearman rank correlation (signed maps, the target the real model explains) over N test digits, one batched
call per model; Evaluate's cascade (assets/sanity/cascade_n100.json) measures the same on re-initialised weights.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

SHIPPED = "data/data_randomisation.json"


def shuffled_model(epochs: int = 3, seed: int = 0):
    """The bundled recipe on shuffled training labels (seeded); returns (model, its test accuracy)."""
    from model.data import Split, load_mnist
    from model.train import TrainConfig, train

    data = load_mnist(train=True)
    perm = torch.from_numpy(np.random.default_rng(seed).permutation(len(data)))
    result = train(TrainConfig(epochs=epochs, seed=seed), Split(data.images, data.labels[perm]))
    return result.model.eval().requires_grad_(False), result.test_accuracy


def data_randomisation(model, shuffled, x: torch.Tensor, methods: list[str], seed: int = 0) -> dict[str, Any]:
    from explain.core import explain_batch
    from explain.evaluation.agreement import unit_ranks

    out: dict[str, Any] = {}
    for name in methods:
        start = time.perf_counter()
        real = explain_batch(model, x, name, seed=seed)
        other = explain_batch(shuffled, x, name, list(real.targets), seed=seed)
        rho = (unit_ranks(real.values) * unit_ranks(other.values)).sum(axis=1)
        out[name] = {"mean": float(rho.mean()), "ci95": float(1.96 * rho.std(ddof=1) / np.sqrt(len(rho))),
                     "n": len(rho), "seconds": round(time.perf_counter() - start, 2)}
    return out


def main(argv: list[str] | None = None) -> int:
    from explain.provenance import provenance
    from explain.registry import method_names
    from model import cli
    from model.checkpoint import load_checkpoint
    from model.data import load_mnist
    from model.digests import file_sha256
    from model.paths import bundled_checkpoint

    p = cli.OneLineParser(prog="python -m explain.trainingdata.data_randomisation", description=__doc__)
    p.add_argument("--n", type=int, default=100, help="test digits")
    p.add_argument("--out", type=Path, required=True, help="a .json")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        out = cli.check_output_file(args.out, "--out", (".json",), args.write_shipped)
        if not 2 <= args.n <= 10_000:
            raise ValueError(f"--n must be in 2..10000, got {args.n}")
    except ValueError as exc:
        cli.fail(str(exc))
    torch.set_num_threads(2)
    model = load_checkpoint(bundled_checkpoint())[0].eval().requires_grad_(False)
    start = time.perf_counter()
    shuffled, acc = shuffled_model()
    trained_s = time.perf_counter() - start
    x = load_mnist(train=False).images[: args.n].reshape(args.n, 1, 28, 28)
    record = {**provenance("python -m explain.trainingdata.data_randomisation", argv), "n": args.n,
              "similarity": "Spearman rank correlation of the signed map with the trained model's map",
              "shuffled_model": {"epochs": 3, "test_accuracy": acc, "seconds": round(trained_s, 1)},
              "checkpoint_sha256": file_sha256(bundled_checkpoint()),
              "methods": data_randomisation(model, shuffled, x, method_names())}
    with cli.atomic_output(out) as tmp:
        tmp.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({k: round(v["mean"], 3) for k, v in record["methods"].items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
