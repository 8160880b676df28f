"""TCAV speed: one concept of 20 examples against 10 random concepts on both hidden layers, all ten classes
(explain.tcav: captum.concept's CAVs, our batched directional derivatives), on the bundled model.

`python -m benchmarks.tcav [--reps N] [--threads T]` prints JSON (median after one warm-up call, which pays
the imports of captum.concept and sklearn); `make bench` puts the same figure in its JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics

import torch

from benchmarks.run import timed


def bench_tcav(reps: int = 5, examples: int = 20, n_random: int = 10) -> dict:
    from explain.known.concepts import builtin_concept
    from explain.known.shipped import load_model
    from explain.known.tcav import tcav
    from model.data import load_mnist

    model, test = load_model("bundled"), load_mnist(train=False)
    load_mnist(train=True)
    concept = builtin_concept("thick", test, examples)
    ms = timed(lambda: tcav(model, concept, n_random=n_random), reps, warmup=1)
    return {"examples": examples, "n_random": n_random, "layers": 2, "classes": 10, "threads": torch.get_num_threads(),
            "median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms), "n": len(ms)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.tcav", description=__doc__)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(json.dumps(bench_tcav(args.reps), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
