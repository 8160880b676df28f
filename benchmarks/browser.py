"""Chromium measurements of the drawing loop and of start-up and page opens (`make bench`, section 3–4).

All timings are taken inside the page (performance.now()) where they can be: the pad records when a
stroke ended and when the server's answer for that stroke arrived (its `data-latency-ms`), so no
Playwright round trip is counted.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PAD, PAD_HOST as HOST, draw_stroke, streamlit_server

PAGES = ["home", "draw", "explore", "compare", "evaluate", "whatif", "inside", "map", "train"]
ONE = [(0.5, 0.12), (0.5, 0.5), (0.51, 0.88)]
SEVEN = [(0.2, 0.15), (0.8, 0.15), (0.45, 0.9)]
def _stats(ms: list[float]) -> dict:
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms), "n": len(ms)}


# A page is open when its script run has finished (Streamlit's own run state), nothing spins, and every
# Plotly chart has drawn: the title alone shows long before the maps and charts are there.
OPEN = """() => { const app = document.querySelector('.stApp');
  return !!app && app.dataset.testScriptState === 'notRunning'
    && !!document.querySelector('[data-testid="stMainBlockContainer"] h1')
    && !document.querySelector('[data-testid="stSpinner"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg')); }"""


def _ready(page, timeout: float = 120_000) -> None:
    page.wait_for_function(OPEN, timeout=timeout)


def _idle(pid: int, quiet_s: float = 2.0, limit_s: float = 180.0) -> float:
    """Wait until the server process has used < 5 % of a core for `quiet_s` (its background imports,
    warm-up and priming done); return the seconds waited."""
    import os

    tick = os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        before = cpu()
        time.sleep(quiet_s)
        if cpu() - before < 0.05 * quiet_s:
            break
    return time.monotonic() - start


def _answered(page, n: int) -> None:
    page.wait_for_function("([host, n]) => Number(document.querySelector(host).dataset.answered || 0) >= n", arg=[HOST, n],
                           timeout=120_000)


def strokes(page, url: str, n: int) -> dict:
    """n strokes, each on a cleared pad: stroke end → the answer to the final drawing (prediction and four maps)."""
    page.goto(f"{url}/draw")
    page.locator(PAD).first.wait_for(timeout=120_000)
    full = []
    for i in range(n):
        draw_stroke(page, ONE if i % 2 else SEVEN, steps=4)
        _answered(page, 2 * i + 1)
        full.append(float(page.locator(HOST).evaluate("e => e.dataset.latencyMs")))
        page.keyboard.press("Delete")
        _answered(page, 2 * i + 2)
    return {"stroke_to_maps": _stats(full)}


def updates_while_drawing(page, url: str, seconds: float = 3.0) -> dict:
    """A slow stroke of `seconds`: how many answers (prediction + maps) reach the page per second, and each
    update's round trip (sent by the pad → its answer on the page), as the pad records them."""
    page.goto(f"{url}/draw")
    box = page.locator(PAD).first.bounding_box()
    before = int(page.locator(HOST).evaluate("e => Number(e.dataset.acks || 0)"))
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    start, k = time.monotonic(), 0
    while time.monotonic() - start < seconds:  # a zig-zag at ~60 moves per second
        k += 1
        fx = 0.3 + 0.4 * ((k // 30) % 2 == 0 and (k % 30) / 30 or 1 - (k % 30) / 30)
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + (0.2 + 0.6 * k / (seconds * 60)) * box["height"])
        page.wait_for_timeout(16)
    during = int(page.locator(HOST).evaluate("e => Number(e.dataset.acks || 0)")) - before
    elapsed = time.monotonic() - start
    rounds = page.locator(HOST).evaluate("e => (e.dataset.roundTripsMs || '').split(',').filter(Boolean).map(Number)")
    page.mouse.up()
    return {"updates_per_s": during / elapsed, "answers": during, "stroke_s": elapsed,
            "round_trip": _stats(rounds[-during:] if during else rounds)}


def page_opens(browser, url: str, repeats: int = 3) -> dict:
    """Each page in a new browser session (first open), then again in the same session (revisit), `repeats`
    times: the medians and ranges (single page loads on this machine vary by seconds)."""
    first: dict[str, list[float]] = {name: [] for name in PAGES}
    second: dict[str, list[float]] = {name: [] for name in PAGES}
    for _ in range(repeats):
        for name in PAGES:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            for sink in (first, second):
                t = time.monotonic()
                page.goto(f"{url}/{name}")
                _ready(page)
                sink[name].append(time.monotonic() - t)
            ctx.close()
    return {"first_open_s": {k: statistics.median(v) for k, v in first.items()},
            "revisit_s": {k: statistics.median(v) for k, v in second.items()},
            "first_open_range_s": {k: [min(v), max(v)] for k, v in first.items()},
            "revisit_range_s": {k: [min(v), max(v)] for k, v in second.items()}, "open_repeats": repeats}


# The start-up floor: a bare Streamlit page with our pad and a numpy forward pass (benchmarks/floor_app.py).
FLOOR = ("-m", "streamlit", "run", "benchmarks/floor_app.py")
START_UPS = 3  # fresh servers per start-up figure (single start-ups here vary by seconds)


@contextlib.contextmanager
def fresh_server(browser, command: tuple[str, ...] = ("-m", "app.cli"), path: str = "/draw") -> Iterator:
    """A new server and page: process start → health, → first prediction (a stroke as soon as the pad is
    there). Yields (those times, the page, the URL, the server process, the clock's start)."""
    t0 = time.monotonic()
    with streamlit_server(with_process=True, command=command) as (url, proc):
        health_s = time.monotonic() - t0
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}{path}")
        page.locator(PAD).first.wait_for(timeout=120_000)
        draw_stroke(page, ONE, steps=4)
        page.locator('[data-testid="stMetric"]').filter(has_text="Prediction").wait_for(timeout=120_000)
        yield {"health_s": health_s, "first_prediction_s": time.monotonic() - t0}, page, url, proc, t0
        page.close()


def first_prediction(browser, command: tuple[str, ...] = ("-m", "app.cli"), path: str = "/draw") -> dict:
    with fresh_server(browser, command, path) as (times, *_):
        return times


def bench_browser(n_strokes: int = 20) -> dict:
    """Process start → first prediction (Draw, a stroke as soon as the pad is there; the median of
    START_UPS fresh servers, and the same for the bare floor app), then the rest on a warm server."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)  # launched before the clock
        floor = [first_prediction(browser, FLOOR, "/")["first_prediction_s"] for _ in range(START_UPS)]
        starts = [first_prediction(browser) for _ in range(START_UPS - 1)]
        with fresh_server(browser) as (times, page, url, proc, t0):
            starts.append(times)
            page.get_by_text("Fingerprint of these maps").wait_for(timeout=120_000)
            first_maps_s = time.monotonic() - t0
            # Warm: wait for the background imports, warm-up and priming (app.state.default_views) to finish, as a running
            # server would have.
            settle_s = _idle(proc.pid)
            predictions = [s["first_prediction_s"] for s in starts]
            result = {"health_s": statistics.median(s["health_s"] for s in starts),
                      "first_prediction_s": statistics.median(predictions),
                      "first_prediction_range_s": [min(predictions), max(predictions)],
                      "floor_first_prediction_s": statistics.median(floor), "floor_range_s": [min(floor), max(floor)],
                      "start_ups": START_UPS, "first_maps_s": first_maps_s, "settle_s": settle_s,
                      **strokes(page, url, n_strokes), **updates_while_drawing(page, url),
                      **page_opens(browser, url)}
        browser.close()
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(bench_browser(), indent=1))
