"""The one runner for background work: training, UMAP fits, seed ensembles, anything that outlives a request.

A `JobRunner` (one per server; the app holds it in `st.cache_resource`) starts each job in a thread of its
own and caps how many of each kind run at once; a full kind is refused at once (`JobRefused` says when a
slot frees at the latest), never queued. A `Job` is compared by identity. Its work is a function of the job
that asks `job.should_stop()` between its steps: true after `job.cancel()` (a Stop press), when the job's
wall-clock budget is spent, or when its owner (in the app: a browser session) has been gone for
OWNER_GRACE_S. Everything the job publishes (progress, result, error, end reason) is written and read under
the job's lock. One atexit hook, registered when this module is imported, cancels every running job of
every runner and waits for it.

Why threads we start ourselves and not a `concurrent.futures` pool: a pool queues work past its size (we
refuse instead), and Python joins a pool's threads at exit *before* atexit hooks run, so a running
10-minute training would hold the exit until it ended instead of stopping at its next step.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from model import tuning

BUDGET_S = 600.0  # wall clock per job unless its options say otherwise: no job holds a slot for longer
# The owner may look gone this long (a reconnecting tab) before the job ends; tests shorten it.
OWNER_GRACE_S = tuning.seconds("OWNER_GRACE_S", 15.0)
OWNER_CHECK_EVERY_S = 1.0
EXIT_WAIT_S = 60.0  # at interpreter exit, per job: its current step ends, then it does


class Cancelled(Exception):
    """Raised by a job's work when it stops between steps and has nothing to return (the runner records why)."""


class JobRefused(RuntimeError):
    """Every slot of this kind is busy on this server; `next_free_in_s` bounds the wait for one."""

    def __init__(self, kind: str, cap: int, next_free_in_s: float) -> None:
        self.kind, self.cap, self.next_free_in_s = kind, cap, next_free_in_s
        super().__init__(f"{cap} {kind} job{'s' * (cap != 1)} already running on this server; "
                         f"one ends within {next_free_in_s / 60:.0f} min at the latest")


@dataclass(frozen=True)
class JobOptions:
    """How a job runs: its kind (the runner caps each kind), wall-clock budget and owner."""

    kind: str
    budget_s: float = BUDGET_S
    alive: Callable[[], bool] | None = None  # is the owner still there? asked about once a second
    name: str = ""  # the thread's name, for debugging (the kind when empty)


class OwnerWatch:
    """Is a background job's owner (in the app: a browser session) still there?

    `gone()` asks `alive` at most every OWNER_CHECK_EVERY_S and is true once the owner has looked absent
    for OWNER_GRACE_S in a row (a reconnecting tab is not gone). With `alive` None the owner is always there."""

    def __init__(self, alive: Callable[[], bool] | None) -> None:
        self.alive = alive
        self._last_check = 0.0
        self._missing_since: float | None = None

    def gone(self) -> bool:
        if self.alive is None:
            return False
        now = time.monotonic()
        if now - self._last_check >= OWNER_CHECK_EVERY_S:  # module globals, read now: tests shorten them
            self._last_check = now
            if self.alive():
                self._missing_since = None
            else:
                self._missing_since = self._missing_since or now
        return self._missing_since is not None and now - self._missing_since >= OWNER_GRACE_S


@dataclass(frozen=True)
class JobSnapshot:
    """What a job has published, read at one moment under its lock."""

    progress: Any
    result: Any
    error: str | None
    end_reason: str | None  # "finished", "cancelled", "budget", "owner gone" or "failed"; None while running
    running: bool


class Job:
    """One piece of background work (made by `JobRunner.submit`). Compared by identity, like any object."""

    def __init__(self, work: Callable[[Job], Any], options: JobOptions) -> None:
        self.options = options
        self.cancel_event = threading.Event()  # set by cancel(), the budget or the owner's absence
        self._work: Callable[[Job], Any] | None = work
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._owner = OwnerWatch(options.alive)  # asked from the job's own thread only
        self._progress: Any = None
        self._result: Any = None
        self._error: str | None = None
        self._end_reason: str | None = None
        self._stop_reason: str | None = None
        self._stopped_early = False  # the work saw the cancel event (it did not just finish)
        self.started = 0.0
        self._thread: threading.Thread | None = None

    # The work's side, from the job's thread.
    def should_stop(self) -> bool:
        """Asked by the work between steps: a cancel, the budget spent or the owner gone for OWNER_GRACE_S."""
        if not self.cancel_event.is_set():
            if self.remaining_s() <= 0:
                self.cancel("budget")
            elif self._owner.gone():
                self.cancel("owner gone")
        if self.cancel_event.is_set():
            with self._lock:
                self._stopped_early = True
            return True
        return False

    def report(self, progress: Any) -> None:
        """Publish the work's progress (an immutable value: readers get it as it is)."""
        with self._lock:
            self._progress = progress

    # The owner's side, from any thread.
    def cancel(self, reason: str = "cancelled") -> None:
        """Ask the work to end at its next step (the first reason given is the one recorded)."""
        with self._lock:
            self._stop_reason = self._stop_reason or reason
        self.cancel_event.set()

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return JobSnapshot(self._progress, self._result, self._error, self._end_reason, self.running)

    @property
    def progress(self) -> Any:
        with self._lock:
            return self._progress

    @property
    def result(self) -> Any:
        with self._lock:
            return self._result

    @property
    def error(self) -> str | None:
        with self._lock:
            return self._error

    @property
    def end_reason(self) -> str | None:
        with self._lock:
            return self._end_reason

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    @property
    def stopping(self) -> bool:
        return self.cancel_event.is_set() and self.running

    def remaining_s(self) -> float:
        """Seconds left of the wall-clock budget (the whole budget before the start)."""
        if not self.started:
            return self.options.budget_s
        return max(0.0, self.options.budget_s - (time.monotonic() - self.started))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended (and left its runner's slot); False on timeout."""
        return self._thread is None or self._done.wait(timeout)

    def _finish(self, result: Any, error: str | None, stopped: bool) -> None:
        with self._lock:
            early = stopped or self._stopped_early
            self._result, self._error = result, error
            self._end_reason = "failed" if error else (self._stop_reason or "cancelled") if early else "finished"
            self._work = None  # drop what the work held (features, splits) as soon as it ends


class JobRunner:
    """Runs jobs in background threads, at most `caps[kind]` of a kind at once (a kind not in `caps` is
    not capped). Thread-safe."""

    def __init__(self, caps: Mapping[str, int] | None = None) -> None:
        self.caps = dict(caps or {})
        self._lock = threading.Lock()
        self._running: set[Job] = set()  # by identity: two jobs with equal settings are two jobs
        _RUNNERS.add(self)

    def submit(self, work: Callable[[Job], Any], options: JobOptions) -> Job:
        """Start `work(job)` in a thread of its own, or raise JobRefused when the kind's slots are all busy."""
        job = Job(work, options)
        with self._lock:
            cap = self.caps.get(options.kind)
            if cap is not None and self._count(options.kind) >= cap:
                raise JobRefused(options.kind, cap, self._next_free_in_s(options.kind))
            self._running.add(job)
            job.started = time.monotonic()
            job._thread = threading.Thread(target=self._run, args=(job,), name=options.name or options.kind,
                                           daemon=True)  # never holds the exit: the atexit hook stops it
            job._thread.start()
        return job

    def _run(self, job: Job) -> None:
        result, error, stopped = None, None, False
        try:
            result = job._work(job)
        except Cancelled:
            stopped = True
        except Exception as exc:  # noqa: BLE001 - reported to whoever owns the job; the thread never dies silently
            error = f"{type(exc).__name__}: {exc}"
        finally:
            job._finish(result, error, stopped)
            with self._lock:
                self._running.discard(job)
            job._done.set()  # last: a waiter finds the slot free

    def _count(self, kind: str) -> int:
        return sum(1 for j in self._running if j.options.kind == kind)

    def _next_free_in_s(self, kind: str) -> float:
        remaining = [j.remaining_s() for j in self._running if j.options.kind == kind]
        return min(remaining) if remaining else 0.0

    def busy(self, kind: str) -> int:
        """How many jobs of this kind are running."""
        with self._lock:
            return self._count(kind)

    def next_free_in_s(self, kind: str) -> float:
        """Upper bound on the wait for a slot of this kind (0 when one is free): the shortest remaining budget."""
        with self._lock:
            cap = self.caps.get(kind)
            if cap is None or self._count(kind) < cap:
                return 0.0
            return self._next_free_in_s(kind)

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._running)

    def shutdown(self, timeout_s: float = EXIT_WAIT_S) -> bool:
        """Cancel every running job and wait for each (at most `timeout_s` each); True when all ended."""
        jobs = self.jobs()
        for job in jobs:
            job.cancel()
        ended = [job.wait(timeout_s) for job in jobs]  # every one waited for, even after a timeout
        return all(ended)


_RUNNERS: weakref.WeakSet[JobRunner] = weakref.WeakSet()  # a runner with running jobs is held by their threads


def _shut_down_all() -> None:
    """The one atexit hook: end every job after its current step instead of killing its thread inside
    torch or numba at exit (which aborts the process)."""
    for runner in list(_RUNNERS):
        runner.shutdown()


atexit.register(_shut_down_all)
