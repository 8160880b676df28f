"""Helpers for real-browser tests: a Streamlit server on a free port and Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from deploy.replicas import stop, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def watch_hosts(page) -> set[str]:
    """The hosts this page sends network requests to (blob: and data: URLs of its own modules are none)."""
    from urllib.parse import urlparse

    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc)
            if urlparse(r.url).scheme in ("http", "https", "ws", "wss") else None)
    return hosts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(timeout: float = 60.0, with_process: bool = False,
                     command: tuple[str, ...] = ("-m", "app.cli")) -> Iterator:
    """Start the app as `digit-lens` does (or `python *command*`, e.g. another Streamlit script); yield its
    base URL (and the process); stop it afterwards."""
    port = free_port()
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / f"server-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, *command, "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout, f"streamlit (see {log.name})")
        yield (url, proc) if with_process else url
    finally:
        stop(proc)
        log.close()


PAD = "canvas.dl-view"  # our drawing pad (Playwright's CSS locators pierce its shadow root)
# The element that hosts the pad (its counters: data-sends, data-acks, data-answered, data-latency-ms);
# the page holds other components too (the map grid, the probability bars).
PAD_HOST = '.st-key-pad [data-testid="stBidiComponentIsolated"]'


def pad_box(page) -> dict:
    canvas = page.locator(PAD).first
    canvas.wait_for(timeout=120_000)
    box = canvas.bounding_box()
    assert box is not None, "drawing pad not visible"
    return box


def draw_stroke(page, points: list[tuple[float, float]], steps: int = 8) -> None:
    """Draw one stroke with the mouse on the pad; points are fractions (0–1) of its size."""
    box = pad_box(page)
    xs = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xs[0])
    page.mouse.down()
    for x, y in xs[1:]:
        page.mouse.move(x, y, steps=steps)
    page.mouse.up()


TOUCH_STROKE_JS = """([host, sel, pts]) => {
  const el = document.querySelector(host).shadowRoot.querySelector(sel);
  const r = el.getBoundingClientRect();
  const at = ([fx, fy]) => ({clientX: r.left + fx * r.width, clientY: r.top + fy * r.height});
  const base = {pointerId: 7, pointerType: "touch", isPrimary: true, bubbles: true, cancelable: true, composed: true};
  el.dispatchEvent(new PointerEvent("pointerdown", {...base, ...at(pts[0]), buttons: 1}));
  for (let i = 1; i < pts.length; i++) {
    const [ax, ay] = pts[i - 1], [bx, by] = pts[i];
    for (let k = 1; k <= 8; k++) el.dispatchEvent(new PointerEvent("pointermove",
      {...base, ...at([ax + (bx - ax) * k / 8, ay + (by - ay) * k / 8]), buttons: 1}));
  }
  el.dispatchEvent(new PointerEvent("pointerup", {...base, ...at(pts[pts.length - 1])}));
}"""


def touch_stroke(page, points: list[tuple[float, float]]) -> None:
    """Draw one stroke as a finger would: touch pointer events on the pad (what a phone sends)."""
    pad_box(page)
    page.evaluate(TOUCH_STROKE_JS, [PAD_HOST, PAD, [list(p) for p in points]])


def prediction(page, timeout: float = 90_000) -> str:
    """Wait for the Prediction metric and return its value."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")
    metric.wait_for(timeout=timeout)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
