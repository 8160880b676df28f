"""`python -m benchmarks.run` (`make bench`): every speed figure of Digit Lens, side by side in one run.

Medians after a warm-up, with min–max; ratios measured in the same run because this machine is
shared and noisy. Writes BENCHMARKS.md (and prints JSON with --json). `--smoke` runs every section
on tiny counts without the browser, the 20-session load test or the reference training loop, so
the suite is exercised by `make test` and cannot rot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from model.network import IMAGE_SIDE

ROOT = Path(__file__).resolve().parents[1]
FAST = ["saliency", "integrated_gradients", "deeplift", "gradient_shap"]


def timed(fn, reps: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def stats(ms: list[float]) -> dict:
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms), "n": len(ms)}


def load():
    from model.checkpoint import load_checkpoint
    from model.data import load_mnist
    from model.paths import bundled_checkpoint

    model, _ = load_checkpoint(bundled_checkpoint())
    model.requires_grad_(False)
    return model, load_mnist(train=False)


def bench_overhead(model, test, reps: int, methods: list[str]) -> list[dict]:
    """1. explain() vs the raw library call, interleaved so both see the same machine state."""
    from benchmarks.raw_calls import raw_calls
    from explain import explain
    from explain.context import private_head
    from explain.core import resolve_target

    x = test.images[0].reshape(1, 1, IMAGE_SIDE, IMAGE_SIDE)
    target, w = resolve_target(model, x, None)
    calls = raw_calls(private_head(model, w), x)
    rows = []
    for name in methods:
        raw, ours = [], []
        for fn in (calls[name], lambda n=name: explain(model, x, n, target)):  # warm both
            fn()
            fn()
        for _ in range(reps):
            for fn, sink in ((calls[name], raw), (lambda n=name: explain(model, x, n, target), ours)):
                t = time.perf_counter()
                fn()
                sink.append((time.perf_counter() - t) * 1000)
        r, o = statistics.median(raw), statistics.median(ours)
        rows.append({"method": name, "raw": stats(raw), "ours": stats(ours), "ratio": o / r,
                     "overhead_ms": o - r})
    return rows


def bench_budget(model, test, reps: int, all_methods: list[str], every_reps: int = 3, warmup: int = 2) -> dict:
    """2. The fast set together and every method together on one digit, warm."""
    from explain import explain_many

    x = test.images[1]
    every = max(every_reps, reps // 5)
    return {"fast_set": stats(timed(lambda: explain_many(model, x, FAST), reps, warmup)),
            "all_methods": stats(timed(lambda: explain_many(model, x, all_methods), every, warmup))}


def bench_first_calls() -> dict:
    """3b. In a fresh process: warm_up(), then each method's first call on a new digit."""
    code = (
        "import json, time\n"
        "from benchmarks.run import load\n"
        "from explain import explain, method_names, warm_up\n"
        "model, test = load()\n"
        "t = time.perf_counter(); warm_up(model); w = (time.perf_counter() - t) * 1000\n"
        "first = {}\n"
        "for n in method_names():\n"
        "    t = time.perf_counter(); explain(model, test.images[99], n); first[n] = (time.perf_counter() - t) * 1000\n"
        "print(json.dumps({'warm_up_ms': w, 'first_call_ms': first}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    slowest = max(data["first_call_ms"], key=data["first_call_ms"].get)
    return {**data, "slowest": slowest, "slowest_ms": data["first_call_ms"][slowest]}


def bench_browser(strokes: int) -> dict:
    """3a + 4. Start-up, the drawing loop and page opens in Chromium (benchmarks/browser.py)."""
    from benchmarks.browser import bench_browser as run

    return run(strokes)


# Earlier runs of this bench, read back from BENCHMARKS.md as committed then: the last commit with
# streamlit-drawable-canvas, and our pad before its Plotly maps and start-up imports were replaced.
BEFORE_REFS = {"streamlit-drawable-canvas": "88571f3", "our pad, Plotly maps": "176f084"}


def before(ref: str) -> dict | None:
    """The drawing-loop figures `make bench` wrote into BENCHMARKS.md at `ref`, read back (never retyped)."""
    import re

    try:
        old = subprocess.run(["git", "show", f"{ref}:BENCHMARKS.md"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    # Two report formats: the old component's ("Median of N strokes") and our pad's table.
    rt = re.search(r"Median of \d+ strokes: \*\*(\d+) ms", old) or \
        re.search(r"prediction \+ four fast maps \(n = \d+\) \| \*\*(\d+) ms", old)
    fp = re.search(r"first prediction visible in Chromium[^*]*\*\*([\d.]+) s", old)
    if not (rt and fp):
        return None
    return {"round_trip_ms": float(rt.group(1)), "first_prediction_s": float(fp.group(1)), "ref": ref}


def bench_training(reference_epochs: int) -> dict:
    """5. Ten epochs with our trainer vs the seed's DataLoader loop (same model, optimiser, batch)."""
    from benchmarks.reference_train import reference_train
    from model.data import load_mnist
    from model.train import TrainConfig, train

    load_mnist(True), load_mnist(False)  # data loading is not training time
    ours = train(TrainConfig())
    ref_s, ref_acc = reference_train(reference_epochs)
    ref_10 = ref_s * 10 / reference_epochs
    return {"ours_s": ours.seconds, "ours_accuracy": ours.test_accuracy, "reference_s": ref_10,
            "reference_epochs_run": reference_epochs, "reference_accuracy": ref_acc,
            "speedup": ref_10 / ours.seconds}


def bench_leaderboard() -> dict | None:
    """6. The bundled whole-test-set leaderboard's own timing, read from its meta (never re-typed)."""
    from model.paths import assets_dir

    path = assets_dir() / "leaderboard" / "leaderboard_n10000.csv.meta.json"
    return json.loads(path.read_text()) if path.exists() else None


def rss_mb(pid: int | None = None) -> float:
    with open(f"/proc/{pid or os.getpid()}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench_memory(inputs: int, warm_all: bool = True) -> dict:
    """7a. The app's explanation cache over many distinct inputs, in a fresh process: RSS over time.
    `warm_all`: warm every method first, as the app does (the smoke test warms only the four it uses)."""
    methods = ['saliency', 'integrated_gradients', 'deeplift', 'gradient_shap']
    code = (
        "import json, os, warnings, logging\n"
        "logging.disable(logging.WARNING); warnings.filterwarnings('ignore')\n"
        "import numpy as np\n"
        "from benchmarks.run import rss_mb\n"
        "from app.state.caches import explanation\nfrom app.state.resources import bundled_model\n"
        "from explain import warm_up\n"
        f"loaded = bundled_model(); warm_up(loaded.model, {None if warm_all else methods})\n"
        "rng = np.random.default_rng(0); trace = [rss_mb()]\n"
        f"for i in range({inputs}):\n"
        "    x = rng.uniform(0, 1, (28, 28)).astype(np.float32) * (rng.uniform(size=(28, 28)) > 0.8)\n"
        f"    for m in {methods}:\n"
        "        explanation(loaded, x, m, None)\n"
        f"    if (i + 1) % max(1, {inputs} // 10) == 0: trace.append(rss_mb())\n"
        "print(json.dumps(trace))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=900)
    trace = json.loads(out.stdout.strip().splitlines()[-1])
    return {"rss_mb_trace": trace, "after_warm_up_mb": trace[0], "final_mb": trace[-1],
            "growth_last_half_mb": trace[-1] - trace[len(trace) // 2]}


def bench_sessions(connects: int, load_sessions: int) -> dict:
    """7b + load. Server RSS over many connects/disconnects; N concurrent drawing sessions vs serial."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server
    from tests.load import SHAPES, run_sessions, serial_reference

    from benchmarks.browser import _idle

    with streamlit_server(with_process=True) as (url, proc):
        _idle(proc.pid)  # the launcher's imports done
        reference = serial_reference(url)
        # A running server: the first visitor started the warm-up and priming (app/startup.py); the 20 sessions
        # must not land in the middle of it (page loads then took > 30 s here and counted as errors).
        _idle(proc.pid)
        report = run_sessions(url, [list(SHAPES)[i % len(SHAPES)] for i in range(load_sessions)])
        # Compared per input (the digest the page shows beside the fingerprint): a session whose mouse
        # stroke became another 28×28 input than the serial one's is a different drawing, not a mismatch.
        by_input = {r.input_digest: r.fingerprint for r in reference.values()}
        for r in report.results:
            by_input.setdefault(r.input_digest, r.fingerprint)
        matches = all(r.fingerprint == by_input[r.input_digest] for r in report.results if r.fingerprint)
        other_drawing = sum(r.input_digest != reference[r.shape].input_digest for r in report.results)
        before = rss_mb(proc.pid)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            trace = [before]
            for i in range(connects):
                ctx = b.new_context()
                page = ctx.new_page()
                page.goto(f"{url}/draw")
                page.wait_for_selector("canvas.dl-view", timeout=120_000)
                ctx.close()
                if (i + 1) % 10 == 0:
                    time.sleep(1.0)
                    trace.append(rss_mb(proc.pid))
            b.close()
    return {"load": {**report.summary(), "sessions_match_serial": matches, "other_drawing": other_drawing},
            "connects": connects, "server_rss_mb_trace": trace, "growth_mb": trace[-1] - trace[1]}


LOAD_LEVELS = (1, 5, 10, 20, 30, 50)  # concurrent drawing users (issue 26)
CROSS_CHECK = (10, 3)  # at this many simulated drawing users, this many real Chromium sessions beside them
IDLE_SESSIONS = 100


def load_run(users: int, seconds: float, *extra: str) -> dict:
    """One `python -m benchmarks.load` run (a fresh server, in a process of its own: Locust's gevent
    patches the standard library, which Playwright's sync API here must not share)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.load", "--users", str(users), "--seconds",
                          str(seconds), "--json", *extra], cwd=ROOT, capture_output=True, text=True,
                         timeout=seconds + 1200)
    lines = out.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"benchmarks.load --users {users} printed nothing: {out.stderr[-800:]}")
    return json.loads(lines[-1])


def bench_load(levels: tuple[int, ...], seconds: float) -> dict:
    """8. The load curve: simulated users on Streamlit's protocol (benchmarks/load), a fresh server per
    level; idle sessions' memory after the first level, real Chromium sessions beside one level."""
    from benchmarks.report import knee

    curve = []
    for n in levels:
        extra = (["--idle", str(IDLE_SESSIONS)] if n == levels[0] else []) + \
            (["--chromium", str(CROSS_CHECK[1])] if n == CROSS_CHECK[0] else [])
        curve.append(load_run(n, seconds, *extra))
    return {"seconds": seconds, "curve": curve, "knee": knee(curve)}


def machine() -> dict:
    from explain.provenance import utc_now, versions

    return {**versions("python", "torch", "captum", "shap", "streamlit"), "machine": platform.machine(),
            "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "date": utc_now()}


def main(argv: list[str] | None = None) -> int:
    from explain import method_names

    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    p.add_argument("--smoke", action="store_true", help="tiny counts, no browser, no reference loop")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--reference-epochs", type=int, default=10, help="epochs of the seed's loop to time")
    p.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    p.add_argument("--browser-only", action="store_true",
                   help="only the Chromium measurements (start-up, drawing loop, page opens), printed as JSON")
    p.add_argument("--load-only", action="store_true",
                   help="only the load curve (benchmarks/load); rewrites BENCHMARKS.md's load section")
    p.add_argument("--load-levels", default=",".join(map(str, LOAD_LEVELS)), help="drawing users per level")
    p.add_argument("--load-seconds", type=float, default=60, help="seconds of load per level")
    args = p.parse_args(argv)
    smoke = args.smoke
    levels = tuple(int(v) for v in args.load_levels.split(","))
    if args.load_only:
        from benchmarks.report import LOAD_HEADING, render_load

        ld = {"machine": machine(), "command": "python -m benchmarks.run " + " ".join(argv or sys.argv[1:]),
              **bench_load(levels, args.load_seconds)}
        text = args.out.read_text() if args.out.exists() else ""
        head, _, rest = text.partition(LOAD_HEADING)
        tail = rest[rest.find("\n## "):] if "\n## " in rest else ""
        args.out.write_text(head.rstrip("\n") + "\n\n" + render_load(ld) + tail)
        print(json.dumps(ld, indent=1, default=float) if args.json else f"wrote {args.out}")
        return 0 if all(c["identical"] for c in ld["curve"]) else 1
    if args.browser_only:
        print(json.dumps(bench_browser(20), indent=1))
        return 0
    model, test = load()
    names = method_names()
    results: dict = {"machine": machine(), "command": "python -m benchmarks.run " + " ".join(argv or sys.argv[1:])}
    results["overhead"] = bench_overhead(model, test, 3 if smoke else 40, names[:3] if smoke else names)
    # --smoke: every method twice and no warm-up call (each call of all 19 is seconds; the second call is the
    # warm one, and the test only needs the sections to run and the two sets' fastest calls told apart).
    results["budget"] = (bench_budget(model, test, 3, names, every_reps=2, warmup=0) if smoke
                         else bench_budget(model, test, 30, names))
    results["first_calls"] = bench_first_calls() if not smoke else None
    results["training"] = None if smoke else bench_training(args.reference_epochs)
    from benchmarks.throughput import bench_throughput

    results["throughput"] = bench_throughput(model, test.images, names[:3] if smoke else names, 16 if smoke else 1024,
                                             2 if smoke else 5)
    results["leaderboard"] = bench_leaderboard()
    results["memory"] = bench_memory(20, warm_all=False) if smoke else bench_memory(1000)
    from benchmarks.workspaces import bench_workspaces

    results["workspaces"] = bench_workspaces(5 if smoke else 100, postgres=not smoke)
    from benchmarks.tcav import bench_tcav

    results["tcav"] = bench_tcav(1 if smoke else 5, n_random=2 if smoke else 10)
    from benchmarks.influence import bench_influence

    results["influence"] = bench_influence(smoke)
    if not smoke:
        results["browser"] = bench_browser(20)
        results["before"] = {label: b for label, ref in BEFORE_REFS.items() if (b := before(ref))}
        results["sessions"] = bench_sessions(50, 20)
        results["load"] = {"machine": results["machine"], "command": results["command"],
                           **bench_load(levels, args.load_seconds)}
    if args.json:
        print(json.dumps(results, indent=1, default=float))
    if not smoke:
        from benchmarks.report import render

        args.out.write_text(render(results))
        print(f"wrote {args.out}", file=sys.stderr)
        # The same input must give the same maps in every session at every load level: else the bench fails.
        if not all(c["identical"] for c in results["load"]["curve"]):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
