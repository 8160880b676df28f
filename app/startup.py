"""Start-up, in one place: from the server's first second to every page's default view in the caches.

Why it is staged: a fresh server's first visitor would otherwise wait for `import torch` (1.5–2.7 s of one
core here) and the app's torch side (`app.state`: the model, the caches) before the first prediction. So:

1. SERVER_UP      the launcher (app/cli.py) starts `preload_when_idle`: if nobody comes within IDLE_S, the
                  torch side is imported before anyone asks.
2. FIRST_ANSWER   the Draw page answers its first strokes with the bundled network in numpy
                  (`bundled_numpy`) and sets `first_answer`; every other page loads the torch side itself.
3. TORCH_SIDE     the warm-up thread (`start`) imports `app.state` (at most FIRST_ANSWER_WAIT_S after the
                  first page run) and the libraries Draw's maps need, and starts the out-of-distribution fit.
4. WARM           once a full page has been served (or SERVED_WAIT_S later): the other libraries and every
                  method's first call (DIGIT_LENS_WARM_UP=0 skips the calls).
5. PRIMED         every page's default view computed through the pages' own cached functions
                  (app/state/default_views.py; DIGIT_LENS_PRIME=0 skips it).

A step that fails is logged and kept in `Startup.failures` (the Home page lists them); the rest go on.
This module must stay torch-free at import (tests/test_boot.py): the torch side is imported by name.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import streamlit as st

from model import tuning
from model.numpy_mlp import NumpyMLP
from model.paths import bundled_checkpoint

log = logging.getLogger("digit_lens.startup")

TORCH_SIDE = "app.state.caches"  # importing it imports torch, the model, explain and the caches
IDLE_S = 2.0  # no visitor this long after the server is up: import the torch side before anyone asks
FIRST_ANSWER_WAIT_S = 5.0  # the warm-up's imports start at most this long after the first page run
# After the first answer, before the imports: torch's import holds the interpreter lock for tenths of a
# second at a time (its shared libraries load under it), which held that answer back from the browser.
# Measured, not derived: BENCHMARKS.md's first-prediction figure depends on it.
ANSWER_S = 0.3
SERVED_WAIT_S = 10.0  # the libraries no page has asked for yet: at most this long after the torch side

# What each page imports before it can run (its own explainers wait inside explain/ as needed): Draw and
# Explore show a prediction first and pull in captum when they reach the maps; Home's and Explore's tables
# go through pandas (Streamlit's serialiser imports it: never from two threads). Our components send bytes
# (app/components/base.py), so Draw needs none of them. A page not listed waits for every group.
NEEDS: dict[str, tuple[str, ...]] = {"index": ("pandas",), "home": ("pandas",), "draw": (), "explore": ("pandas",)}


class Phase(Enum):
    SERVER_UP = "server up"
    FIRST_ANSWER = "first answer sent"
    TORCH_SIDE = "PyTorch and the model loaded"
    WARM = "explainer libraries loaded, methods warmed up"
    PRIMED = "default views computed"
    STOPPED = "stopped"


@dataclass(eq=False)
class Startup:
    """The process's start-up: its events (set once, read without a lock) and what it has reached."""

    first_answer: threading.Event = field(default_factory=threading.Event)  # a visitor has an answer
    page_served: threading.Event = field(default_factory=threading.Event)  # a full page (torch, maps) has run
    torch_side: threading.Event = field(default_factory=threading.Event)  # app.state has finished importing
    stop: threading.Event = field(default_factory=threading.Event)  # the interpreter is exiting
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _phase: Phase = Phase.SERVER_UP
    _failures: list[str] = field(default_factory=list)

    def reached(self, phase: Phase) -> None:
        with self._lock:
            self._phase = phase
        log.info("start-up: %s", phase.value)

    def step(self, name: str, work: Callable[[], object]) -> None:
        """Run one start-up step; a failure is logged and kept, never swallowed, and the next step runs."""
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - reported below and on the Home page; start-up goes on
            log.exception("start-up step %r failed", name)
            with self._lock:
                self._failures.append(f"{name}: {type(exc).__name__}: {exc}")

    def snapshot(self) -> tuple[Phase, list[str]]:
        with self._lock:
            return self._phase, list(self._failures)


@st.cache_resource
def startup() -> Startup:
    return Startup()


@st.cache_resource
def bundled_numpy() -> NumpyMLP:
    """The bundled network's forward pass in numpy: Draw's answer before torch is in."""
    return NumpyMLP.load(bundled_checkpoint())


def torch_side_loaded() -> bool:
    """Whether the torch side has finished importing, here or in any thread (a test, a page's own import)."""
    s = startup()
    if not s.torch_side.is_set():
        module = sys.modules.get(TORCH_SIDE)
        # A module is in sys.modules from the start of its import; Python marks one still importing with
        # `__spec__._initializing` (its own import fast path reads the flag), so only a finished one counts.
        if module is not None and getattr(module.__spec__, "_initializing", True) is False:
            s.torch_side.set()
    return s.torch_side.is_set()


def load_torch_side() -> None:
    """Import the torch side in this thread if it is not in yet; if another thread is importing it, Python's
    module lock makes this wait for that import. Only a finished import sets the event."""
    s = startup()
    if not s.torch_side.is_set():
        importlib.import_module(TORCH_SIDE)
        s.torch_side.set()


def load_torch_side_with_spinner() -> None:
    if not torch_side_loaded():
        with st.spinner("Loading PyTorch and the app's models (once per server start)…"):
            load_torch_side()


def first_answer_sent(page_served: bool = False) -> None:
    """A visitor has an answer: the warm-up may import the torch side. With `page_served`, a full page has
    run: it may import everything else and warm every method up."""
    s = startup()
    s.first_answer.set()
    if page_served:
        s.page_served.set()


def wait_for_imports(*groups: str) -> None:
    """Block until these library groups (all when none are named) are imported, with a spinner if not yet."""
    from explain.imports import ensure_imported, imported

    if not imported(*groups):
        with st.spinner("Loading the explainer libraries (once per server start)…"):
            ensure_imported(*groups)


def before_page(url_path: str) -> bool:
    """Load what this page needs before it runs; True when it runs torch-free (Draw, torch not in yet)."""
    if url_path == "draw" and not torch_side_loaded():
        return True
    load_torch_side_with_spinner()
    needs = NEEDS.get(url_path)
    if needs is None:  # a page not listed: every group
        wait_for_imports()
    elif needs:
        wait_for_imports(*needs)
    return False


@st.cache_resource
def start() -> threading.Thread:
    """Once per process, in the background: phases 3–5 above."""
    s = startup()
    thread = threading.Thread(target=_warm_up, args=(s,), name="warm-up", daemon=True)
    thread.start()
    # A daemon thread still inside torch when the interpreter finalises aborts the process
    # ("terminate called without an active exception"): stop it between steps and wait.
    atexit.register(lambda: (s.stop.set(), thread.join(timeout=30)))
    return thread


def _warm_up(s: Startup) -> None:
    s.first_answer.wait(FIRST_ANSWER_WAIT_S)
    time.sleep(ANSWER_S)
    load_torch_side()  # not a step: without the torch side no page works, and the Draw page raises its error
    s.reached(Phase.TORCH_SIDE)
    from app.state.resources import bundled_model, digit_likeness_fit
    from explain.imports import ensure_imported
    from explain.warmup import import_and_warm_up

    likeness = threading.Thread(target=s.step, args=("out-of-distribution fit", digit_likeness_fit),
                                name="likeness-fit", daemon=True)
    likeness.start()
    s.step("imports for Draw's maps", lambda: ensure_imported("methods", "captum"))
    s.page_served.wait(SERVED_WAIT_S)
    s.step("imports and first calls", lambda: import_and_warm_up(bundled_model().model, s.stop,
                                                                   first_calls=tuning.switch("WARM_UP")))
    likeness.join()
    s.reached(Phase.WARM)
    if tuning.switch("PRIME") and not s.stop.is_set():
        from app.state.default_views import prime

        prime(bundled_model(), s.stop, s.step)
        s.reached(Phase.PRIMED)
    if s.stop.is_set():
        s.reached(Phase.STOPPED)


def preload_when_idle() -> None:
    """Phase 1, started by the launcher: if nobody has come IDLE_S after the server is up, load the torch
    side, so a later visitor waits for none of it; if someone has, the warm-up loads it once that visitor
    has an answer. Only once the server is up: importing beside Streamlit's own start delays it (one
    interpreter lock for both threads)."""
    from app.streamlit_private import runtime_idle, runtime_started

    while not runtime_started():
        time.sleep(0.05)
    deadline = time.monotonic() + IDLE_S
    while time.monotonic() < deadline:
        if not runtime_idle():
            return  # a visitor (or the server is stopping)
        time.sleep(0.05)
    load_torch_side()
