"""The Map page's UMAP fit is a job of the server's runner: it ends when its session is gone, within its
budget and on Cancel (the runner's cancel event, checked between epochs), and one runs at a time on a
server, with a message to whoever asks for a second (issue 24, item 4; issue 25)."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app.state import atlas as map_state
from app.state.resources import JOB_CAPS
from explain.atlas import projection
from model import jobs
from model.jobs import JobOptions, JobRefused, JobRunner

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def _epochs(features, settings=None, progress=None, stop=None, epochs: int = 2000):
    """umap-learn as fit_umap drives it, without its 20 s of compiling: an epoch at a time through the
    same epoch loop and reporter; the loop ends early once `stop` is set, and the fit raises Cancelled."""
    for _ in projection._epoch_loop(range(epochs), on_epoch=projection._EpochReporter(progress), stop=stop):
        time.sleep(0.005)
    if stop is not None and stop.is_set():
        raise projection.Cancelled("UMAP cancelled")
    return np.zeros((len(features), 2), np.float32)


def _start(runner: JobRunner, layer: str = "hidden1", features=None, alive=None, budget_s=300.0) -> map_state.UMAPJob:
    features = np.zeros((50, 4), np.float32) if features is None else features
    options = JobOptions(map_state.KIND, budget_s=budget_s, alive=alive)
    return map_state.UMAPJob("m", layer, runner.submit(map_state.umap_work(features), options))


def _wait(job: map_state.UMAPJob, timeout: float = 30) -> None:
    assert job.job.wait(timeout)


@pytest.fixture
def fake_fit(monkeypatch):
    monkeypatch.setattr(map_state, "fit_umap", _epochs)
    monkeypatch.setattr(jobs, "OWNER_GRACE_S", 0.3)
    monkeypatch.setattr(jobs, "OWNER_CHECK_EVERY_S", 0.02)


def test_a_fit_ends_soon_after_its_session_is_gone_and_frees_its_slot(fake_fit):
    connected = threading.Event()
    connected.set()
    runner = JobRunner(JOB_CAPS)
    features = np.zeros((50, 4), np.float32)
    held = weakref.ref(features)
    job = _start(runner, features=features, alive=connected.is_set)
    del features
    time.sleep(0.2)
    assert job.running and job.fraction > 0.3  # fitting, epoch after epoch, with its owner there
    connected.clear()  # the tab is closed
    started = time.monotonic()
    _wait(job)
    assert time.monotonic() - started < 0.3 + 2  # the grace period, then the next epoch
    assert job.end_reason == "owner gone" and job.coords is None and "session was closed" in job.error
    assert runner.busy("umap") == 0
    gc.collect()
    assert held() is None  # the ended job keeps no reference to the layer's features


def test_a_fit_ends_at_its_budget_and_on_cancel(fake_fit, monkeypatch):
    runner = JobRunner(JOB_CAPS)
    job = _start(runner, budget_s=0.2)
    _wait(job)
    assert job.end_reason == "budget" and "budget" in job.error
    job = _start(runner)
    job.cancel()
    _wait(job)
    assert job.end_reason == "cancelled" and job.error == "cancelled"
    monkeypatch.setattr(map_state, "fit_umap", lambda features, **kw: _epochs(features, epochs=20, **kw))
    job = _start(runner)
    _wait(job)
    assert job.end_reason == "finished" and job.error is None and job.coords.shape == (50, 2)


def test_one_fit_at_a_time_on_a_server(fake_fit):
    runner = JobRunner(JOB_CAPS)
    first = _start(runner)
    with pytest.raises(JobRefused) as refused:
        _start(runner, "hidden2")
    assert refused.value.kind == "umap" and 0 < refused.value.next_free_in_s <= 300
    first.cancel()
    _wait(first)
    second = _start(runner, "hidden2")
    second.cancel()
    _wait(second)


def test_a_second_session_asking_for_a_fit_is_told_why_not(monkeypatch):
    monkeypatch.setattr(map_state, "shipped_coords", lambda loaded, layer: None)  # as for a model of one's own
    release = threading.Event()

    def other_visitors_fit(job: jobs.Job) -> None:  # holds the server's one slot until released
        while not release.wait(0.02) and not job.should_stop():
            pass

    runner = map_state.job_runner()
    busy = runner.submit(other_visitors_fit, JobOptions("umap", budget_s=200.0))
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
    assert busy.wait(10) and runner.busy("umap") == 0
