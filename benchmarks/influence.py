"""Time TracIn on this machine: building the index (per checkpoint, all training digits, batched) and one new
input's proponents/opponents over all of them, warm, with 2 torch threads.

`python -m benchmarks.influence [--out FILE]` writes JSON (default test-artifacts/influence-timing.json); `make bench`
runs it as one section of BENCHMARKS.md (benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from benchmarks.run import stats, timed


def bench_influence(smoke: bool = False) -> dict:
    from explain.trainingdata.influence import build_index, bundled_checkpoint_set, influence
    from model.data import Split, load_mnist

    torch.set_num_threads(2)
    cset = bundled_checkpoint_set()
    model = cset.checkpoints[-1].load()
    train, test = load_mnist(train=True), load_mnist(train=False)
    n = 2000 if smoke else len(train)
    start = time.perf_counter()
    index = build_index(cset, Split(train.images[:n], train.labels[:n]))
    build_s = time.perf_counter() - start
    inputs = iter(range(10_000))  # a new digit every call: nothing is cached per input
    ms = timed(lambda: influence(model, test.images[next(inputs)], k=10, index=index), 3 if smoke else 30)
    return {"training_digits": n, "checkpoints": len(cset.checkpoints), "threads": torch.get_num_threads(),
            "index_build_s": build_s, "index_mb": sum(t.numel() * 4 for f in index.factors
                                                       for t in (*f.deltas, *f.inputs)) / 1e6,
            "new_input": stats(ms), "median_ms": statistics.median(ms)}


def render(r: dict | None) -> list[str]:
    """BENCHMARKS.md's section (benchmarks/report.py appends it)."""
    if not r:
        return []
    s = r["new_input"]
    return ["", "## Data page: TracIn over the training digits", "",
            f"Index of {r['checkpoints']} checkpoints over {r['training_digits']:,} training digits (all layers' "
            f"per-example factors, {r['index_mb']:.0f} MB) built in {r['index_build_s']:.1f} s; a new input's "
            f"proponents and opponents: median {s['median_ms']:.0f} ms (min {s['min_ms']:.0f}, max {s['max_ms']:.0f}, "
            f"n {s['n']}) with {r['threads']} torch threads."]


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.influence", description=__doc__)
    p.add_argument("--out", type=Path, default=Path("test-artifacts/influence-timing.json"))
    p.add_argument("--smoke", action="store_true")
    args = p.parse_args()
    r = bench_influence(args.smoke)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(r, indent=1) + "\n")
    print(json.dumps(r, indent=1))


if __name__ == "__main__":
    main()
