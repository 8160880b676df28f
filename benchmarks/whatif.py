"""Time the What-if library on this machine: counterfactual per digit, attack curves, minimal ε.

`python -m benchmarks.whatif [--threads N] [--out FILE]` writes JSON (default
test-artifacts/whatif-timing.json); every figure quoted about the What-if page comes from it.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

from explain.whatif.attacks import AttackConfig, accuracy_curve, minimal_eps
from explain.whatif.counterfactual import CounterfactualConfig, counterfactual, nearest_of_class
from model.checkpoint import load_checkpoint
from model.data import load_mnist
from model.paths import bundled_checkpoint

CASES = [(0, 9), (1, 3), (2, 7), (3, 6), (4, 9), (5, 7), (6, 8), (7, 4)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    p.add_argument("--out", type=Path, default=Path("test-artifacts/whatif-timing.json"))
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, _ = load_checkpoint(bundled_checkpoint())
    model.requires_grad_(False)
    test, train = load_mnist(train=False), load_mnist(train=True)
    counterfactual(model, test.images[0], CounterfactualConfig(9))  # first-call costs, not timed
    rows = []
    for norm in ("l2", "l1"):
        for i, c in CASES:
            cf = counterfactual(model, test.images[i], CounterfactualConfig(c, norm=norm))
            near = nearest_of_class(test.images[i], c, train.images, train.labels)
            rows.append({"index": i, "to": c, "norm": norm, "success": cf.success, "runtime_ms": cf.runtime_ms,
                         "l2": cf.l2, "l1": cf.l1, "changed_pixels": cf.changed_pixels, "nearest_real_l2": near.l2})
    x, y, eps = test.images[:1000], test.labels[:1000], [0.0, 0.05, 0.1, 0.2]
    curves = {a: accuracy_curve(model, x, y, eps, AttackConfig(a)).to_dict() for a in ("fgsm", "pgd")}
    start = time.perf_counter()
    mins = minimal_eps(model, test.images[:100], test.labels[:100], AttackConfig("fgsm"))
    min_eps_ms = (time.perf_counter() - start) * 1000
    out = {
        "machine": {"cpus": torch.get_num_threads(), "platform": platform.platform(), "torch": torch.__version__},
        "counterfactual": {"median_ms": statistics.median(r["runtime_ms"] for r in rows),
                           "max_ms": max(r["runtime_ms"] for r in rows),
                           "all_reached": all(r["success"] for r in rows),
                           "all_closer_than_nearest_real": all(r["l2"] < r["nearest_real_l2"] for r in rows),
                           "digits": rows},
        "accuracy_curves_1000x4": {**curves, "total_ms": sum(c["runtime_ms"] for c in curves.values())},
        "minimal_eps_fgsm_100": {"runtime_ms": min_eps_ms, "median_eps": float(torch.tensor(mins).nanmedian())},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(json.dumps({k: v for k, v in out["counterfactual"].items() if k != "digits"}))
    print(json.dumps({"curves_total_ms": out["accuracy_curves_1000x4"]["total_ms"],
                      "pgd": curves["pgd"]["accuracy"], "fgsm": curves["fgsm"]["accuracy"]}))
    print(json.dumps(out["minimal_eps_fgsm_100"]))


if __name__ == "__main__":
    main()
