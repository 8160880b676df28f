"""Many browser sessions drawing at once (Playwright async), shared by the test suite and the bench."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass, field

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PAD_HOST

SHAPES = {  # strokes as fractions of the canvas
    "1": [[(0.5, 0.12), (0.5, 0.5), (0.51, 0.88)]],
    "7": [[(0.2, 0.15), (0.8, 0.15), (0.45, 0.9)]],
}
_FP = re.compile(r"Fingerprint of these maps:\s*(\w+)(?:\s*\(input\s*(\w+)\))?")


@dataclass
class SessionResult:
    shape: str
    prediction: str | None = None
    fingerprint: str | None = None
    input_digest: str | None = None  # the 28×28 input the server explained, as the page shows it
    latency_s: float | None = None
    error: str | None = None


@dataclass
class LoadReport:
    results: list[SessionResult] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        return sorted(r.latency_s for r in self.results if r.latency_s is not None)

    def percentile(self, q: float) -> float:
        lat = self.latencies
        return lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))] if lat else float("nan")

    def summary(self) -> dict:
        lat = self.latencies
        return {"sessions": len(self.results), "errors": sum(r.error is not None for r in self.results),
                "p50_s": statistics.median(lat) if lat else None, "p95_s": self.percentile(0.95)}


async def _draw(page, strokes) -> None:
    canvas = page.locator("canvas.dl-view").first
    await canvas.wait_for(timeout=120_000)
    box = await canvas.bounding_box()
    for stroke in strokes:
        pts = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in stroke]
        await page.mouse.move(*pts[0])
        await page.mouse.down()
        for x, y in pts[1:]:
            await page.mouse.move(x, y, steps=8)
        await page.mouse.up()


async def _stable_fingerprint(page, settle_s: float = 1.5, timeout_s: float = 120) -> tuple[str, str | None, float]:
    """Wait until the maps' fingerprint stops changing; return it, the input digest shown beside it, and
    when it first appeared."""
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    loc = page.get_by_text("Fingerprint of these maps")
    while time.monotonic() < deadline:
        text = await loc.first.inner_text() if await loc.count() else ""
        m = _FP.search(text)
        fp = m.group(1) if m else None
        if fp != last:
            last, since = fp, time.monotonic()
        elif fp is not None and time.monotonic() - since >= settle_s:
            return fp, m.group(2), since
        await asyncio.sleep(0.1)
    raise TimeoutError("the maps did not settle")


ANSWERED_JS = "([host, n]) => Number(document.querySelector(host)?.dataset.answered || 0) >= n"


async def one_session(browser, url: str, shape: str) -> SessionResult:
    res = SessionResult(shape)
    context = await browser.new_context(viewport={"width": 1400, "height": 1400})
    try:
        page = await context.new_page()
        await page.goto(f"{url}/draw")
        await page.wait_for_selector("canvas.dl-view", timeout=120_000)
        start = time.monotonic()
        await _draw(page, SHAPES[shape])
        # The pad counts the answers to each stroke's final drawing (pointer-up); while drawing it also
        # sends interim updates, so a fingerprint that pauses is not yet the final one under load.
        await page.wait_for_function(ANSWERED_JS, arg=[PAD_HOST, len(SHAPES[shape])], timeout=180_000)
        res.fingerprint, res.input_digest, appeared = await _stable_fingerprint(page)
        res.latency_s = appeared - start
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")
        res.prediction = (await metric.locator('[data-testid="stMetricValue"]').inner_text()).strip()
        if await page.locator('[data-testid="stException"]').count():
            res.error = "exception box shown"
    except Exception as exc:  # noqa: BLE001 - a failed session is a result, not a crash of the test
        res.error = f"{type(exc).__name__}: {exc}"
    finally:
        await context.close()
    return res


async def _run(url: str, shapes: list[str], serial_first: bool) -> tuple[dict[str, SessionResult], LoadReport]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            serial = {s: await one_session(browser, url, s) for s in SHAPES} if serial_first else {}
            results = await asyncio.gather(*(one_session(browser, url, s) for s in shapes))
        finally:
            await browser.close()
    return serial, LoadReport(list(results))


def _in_own_thread(url: str, shapes: list[str], serial_first: bool) -> tuple[dict[str, SessionResult], LoadReport]:
    """asyncio.run in a thread of its own: beside the suite's sync Playwright (tests/conftest.py's browser)
    in one thread it would share that thread's event loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _run(url, shapes, serial_first)).result()


def run_sessions(url: str, shapes: list[str]) -> LoadReport:
    """Open one browser context per shape, all at once; each draws its shape and waits for the maps."""
    return _in_own_thread(url, shapes, serial_first=False)[1]


def serial_reference(url: str) -> dict[str, SessionResult]:
    """Each shape drawn alone, one after the other: what every concurrent session must reproduce."""
    return _in_own_thread(url, [], serial_first=True)[0]


def serial_then_concurrent(url: str, shapes: list[str]) -> tuple[dict[str, SessionResult], LoadReport]:
    """`serial_reference`, then `run_sessions(shapes)`, in one browser."""
    return _in_own_thread(url, shapes, serial_first=True)
