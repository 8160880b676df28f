"""Workspace save/load latency (p50/p95) of a drawing and of a model, on SQLite and (if installed) PostgreSQL.

`python -m benchmarks.workspaces [--reps N]` prints JSON; `make bench` (benchmarks/run.py) puts the same
figures in BENCHMARKS.md. A save is one transaction (validation, quota check, insert, commit: SQLite with
synchronous=FULL, so each commit reaches the disk); a load reads and validates the item as an upload is
(a model: the safetensors checks and a forward pass on probe digits).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from benchmarks.run import timed


def _percentiles(ms: list[float]) -> dict:
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)), "n": len(ms)}


def bench_store(url: str, reps: int) -> dict:
    from model.paths import bundled_checkpoint
    from model.workspaces import DrawingItem, ModelItem, Quotas, Store, StoreConfig

    store = Store(StoreConfig(url=url, quotas=Quotas(max_items=10 * reps + 10, max_bytes=2**34,
                                                     per_kind={"drawing": 5 * reps + 5, "model": 5 * reps + 5})))
    try:
        ws = store.create_workspace()
        rng = np.random.default_rng(0)
        drawing = DrawingItem(rng.random((28, 28), dtype=np.float32),
                              [{"w": 20, "pts": [float(v) for v in rng.uniform(0, 280, 400)]}])
        model = ModelItem(bundled_checkpoint().read_bytes(), {"test_accuracy": 0.98})
        d_ids, m_ids = [], []
        out = {"drawing_save": timed(lambda: d_ids.append(store.save(ws, "d", drawing).id), reps, warmup=1),
               "model_save": timed(lambda: m_ids.append(store.save(ws, "m", model).id), reps, warmup=1)}
        out["drawing_load"] = timed(lambda: store.load(ws, d_ids[len(out) % len(d_ids)]), reps, warmup=1)
        out["model_load"] = timed(lambda: store.load(ws, m_ids[0]), reps, warmup=1)
        return {k: _percentiles(v) for k, v in out.items()} | {"model_bytes": len(model.weights)}
    finally:
        store.close()


@contextlib.contextmanager
def _postgres() -> Iterator[str | None]:
    """A throwaway local cluster (tests/postgres.py), or None when PostgreSQL is not installed."""
    from tests.postgres import pg_bin, postgres_cluster

    if not pg_bin("initdb"):
        yield None
        return
    with postgres_cluster() as url:
        yield url


def bench_workspaces(reps: int, postgres: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        results = {"sqlite": bench_store(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", reps)}
    if postgres:
        with _postgres() as url:
            if url:
                results["postgresql"] = bench_store(url, reps)
    return results


def render(w: dict | None) -> list[str]:
    """BENCHMARKS.md's section (benchmarks/report.py appends it)."""
    if not w:
        return []
    out = ["", "## Workspaces: save and load latency", "",
           "One item saved (validated, quota-checked, one committed transaction) and loaded (validated as an "
           "upload; a model runs its probe digits). PostgreSQL is a throwaway local cluster (`fsync=off`), "
           "SQLite a file in WAL mode with `synchronous=FULL`.", "",
           "| database | item | save p50 ms | save p95 ms | load p50 ms | load p95 ms | n |", "|---|---|---|---|---|---|---|"]
    for db, r in w.items():
        for item in ("drawing", "model"):
            s, lo = r[f"{item}_save"], r[f"{item}_load"]
            out.append(f"| {db} | {item} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | {lo['p50_ms']:.1f} | "
                       f"{lo['p95_ms']:.1f} | {s['n']} |")
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.workspaces", description=__doc__)
    p.add_argument("--reps", type=int, default=100)
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args()
    print(json.dumps(bench_workspaces(args.reps, not args.no_postgres), indent=1))


if __name__ == "__main__":
    main()
