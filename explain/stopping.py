"""When a long batched loop stops early: a wall-clock budget, a caller's cancel check, or both.

The loops over methods, digits, radii or randomisation steps (`run_leaderboard`, `cascade_many`,
`accuracy_curve`) take a `should_stop` callable, asked between units of work; they return what they
finished and say what they cut. `Deadline` is the usual `should_stop`. No Streamlit here: the app
passes its own check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

ShouldStop = Callable[[], bool]


@dataclass
class Deadline:
    """True once `budget_s` seconds have passed since it was made, or once `cancel()` says so
    (a `threading.Event().is_set`, say). `reason` then says which: "budget" or "cancelled"."""

    budget_s: float | None = None
    cancel: ShouldStop | None = None
    started: float = field(default_factory=time.perf_counter)
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.budget_s is not None and not self.budget_s > 0:
            raise ValueError(f"budget_s must be positive, got {self.budget_s!r}")

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __call__(self) -> bool:
        if self.reason is None:
            if self.cancel is not None and self.cancel():
                self.reason = "cancelled"
            elif self.budget_s is not None and self.elapsed > self.budget_s:
                self.reason = "budget"
        return self.reason is not None


class Stopped(Exception):  # noqa: N818 - a signal carrying a result, not an error
    """Raised by a caching wrapper whose computation was cut: a partial result must not be cached
    as if it were the whole one. `partial` is what was finished (None where a part means nothing: TCAV
    against fewer random concepts is another test, so `explain.known.tcav.tcav` raises it with None)."""

    def __init__(self, partial: object) -> None:
        super().__init__("stopped before the end")
        self.partial = partial


def stopped(should_stop: ShouldStop | None) -> bool:
    return should_stop is not None and should_stop()
