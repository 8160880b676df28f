"""Training in a background thread, so a page (or a notebook) stays responsive and can stop it.

A `TrainJob` belongs to whoever created it (in the app: one browser session); nothing here is
shared between jobs. Progress is appended under a lock and read as a snapshot. Every job ends on
its own: after its wall-clock budget, or when its owner is gone (`alive` says so for a while);
`TrainingSlots` bounds how many run at once on a server and says when the next one frees.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from model import tuning
from model.data import Split
from model.train import Progress, TrainConfig, TrainResult, train

BUDGET_S = 600.0  # wall clock per job (a group of runs shares it): no run holds a slot for longer
# The owner may look gone this long (a reconnecting tab) before the job ends; tests shorten it.
OWNER_GRACE_S = tuning.seconds("OWNER_GRACE_S", 15.0)
OWNER_CHECK_EVERY_S = 1.0


@dataclass(frozen=True)
class JobLimits:
    """Bounds on what one visitor may ask the server to train (the Train page checks them)."""

    max_hidden: int = 1024
    max_epochs: int = 20
    min_batch: int = 16
    max_runs: int = 3  # runs started together (several seeds) form one job
    budget_s: float = BUDGET_S

    def check(self, configs: Sequence[TrainConfig]) -> None:
        if not 1 <= len(configs) <= self.max_runs:
            raise ValueError(f"one job trains 1 to {self.max_runs} runs, got {len(configs)}")
        for c in configs:
            if max(c.hidden) > self.max_hidden:
                raise ValueError(f"hidden layers may have at most {self.max_hidden} units here, got {max(c.hidden)}")
            if c.epochs > self.max_epochs:
                raise ValueError(f"at most {self.max_epochs} epochs here, got {c.epochs}")
            if c.batch_size < self.min_batch:
                raise ValueError(f"batch size must be at least {self.min_batch} here, got {c.batch_size}")


MAX_HIDDEN = JobLimits().max_hidden


class OwnerWatch:
    """Is a background job's owner (in the app: a browser session) still there?

    `gone()` asks `alive` at most every OWNER_CHECK_EVERY_S and is true once the owner has looked absent
    for OWNER_GRACE_S in a row (a reconnecting tab is not gone). Any background work polls one: training
    between steps, a UMAP fit between epochs. With `alive` None the owner is always there."""

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


class SlotJob(Protocol):
    """What `TrainingSlots` needs of a job: training jobs and the Map page's UMAP fits both are."""

    started: float
    on_done: Callable[[], None] | None

    @property
    def running(self) -> bool: ...

    def remaining_s(self) -> float: ...

    def start(self) -> Any: ...


@dataclass
class TrainJob:
    """One or more runs (say several seeds of one model), one after another in one thread: one job."""

    config: TrainConfig
    train_split: Split | None = None
    test_split: Split | None = None
    more: tuple[TrainConfig, ...] = ()  # further runs of the same job, after `config`
    budget_s: float = BUDGET_S
    alive: Callable[[], bool] | None = None  # is the owner still there? polled about once a second
    events: list[Progress] = field(default_factory=list)  # of the run in progress (or the last one)
    results: list[TrainResult] = field(default_factory=list)
    error: str | None = None
    end_reason: str | None = None  # "finished", "stopped", "budget" or "owner gone"
    started: float = 0.0
    on_done: Callable[[], None] | None = None  # e.g. release a server-wide training slot
    # A fresh per-epoch callback for each run (e.g. explain.atlas.training_record.TrainingRecorder), kept in
    # `epoch_hooks` beside `results` so the owner can read what it recorded.
    on_epoch_factory: Callable[[TrainConfig], Callable[[int, Any], None]] | None = None
    epoch_hooks: list[Callable[[int, Any], None] | None] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _owner: OwnerWatch | None = None

    @property
    def configs(self) -> tuple[TrainConfig, ...]:
        return (self.config, *self.more)

    @property
    def result(self) -> TrainResult | None:
        """The last finished run's result (the only one for a single run)."""
        return self.results[-1] if self.results else None

    def start(self) -> TrainJob:
        if self._thread is not None:
            raise RuntimeError("this job was already started")
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="train-job", daemon=True)
        # At interpreter exit, end the run after its current step instead of killing it inside torch
        # (which aborts the process).
        atexit.register(self._at_exit)
        self._thread.start()
        return self

    def _at_exit(self) -> None:
        self.stop()
        self.wait(timeout=60)

    def _record(self, event: Progress) -> None:
        with self._lock:
            self.events.append(event)

    def remaining_s(self) -> float:
        """Seconds left of the wall-clock budget (the budget itself before the start)."""
        if not self.started:
            return self.budget_s
        return max(0.0, self.budget_s - (time.monotonic() - self.started))

    def _should_stop(self) -> bool:
        """Polled every step: a Stop press, the budget spent, or the owner gone for OWNER_GRACE_S."""
        if self._stop.is_set():
            return True
        now = time.monotonic()
        if now - self.started >= self.budget_s:
            self.end_reason = "budget"
            return True
        self._owner = self._owner or OwnerWatch(self.alive)
        if self._owner.gone():
            self.end_reason = "owner gone"
            return True
        return False

    def _run(self) -> None:
        # One intra-op thread for this job only (the setting is per thread): a small MLP's steps gain
        # nothing from two, and with two, every op waits for both OpenMP threads to be scheduled; on a
        # busy 2-core server that made a step take ~1 s instead of ~1 ms. It also leaves the second
        # core to the sessions that are explaining.
        torch.set_num_threads(1)
        try:
            for i, config in enumerate(self.configs):
                if i and self._should_stop():
                    break
                with self._lock:
                    self.events = []
                hook = self.on_epoch_factory(config) if self.on_epoch_factory is not None else None
                self.epoch_hooks.append(hook)
                self.results.append(train(config, self.train_split, self.test_split, on_progress=self._record,
                                          should_stop=self._should_stop, report_every=50, on_epoch=hook))
                if self.results[-1].stopped:
                    break
            if self.end_reason is None:
                self.end_reason = "stopped" if self._stop.is_set() else "finished"
        except Exception as exc:  # noqa: BLE001 - reported to the page that owns the job
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            atexit.unregister(self._at_exit)
            if self.on_done is not None:
                self.on_done()

    def stop(self) -> None:
        """Ask the job to end after the current step; it keeps the best completed epoch."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def run_index(self) -> int:
        """0-based index of the run in progress (or the last one)."""
        return max(0, len(self.results) - (0 if self.running else 1))

    def snapshot(self) -> list[Progress]:
        with self._lock:
            return list(self.events)

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


class TrainingSlots:
    """How many jobs may run at once on this server, and when the next slot frees at the latest.

    Thread-safe; holds the running jobs only to read their remaining budget. Any `SlotJob` fits (the
    Map page keeps its UMAP fits in slots of their own).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._lock = threading.Lock()
        self._jobs: list[SlotJob] = []

    def try_start(self, job: SlotJob) -> bool:
        """Start `job` in a free slot (released when it ends), or return False when all are busy."""
        with self._lock:
            self._jobs = [j for j in self._jobs if j.running or not j.started]
            if len(self._jobs) >= self.n:
                return False
            self._jobs.append(job)
        previous = job.on_done

        def release() -> None:
            with self._lock:
                if job in self._jobs:
                    self._jobs.remove(job)
            if previous is not None:
                previous()

        job.on_done = release
        job.start()
        return True

    def busy(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs if j.running or not j.started)

    def next_free_in_s(self) -> float:
        """Upper bound on the wait for a slot: the shortest remaining budget among running jobs."""
        with self._lock:
            running = [j for j in self._jobs if j.running or not j.started]
        return 0.0 if len(running) < self.n else min(j.remaining_s() for j in running)
