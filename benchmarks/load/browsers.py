"""Real Chromium sessions drawing beside the simulated users: the harness's cross-check.

`python -m benchmarks.load.browsers --url URL --sessions K --seconds S` (run by __main__.py in a process
of its own): K browser contexts open Draw and, until S seconds are over, draw a digit with the mouse,
wait for the answer to the pen-up (the pad's own `data-latency-ms`: pen-up → answer on the page,
measured in the page), read the maps' fingerprint and the input digest shown beside it, clear the pad,
pause, draw again. Prints one JSON object: latency percentiles and one record per answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PAD_HOST
from tests.load import _FP, ANSWERED_JS, SHAPES, _draw


async def _session(browser, url: str, k: int, until: float, out: list[dict], errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1400})
    try:
        page = await context.new_page()
        await page.goto(f"{url}/draw", timeout=120_000)
        await page.wait_for_selector("canvas.dl-view", timeout=120_000)
        host = page.locator(PAD_HOST)
        answered, i = 0, k
        while time.monotonic() < until:
            shape = list(SHAPES)[i % len(SHAPES)]
            i += 1
            await _draw(page, SHAPES[shape])
            answered += len(SHAPES[shape])
            await page.wait_for_function(ANSWERED_JS, arg=[PAD_HOST, answered], timeout=120_000)
            latency = float(await host.evaluate("e => e.dataset.latencyMs"))
            m = _FP.search(await page.get_by_text("Fingerprint of these maps").first.inner_text())
            out.append({"shape": shape, "final": True, "latency_ms": latency, "fingerprint": m and m.group(1),
                        "input": m and m.group(2), "expected_input": m and m.group(2), "source": "chromium"})
            await page.keyboard.press("Delete")  # the pad has focus after a stroke; a clear is answered too
            answered += 1
            await page.wait_for_function(ANSWERED_JS, arg=[PAD_HOST, answered], timeout=120_000)
            await asyncio.sleep(1.0 + (i % 3) * 0.5)
    except Exception as exc:  # noqa: BLE001 - a failed session is a result
        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


async def run(url: str, sessions: int, seconds: float) -> dict:
    from playwright.async_api import async_playwright

    records: list[dict] = []
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        until = time.monotonic() + seconds
        await asyncio.gather(*(_session(browser, url, k, until, records, errors) for k in range(sessions)))
        await browser.close()
    lat = sorted(r["latency_ms"] for r in records)

    def q(p: float) -> float | None:
        return lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))] if lat else None

    return {"sessions": sessions, "answers": len(lat), "p50_ms": statistics.median(lat) if lat else None,
            "p95_ms": q(0.95), "errors": len(errors), "error_examples": errors[:3], "records": records}


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load.browsers", description=__doc__)
    p.add_argument("--url", required=True)
    p.add_argument("--sessions", type=int, default=3)
    p.add_argument("--seconds", type=float, default=60)
    a = p.parse_args()
    print(json.dumps(asyncio.run(run(a.url, a.sessions, a.seconds))))


if __name__ == "__main__":
    main()
