"""Training as a background job of the runner (model.jobs), so a page (or a notebook) stays responsive and can
stop it.

A `TrainJob` belongs to whoever created it (in the app: one browser session). It is one or more runs
(several seeds of one model) one after another in one job of kind "train"; it ends on its own after its
wall-clock budget or when its owner is gone. What it publishes is one immutable `TrainProgress` at a time,
so a reader never sees the results of one run beside the curves of another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from model.data import Split
from model.epoch_checkpoints import keep_epochs, spread_epochs
from model.jobs import BUDGET_S, Job, JobOptions, JobRunner
from model.run_checkpoints import RunCheckpoints, run_checkpoints
from model.train import Progress, TrainConfig, TrainResult, train

KIND = "train"
EpochHook = Callable[[int, Any], None]


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


@dataclass(frozen=True)
class TrainProgress:
    """A training job's state at one moment (published whole, never changed in place)."""

    run: int = 0  # 0-based index of the run in progress (or the last one)
    events: tuple[Progress, ...] = ()  # of that run
    results: tuple[TrainResult, ...] = ()  # of the finished runs
    hooks: tuple[EpochHook | None, ...] = ()  # each started run's per-epoch callback, beside `results`
    checkpoints: tuple[RunCheckpoints | None, ...] = ()  # each finished run's kept epochs (keep_checkpoints)


def _both(first: EpochHook | None, second: EpochHook | None) -> EpochHook | None:
    """One on_epoch callback calling both (either may be None)."""
    if first is None or second is None:
        return first or second

    def on_epoch(epoch: int, model: Any) -> None:
        first(epoch, model)
        second(epoch, model)

    return on_epoch


_shared: JobRunner | None = None


def shared_runner() -> JobRunner:
    """Without a runner of its own (a notebook, a script): one uncapped runner for the process."""
    global _shared
    if _shared is None:
        _shared = JobRunner()
    return _shared


@dataclass(eq=False)  # compared by identity: two jobs with equal settings are two jobs
class TrainJob:
    """One or more runs (say several seeds of one model), one after another in one background job."""

    config: TrainConfig
    train_split: Split | None = None
    test_split: Split | None = None
    more: tuple[TrainConfig, ...] = ()  # further runs of the same job, after `config`
    budget_s: float = BUDGET_S
    alive: Callable[[], bool] | None = None  # is the owner still there? asked about once a second
    # A fresh per-epoch callback for each run (e.g. explain.atlas.training_record.TrainingRecorder), kept in
    # `epoch_hooks` beside `results` so the owner can read what it recorded.
    on_epoch_factory: Callable[[TrainConfig], EpochHook] | None = None
    # Keep ~5 epochs of each run (model.run_checkpoints) for TracIn, in `checkpoints` beside `results`.
    keep_checkpoints: bool = False
    job: Job | None = field(default=None, init=False, repr=False)

    @property
    def configs(self) -> tuple[TrainConfig, ...]:
        return (self.config, *self.more)

    def start(self, runner: JobRunner | None = None) -> TrainJob:
        """Submit to `runner` (raises model.jobs.JobRefused when its training slots are all busy)."""
        if self.job is not None:
            raise RuntimeError("this job was already started")
        options = JobOptions(KIND, budget_s=self.budget_s, alive=self.alive, name="train-job")
        self.job = (runner or shared_runner()).submit(self._work, options)
        return self

    def _work(self, job: Job) -> TrainProgress:
        # One intra-op thread for this job only (the setting is per thread): a small MLP's steps gain
        # nothing from two, and with two, every op waits for both OpenMP threads to be scheduled; on a
        # busy 2-core server that made a step take ~1 s instead of ~1 ms. It also leaves the second
        # core to the sessions that are explaining.
        torch.set_num_threads(1)
        state = TrainProgress()
        for i, config in enumerate(self.configs):
            if i and job.should_stop():
                break
            hook = self.on_epoch_factory(config) if self.on_epoch_factory is not None else None
            state = replace(state, run=i, events=(), hooks=(*state.hooks, hook))
            job.report(state)

            def record(event: Progress) -> None:
                nonlocal state
                state = replace(state, events=(*state.events, event))
                job.report(state)

            keep, kept = keep_epochs(spread_epochs(config.epochs)) if self.keep_checkpoints else (None, {})
            result = train(config, self.train_split, self.test_split, on_progress=record,
                           should_stop=job.should_stop, report_every=50, on_epoch=_both(hook, keep))
            cps = run_checkpoints(result, kept, len(self.train_split) if self.train_split is not None else 60_000) \
                if self.keep_checkpoints else None
            state = replace(state, results=(*state.results, result), checkpoints=(*state.checkpoints, cps))
            job.report(state)
            if result.stopped:
                break
        return state

    def progress(self) -> TrainProgress:
        """Everything published so far, as one consistent value."""
        return (self.job.progress if self.job is not None else None) or TrainProgress()

    def snapshot(self) -> list[Progress]:
        """The progress events of the run in progress (or the last one)."""
        return list(self.progress().events)

    @property
    def results(self) -> tuple[TrainResult, ...]:
        return self.progress().results

    @property
    def epoch_hooks(self) -> tuple[EpochHook | None, ...]:
        return self.progress().hooks

    @property
    def checkpoints(self) -> tuple[RunCheckpoints | None, ...]:
        """Each finished run's kept checkpoints, beside `results` (None without keep_checkpoints)."""
        return self.progress().checkpoints

    @property
    def result(self) -> TrainResult | None:
        """The last finished run's result (the only one for a single run)."""
        results = self.results
        return results[-1] if results else None

    @property
    def run_index(self) -> int:
        return self.progress().run

    @property
    def error(self) -> str | None:
        return self.job.error if self.job is not None else None

    @property
    def end_reason(self) -> str | None:
        """"finished", "cancelled" (Stop), "budget", "owner gone" or "failed"; None while running."""
        return self.job.end_reason if self.job is not None else None

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    @property
    def stopping(self) -> bool:
        return self.job is not None and self.job.stopping

    def stop(self) -> None:
        """Ask the job to end after the current step; it keeps the best completed epoch."""
        if self.job is not None:
            self.job.cancel()

    def remaining_s(self) -> float:
        """Seconds left of the wall-clock budget (the budget itself before the start)."""
        return self.job.remaining_s() if self.job is not None else self.budget_s

    def wait(self, timeout: float | None = None) -> bool:
        return self.job is None or self.job.wait(timeout)
