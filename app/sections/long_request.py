"""Heavy requests with a Cancel button and a time budget: the leaderboard recompute, sanity checks
over many digits, the test-set attacks.

The same mechanism as Compare's grid: a Cancel button drawn above the work, whose click makes
Streamlit stop the running script at its next progress update (the only place a click can reach a
running script), and a wall-clock budget (`explain.stopping.Deadline`) that the library loops ask
between units of work. What Compare does not need and these do: the request and what it finished
live in session state (`LongRequest`), so a cancelled or cut request still shows its finished units and
says what was cut, and a request interrupted by another widget carries on with what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from explain.stopping import Deadline, Stopped

WHY = {"cancelled": "Cancelled", "budget": "Stopped at the time budget"}


@dataclass(frozen=True)
class Failed:
    """A unit whose computation raised: shown in its place, the other units go on."""

    error: str


@dataclass
class LongRequest:
    """One request: its settings, its units of work (methods, attacks) in order, and how far it got."""

    settings: Any
    units: list[str]
    done: dict[str, Any] = field(default_factory=dict)  # unit → result (possibly cut part-way)
    reason: str | None = None  # "cancelled" or "budget" once it stopped early
    finished: bool = False
    seconds: float = 0.0  # of the last stretch of work
    view: Any = None  # what the page made of the results, kept so that reruns do not redo it

    @property
    def remaining(self) -> list[str]:
        return [u for u in self.units if u not in self.done]

    def stop(self, reason: str) -> None:
        self.reason, self.finished = reason, True


def start(key: str, settings: Any, units: list[str]) -> LongRequest:
    run = LongRequest(settings, list(units))
    st.session_state[key] = run
    return run


def current(key: str, settings: Any | None = None) -> LongRequest | None:
    """This session's request under `key` (only if it was for `settings`, when given)."""
    run = st.session_state.get(key)
    if run is None or (settings is not None and run.settings != settings):
        return None
    return run


class StopCheck:
    """The `should_stop` a unit of work gets: asking it updates the progress bar, which is where a
    Cancel click can stop the script, then says whether the budget is spent. Inside an
    `st.cache_data` function no element may be drawn: pass `.deadline` (the budget alone) there."""

    def __init__(self, bar: Any, deadline: Deadline) -> None:
        self.bar, self.deadline = bar, deadline
        self.fraction, self.text = 0.0, ""

    def __call__(self) -> bool:
        self.bar.progress(self.fraction, text=self.text)
        return self.deadline()


def drive(key: str, run: LongRequest, budget_s: float, work: Callable[[str, StopCheck], Any],
          label: Callable[[str], str]) -> None:
    """Compute the run's remaining units one by one, under `budget_s`, with a Cancel button above.

    `work(unit, should_stop)` computes one unit (passing `should_stop` on to the library loop); it
    may raise `Stopped` with a partial result. Results go straight into `run` (already in session
    state), *before* the next progress update: that update is where a Cancel click lands.
    """
    if run.finished:
        return
    slot = st.empty()
    if slot.button("Cancel", key=f"{key}-cancel", icon=":material/stop:", help="Stop after the current step; "
                   "what is finished stays on the page"):
        run.stop("cancelled")
        slot.empty()
        return
    todo = run.remaining
    bar = st.progress(0.0, text=f"{label(todo[0])}…" if todo else "")
    deadline = Deadline(budget_s)
    should_stop = StopCheck(bar, deadline)
    for k, unit in enumerate(todo):
        should_stop.fraction, should_stop.text = k / len(todo), f"{label(unit)} ({k + 1} of {len(todo)})…"
        if should_stop():
            break
        try:
            run.done[unit] = work(unit, should_stop)
        except Stopped as cut:
            run.done[unit] = cut.partial
        except Exception as exc:  # noqa: BLE001 - one failing unit must not lose the others
            run.done[unit] = Failed(f"{type(exc).__name__}: {exc}")
    run.seconds = deadline.elapsed
    if deadline.reason:
        run.stop(deadline.reason)
    run.finished = True
    bar.empty()
    slot.empty()


def report(run: LongRequest, what: str, cut_units: list[str], budget_s: float) -> None:
    """Say how the request ended: what was cut, and why."""
    if run.reason is None:
        return
    why = WHY[run.reason] + (f" ({budget_s:.0f} s per request)" if run.reason == "budget" else "")
    if cut_units:
        shown = f"{what} shows what was finished" if run.done else "nothing was finished"
        st.warning(f"{why}: {shown}; not computed: {', '.join(cut_units)}. "
                   "Press the button again to compute everything.")
    else:
        st.info(f"{why}, after everything was computed.")
