"""A training run ends when its browser tab closes: the test measures the app server's CPU. On the shared
server (tests/conftest.py): its worker runs one test at a time and each test's pages leave the app after it,
so the process is idle but for this test's run (work an earlier test left running only delays the idle reading).
The suite shortens the owner's grace period (DIGIT_LENS_OWNER_GRACE_S in tests/conftest.py)."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.browser


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (and its threads) so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_rate(pid: int, seconds: float = 1.0) -> float:
    import time

    start, t0 = _cpu_s(pid), time.monotonic()
    time.sleep(seconds)  # a measuring window, not a wait for a condition
    return (_cpu_s(pid) - start) / (time.monotonic() - t0)


def test_closing_the_tab_ends_its_training_run(browser, server_process):
    import time

    from model.jobs import OWNER_GRACE_S

    url, proc = server_process
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(f"{url}/train")
    page.get_by_text("Active model: bundled").wait_for(timeout=120_000)
    page.get_by_label("Hidden layer sizes", exact=True).fill("1024")
    page.get_by_label("Epochs", exact=True).fill("20")
    page.get_by_role("button", name="Train").click()
    page.get_by_text("left of the 10-minute budget").first.wait_for(timeout=60_000)
    busy = _cpu_rate(proc.pid)
    ctx.close()  # the visitor goes away; nobody presses Stop
    deadline = time.monotonic() + OWNER_GRACE_S + 60
    idle = busy
    while time.monotonic() < deadline and idle >= 0.15:
        idle = _cpu_rate(proc.pid)
    print(f"server CPU: {busy:.2f} s/s while training, {idle:.2f} s/s after the tab closed")
    assert busy > 0.3, f"the run did not load the server ({busy:.2f} CPU s/s)"
    assert idle < 0.15, f"the server still trains after the tab closed ({idle:.2f} CPU s/s)"
