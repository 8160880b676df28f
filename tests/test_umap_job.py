"""The Map page's UMAP fit is owned like a training job: it ends when its session is gone, within its
budget, and one runs at a time on a server, with a message to whoever asks for a second (issue 24, item 4)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app import map_state
from explain import projection
from model import jobs
from model.jobs import TrainingSlots

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def _epochs(features, settings=None, progress=None, stop=None):
    """umap-learn as fit_umap drives it, without its 20 s of compiling: an epoch at a time through the
    same epoch loop and reporter; the loop ends early once `stop` is set, and the fit raises Cancelled."""
    for _ in projection._epoch_loop(range(2000), on_epoch=projection._EpochReporter(progress), stop=stop):
        time.sleep(0.005)
    if stop is not None and stop.is_set():
        raise projection.Cancelled("UMAP cancelled")
    return np.zeros((len(features), 2), np.float32)


def _wait(job: map_state.UMAPJob, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while job.running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not job.running


@pytest.fixture
def fake_fit(monkeypatch):
    monkeypatch.setattr(map_state, "fit_umap", _epochs)
    monkeypatch.setattr(jobs, "OWNER_GRACE_S", 0.3)
    monkeypatch.setattr(jobs, "OWNER_CHECK_EVERY_S", 0.02)


def test_a_fit_ends_soon_after_its_session_is_gone_and_frees_its_slot(fake_fit):
    connected = threading.Event()
    connected.set()
    slots = TrainingSlots(1)
    job = map_state.UMAPJob("m", "hidden1", np.zeros((50, 4), np.float32), alive=connected.is_set)
    assert slots.try_start(job)
    time.sleep(0.2)
    assert job.running and job.fraction > 0.3  # fitting, epoch after epoch, with its owner there
    connected.clear()  # the tab is closed
    started = time.monotonic()
    _wait(job)
    assert time.monotonic() - started < 0.3 + 2  # the grace period, then the next epoch
    assert job.end_reason == "owner gone" and job.coords is None and "session was closed" in job.error
    assert slots.busy() == 0 and job.features is None


def test_a_fit_ends_at_its_budget_and_on_cancel(fake_fit):
    job = map_state.UMAPJob("m", "hidden1", np.zeros((50, 4), np.float32), budget_s=0.2).start()
    _wait(job)
    assert job.end_reason == "budget" and "budget" in job.error
    job = map_state.UMAPJob("m", "hidden1", np.zeros((50, 4), np.float32)).start()
    job.stop.set()
    _wait(job)
    assert job.end_reason == "cancelled" and job.error == "cancelled"


def test_one_fit_at_a_time_on_a_server(fake_fit):
    slots = TrainingSlots(map_state.MAX_UMAP_FITS)
    first = map_state.UMAPJob("m", "hidden1", np.zeros((50, 4), np.float32))
    second = map_state.UMAPJob("m", "hidden2", np.zeros((50, 4), np.float32))
    assert slots.try_start(first)
    assert not slots.try_start(second) and not second.running
    assert 0 < slots.next_free_in_s() <= map_state.UMAP_BUDGET_S
    first.stop.set()
    _wait(first)
    assert slots.try_start(second)
    second.stop.set()
    _wait(second)


def test_a_second_session_asking_for_a_fit_is_told_why_not(monkeypatch):
    monkeypatch.setattr(map_state, "shipped_coords", lambda loaded, layer: None)  # as for a model of one's own
    release = threading.Event()

    class Busy:  # another session's fit, holding the server's one slot
        started, on_done = time.monotonic(), None
        running = property(lambda self: not release.is_set())

        def remaining_s(self) -> float:
            return 200.0

        def start(self) -> None:
            pass

    slots = map_state.umap_slots()
    assert slots.try_start(Busy())
    try:
        at = AppTest.from_file(ENTRY, default_timeout=300)
        at.query_params["proj"] = "umap"
        at.run()
        at.switch_page("app_pages/map.py")
        at.run()
        at.button(key="map-umap-start").click().run()
        assert not at.exception, [e.value for e in at.exception]
        [warning] = [w.value for w in at.warning if "UMAP" in w.value]
        assert "Another visitor's UMAP fit is running" in warning and "within 4 minutes" in warning
        assert at.session_state["map-umap-jobs"] == {}  # nothing started for this session
    finally:
        release.set()
    assert slots.busy() == 0
