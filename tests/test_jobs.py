"""The one job runner (model.jobs, issue 25): jobs compared by identity, a cap per kind with a clear refusal,
cancellation checked between steps, one atexit hook for every runner, everything published under the
job's lock."""

from __future__ import annotations

import atexit
import threading
import time

import pytest

from model import jobs
from model.data import Split
from model.jobs import Job, JobOptions, JobRefused, JobRunner
from model.train import TrainConfig
from model.train_job import TrainJob


def _until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def _held(release: threading.Event):
    """A work that runs until `release` is set or it is told to stop (asked between 10 ms steps)."""

    def work(job: Job) -> str:
        while not release.wait(0.01):
            if job.should_stop():
                return "stopped"
        return "released"

    return work


def test_jobs_with_equal_settings_are_two_jobs():
    runner = JobRunner({"train": 2})
    release_a, release_b = threading.Event(), threading.Event()
    options = JobOptions("train", budget_s=60)
    a = runner.submit(_held(release_a), options)
    b = runner.submit(_held(release_b), options)
    assert a != b and len({a, b}) == 2
    release_a.set()
    assert a.wait(10) and a.result == "released"
    assert runner.jobs() == [b] and b.running  # a's end released a's slot, not an equal job's
    release_b.set()
    assert b.wait(10) and runner.busy("train") == 0


@pytest.mark.slow
def test_train_jobs_with_equal_configs_are_two_jobs(train_split, test_split):
    small = Split(test_split.images[:200], test_split.labels[:200])
    config = TrainConfig(hidden=(16,), epochs=100, train_size=5000)
    runner = JobRunner({"train": 2})
    first, second = (TrainJob(config, train_split, small).start(runner) for _ in range(2))
    assert first != second and first.config == second.config
    first.stop()
    assert first.wait(60) and first.end_reason == "cancelled"
    assert second.running and runner.busy("train") == 1 and runner.jobs() == [second.job]
    second.stop()
    assert second.wait(60)


def test_each_kind_has_its_own_cap_and_a_full_kind_is_refused_with_a_reason():
    runner = JobRunner({"train": 1, "umap": 1})
    release = threading.Event()
    try:
        train = runner.submit(_held(release), JobOptions("train", budget_s=120))
        umap = runner.submit(_held(release), JobOptions("umap", budget_s=60))  # another kind: its own slot
        others = [runner.submit(_held(release), JobOptions("other")) for _ in range(3)]  # not capped
        with pytest.raises(JobRefused, match=r"1 train job already running on this server; one ends within 2 min"):
            runner.submit(_held(release), JobOptions("train"))
        assert runner.busy("train") == 1 and runner.busy("umap") == 1 and runner.busy("other") == 3
        assert 0 < runner.next_free_in_s("train") <= 120 and runner.next_free_in_s("other") == 0
    finally:
        release.set()
    assert all(j.wait(10) for j in (train, umap, *others))
    assert runner.submit(_held(release), JobOptions("train")).wait(10)  # the slot is free again


def test_cancel_is_an_event_checked_between_steps():
    steps: list[tuple[int, str]] = []
    cancelled_at: list[int] = []

    def work(job: Job) -> int:
        done = 0
        while not job.should_stop():
            steps.append((done, "begin"))
            if done == 5:
                job.cancel()  # as a Stop press arriving during a step
                cancelled_at.append(done)
            time.sleep(0.01)
            steps.append((done, "end"))  # the step in progress always completes
            done += 1
        return done

    job = JobRunner().submit(work, JobOptions("test"))
    assert job.wait(10)
    assert job.result == 6 and job.end_reason == "cancelled" and job.error is None
    assert steps[-1] == (5, "end") and cancelled_at == [5]


def test_reasons_for_the_end_budget_owner_failure_and_cancel_before_any_step(monkeypatch):
    monkeypatch.setattr(jobs, "OWNER_GRACE_S", 0.05)
    monkeypatch.setattr(jobs, "OWNER_CHECK_EVERY_S", 0.01)
    runner, never = JobRunner(), threading.Event()
    budget = runner.submit(_held(never), JobOptions("x", budget_s=0.1))
    owner = runner.submit(_held(never), JobOptions("x", alive=lambda: False))

    def fails(job: Job) -> None:
        raise ValueError("bad input")

    failed = runner.submit(fails, JobOptions("x"))

    def cancelled(job: Job) -> None:
        raise jobs.Cancelled  # a work that cannot return (UMAP's fit) stops by raising this

    gave_up = runner.submit(cancelled, JobOptions("x"))
    assert all(j.wait(10) for j in (budget, owner, failed, gave_up))
    assert (budget.end_reason, budget.result) == ("budget", "stopped")
    assert (owner.end_reason, owner.result) == ("owner gone", "stopped")
    assert (failed.end_reason, failed.error) == ("failed", "ValueError: bad input")
    assert (gave_up.end_reason, gave_up.error) == ("cancelled", None)


def test_one_atexit_hook_for_all_runners_and_jobs():
    before = atexit._ncallbacks()
    runners = [JobRunner({"train": 2}) for _ in range(2)]
    release = threading.Event()
    started = [r.submit(_held(release), JobOptions("train")) for r in runners for _ in range(2)]
    assert atexit._ncallbacks() == before  # no hook per runner or per job
    jobs._shut_down_all()  # what runs at exit: every job of every runner cancelled and waited for
    assert not any(j.running for j in started)
    assert {j.end_reason for j in started} == {"cancelled"} and {j.result for j in started} == {"stopped"}


EXITING = """
import atexit, sys, time
hooks = []
register = atexit.register
atexit.register = lambda fn, *a, **k: (hooks.append(fn), register(fn, *a, **k))[1]
from model.jobs import JobOptions, JobRunner

def work(job):
    while not job.should_stop():
        time.sleep(0.01)
    with open(sys.argv[1], "a") as out:
        out.write("ended between steps\\n")

for runner in (JobRunner({"train": 2}), JobRunner()):
    for _ in range(2):
        runner.submit(work, JobOptions("train"))
print(len(hooks))
"""


def test_at_exit_the_one_hook_ends_every_running_job_between_steps(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    marker = tmp_path / "ended.txt"
    done = subprocess.run([sys.executable, "-c", EXITING, str(marker)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"]  # one hook, registered when model.jobs was imported
    assert marker.read_text().splitlines() == ["ended between steps"] * 4


def test_progress_and_the_end_are_published_under_the_jobs_lock():
    go, ended = threading.Event(), threading.Event()

    def work(job: Job) -> str:
        job.report(1)
        go.wait(10)
        job.report(2)
        ended.set()
        return "done"

    job = JobRunner().submit(work, JobOptions("test"))
    _until(lambda: job.progress == 1)
    with job._lock:  # a reader holding the lock sees one state: the work's report and its end wait for it
        go.set()
        assert not ended.wait(0.3)  # the work's next report waits for the lock
        assert job._progress == 1 and job._result is None and job._end_reason is None and job.running
    assert job.wait(10)
    assert job.snapshot() == jobs.JobSnapshot(2, "done", None, "finished", False)


def test_a_train_jobs_snapshot_is_one_consistent_state(train_split, test_split):
    """Two runs of different lengths: a snapshot never shows one run's curves beside another's index."""
    small = Split(test_split.images[:200], test_split.labels[:200])
    configs = [TrainConfig(hidden=(16,), epochs=e, train_size=1000, seed=s, batch_size=16) for s, e in ((0, 1), (1, 2))]
    job = TrainJob(configs[0], train_split, small, more=(configs[1],)).start(JobRunner())
    seen = []
    while job.running:
        seen.append(job.progress())
        time.sleep(0.001)
    assert job.error is None and job.end_reason == "finished"
    seen.append(job.progress())
    assert {s.run for s in seen} == {0, 1}
    for s in seen:
        assert all(e.epochs == configs[s.run].epochs for e in s.events)
        assert len(s.hooks) == s.run + 1 and len(s.results) in (s.run, s.run + 1)
        assert [r.config for r in s.results] == configs[: len(s.results)]
