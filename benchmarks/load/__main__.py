"""`python -m benchmarks.load --users N --seconds S --json`: a fresh server, N drawing users and a few
browsing ones (Locust, headless, as a library) for S seconds, then the server stopped; the last line
printed is one JSON object (users, p50_ms, p95_ms, p99_ms of pen-up → answer, answers_per_s, errors,
identical, server_rss_mb, and more). Exit status 1 when `identical` is false: the same input must give
the same maps in every session.
"""

from locust import events as _locust_events  # noqa: F401 - first: Locust's gevent patches the standard library

# isort: split

import argparse
import json
import os
import sys
import time
from pathlib import Path

import gevent
from locust.env import Environment

from benchmarks.load.users import BrowsingUser, DrawingUser
from benchmarks.load.verdict import identical

PEN_UP, PREVIEW = "pen-up → answer", "preview → answer"


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_mb(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def warm(url: str, pid: int) -> None:
    """What a running server has behind it: the first visitor's warm-up and priming done, the maps on."""
    from app.components.drawing_pad.payload import encode
    from benchmarks.browser import _idle
    from benchmarks.load.protocol import StreamlitSession
    from benchmarks.load.shapes import ink

    s = StreamlitSession(url, 180)
    try:  # the first answer comes in numpy; PyTorch and the explainers load after it (app/startup.py)
        deadline = time.monotonic() + 300
        for seq in range(1, 10**6):
            s.open("draw")
            s.send_drawing(encode(ink("1"), seq, True))
            if s.answer(seq, 180).fingerprint:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the server's Draw page never answered with maps")
            _idle(pid) if pid else time.sleep(2.0)
    finally:
        s.close()
    if pid:
        _idle(pid)


def run_load(url: str, pid: int | None, users: int, seconds: float, browsing: int, spawn_rate: float = 10.0,
             chromium: int = 0) -> dict:
    """N drawing users (+ browsing ones) against a running server for `seconds`; the numbers."""
    draw_cls = type("Drawing", (DrawingUser,), {"fixed_count": users, "abstract": False})
    browse_cls = type("Browsing", (BrowsingUser,), {"fixed_count": browsing, "abstract": False})
    env = Environment(user_classes=[draw_cls, browse_cls] if browsing else [draw_cls], host=url)
    records: list[dict] = []
    failures: list[str] = []

    def on_request(request_type, name, response_time, exception, context, **_):
        if request_type == "draw" and exception is None:
            records.append(context)
        if exception is not None:
            failures.append(f"{request_type} {name}: {exception}")

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    load_average = os.getloadavg()[0]  # the machine's, not ours: other work on it shows up here
    cpu0, t0 = (cpu_seconds(pid) if pid else 0.0), time.monotonic()
    runner.start(users + browsing, spawn_rate=spawn_rate)
    cross = gevent.spawn(_chromium, url, chromium, seconds) if chromium else None
    peak = 0.0
    while time.monotonic() - t0 < seconds:
        gevent.sleep(1.0)
        peak = max(peak, status_mb(pid)) if pid else peak
    runner.quit()
    elapsed = time.monotonic() - t0
    cpu = (cpu_seconds(pid) - cpu0) / elapsed if pid else None
    ok, detail = identical(records)
    pen, pre = env.stats.get(PEN_UP, "draw"), env.stats.get(PREVIEW, "draw")
    pages = {f"{e.method} {e.name}": {"n": e.num_requests, "failures": e.num_failures,
                                      "p50_ms": e.get_response_time_percentile(0.5),
                                      "p95_ms": e.get_response_time_percentile(0.95)}
             for e in env.stats.entries.values() if e.method != "draw"}
    browser = cross.get() if cross else None
    if browser and browser.get("records"):
        ok2, detail2 = identical(records + browser["records"])
        ok, detail = ok and ok2, {**detail, "with_chromium": detail2}
    return {"users": users, "browsing_users": browsing, "seconds": round(elapsed, 1),
            "p50_ms": pen.get_response_time_percentile(0.5), "p95_ms": pen.get_response_time_percentile(0.95),
            "p99_ms": pen.get_response_time_percentile(0.99), "answers": pen.num_requests - pen.num_failures,
            "answers_per_s": (pen.num_requests - pen.num_failures) / elapsed,
            "preview_p50_ms": pre.get_response_time_percentile(0.5),
            "preview_p95_ms": pre.get_response_time_percentile(0.95),
            "preview_p99_ms": pre.get_response_time_percentile(0.99), "previews": pre.num_requests,
            "errors": len(failures), "error_examples": sorted(set(failures))[:5], "identical": ok,
            "identical_detail": detail, "server_cpu_cores": cpu and round(cpu, 2),
            "server_rss_mb": round(status_mb(pid), 1) if pid else None, "server_peak_rss_mb": pid and round(peak, 1), "load_average": load_average, "pages": pages,
            "chromium": {k: v for k, v in (browser or {}).items() if k != "records"} or None}


def _chromium(url: str, sessions: int, seconds: float) -> dict:
    """Real Chromium sessions beside the simulated ones, in a process of their own (Playwright's sync API
    and Locust's gevent do not share a thread): benchmarks/load/browsers.py."""
    import subprocess

    out = subprocess.run([sys.executable, "-m", "benchmarks.load.browsers", "--url", url, "--sessions",
                          str(sessions), "--seconds", str(seconds)], capture_output=True, text=True,
                         timeout=seconds + 300)
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {"error": out.stderr[-500:]}


def _py_spy(pid: int, out: str, seconds: float):
    """py-spy (a sampling profiler; `pip install py-spy`) on the server, every thread, for the load's length."""
    import shutil
    import subprocess

    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    fmt = "speedscope" if out.endswith(".json") else "raw" if out.endswith(".txt") else "flamegraph"
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "50", "--idle",
                             "--format", fmt, "--output", out, "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def idle_sessions(url: str, pid: int, n: int) -> dict:
    """What n idle sessions on Draw cost: n sessions opened (the heap settles: the warm-up's garbage freed,
    session machinery allocated), then n more; the second n's RSS growth per session. Sessions stay open."""
    from benchmarks.browser import _idle
    from benchmarks.load.protocol import StreamlitSession

    sessions, rss = [], []
    for _ in range(2):
        for _ in range(n):
            s = StreamlitSession(url, 120)
            s.open("draw")
            sessions.append(s)
        _idle(pid)
        rss.append(status_mb(pid))
    for s in sessions:
        s.close()
    return {"sessions": n, "measured": f"as the growth from {n} to {2 * n} open sessions, before the load",
            "rss_before_mb": round(rss[0], 1), "rss_after_mb": round(rss[1], 1),
            "mb_per_session": round((rss[1] - rss[0]) / n, 2)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    p.add_argument("--users", type=int, default=10, help="simulated people drawing")
    p.add_argument("--seconds", type=float, default=60, help="how long they draw")
    p.add_argument("--browsing", type=int, default=None,
                   help="simulated people on Explore/Compare/Evaluate/What if/Map (default: users // 5)")
    p.add_argument("--chromium", type=int, default=0, help="real Chromium sessions drawing beside them")
    p.add_argument("--idle", type=int, default=0, help="afterwards, open this many idle sessions: RSS each")
    p.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second")
    p.add_argument("--url", help="a running server instead of a fresh one (no CPU, RSS, idle or profile figures)")
    p.add_argument("--profile", metavar="SVG", help="py-spy record the server during the load into this file")
    p.add_argument("--json", action="store_true", help="print the result as one JSON line (the last line)")
    args = p.parse_args(argv)
    if args.users < 1 or args.seconds <= 0:
        print("--users must be ≥ 1 and --seconds > 0", file=sys.stderr)
        return 2
    browsing = args.users // 5 if args.browsing is None else args.browsing
    if args.url:
        warm(args.url, None)
        result = run_load(args.url, None, args.users, args.seconds, browsing, args.spawn_rate, args.chromium)
    else:
        from tests.browser import streamlit_server

        with streamlit_server(timeout=120, with_process=True) as (url, proc):
            warm(url, proc.pid)
            # Idle sessions first, on the warm server: after the load, freed heap would hide what they cost.
            idle = idle_sessions(url, proc.pid, args.idle) if args.idle else None
            spy = _py_spy(proc.pid, args.profile, args.seconds) if args.profile else None
            result = run_load(url, proc.pid, args.users, args.seconds, browsing, args.spawn_rate, args.chromium)
            if spy:
                spy.wait()
            if idle:
                result["idle"] = idle
    print(json.dumps(result, default=float) if args.json else json.dumps(result, indent=1, default=float))
    return 0 if result["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
