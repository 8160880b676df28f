"""Training in a background thread, so a page (or a notebook) stays responsive and can stop it.

A `TrainJob` belongs to whoever created it (in the app: one browser session); nothing here is
shared between jobs. Progress is appended under a lock and read as a snapshot.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from model.data import Split
from model.train import Progress, TrainConfig, TrainResult, train


@dataclass
class TrainJob:
    config: TrainConfig
    train_split: Split | None = None
    test_split: Split | None = None
    events: list[Progress] = field(default_factory=list)
    result: TrainResult | None = None
    error: str | None = None
    started: float = 0.0
    on_done: Callable[[], None] | None = None  # e.g. release a server-wide training slot
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

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

    def _run(self) -> None:
        try:
            self.result = train(self.config, self.train_split, self.test_split, on_progress=self._record,
                                should_stop=self._stop.is_set, report_every=50)
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

    def snapshot(self) -> list[Progress]:
        with self._lock:
            return list(self.events)

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running
