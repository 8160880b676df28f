"""What the app does before torch is imported: start the background warm-up, and predict in numpy.

Why: a fresh server's first visitor would otherwise wait for `import torch` (1.5–2.7 s of one core here)
and the app's torch modules before the first prediction. The Draw page answers its first strokes with
the bundled network's forward pass in numpy (model.numpy_mlp) and shows the maps once torch is in; the
warm-up thread starts those imports only after that first answer (or `GO_WAIT_S` after the first page
run), so the two cores are not shared with them meanwhile. Every other page imports them itself.
This module and everything it imports must stay torch-free (tests/test_boot.py checks it).
"""

from __future__ import annotations

import atexit
import importlib
import sys
import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from model import tuning
from model.numpy_mlp import NumpyMLP
from model.paths import bundled_checkpoint

HEAVY = "app.state"  # torch, the model, the caches: importing it imports the app's torch side
GO_WAIT_S = 5.0  # the warm-up's imports start at most this long after the first page run
# After the first answer, before the imports: torch's import holds the interpreter lock for tenths of a
# second at a time (its shared libraries load under it), which held that answer back from the browser.
ANSWER_S = 0.3
SERVED_WAIT_S = 10.0  # and the libraries no page has asked for yet at most this long after that


@dataclass(frozen=True)
class Boot:
    go: threading.Event = field(default_factory=threading.Event)  # the first visitor has an answer
    served: threading.Event = field(default_factory=threading.Event)  # a full page (torch, maps) has run
    stop: threading.Event = field(default_factory=threading.Event)  # the interpreter is exiting


def heavy_ready() -> bool:
    """Whether app.state (and so torch) has finished importing: its last statement sets `LOADED`."""
    return getattr(sys.modules.get(HEAVY), "LOADED", False)


def wait_for_heavy() -> None:
    """Import app.state in this thread if it is not in yet (if the warm-up thread is importing it, Python's
    module lock makes this wait for that import), with a spinner saying why."""
    if not heavy_ready():
        with st.spinner("Loading PyTorch and the app's models (once per server start)…"):
            importlib.import_module(HEAVY)


@st.cache_resource
def _boot() -> Boot:
    return Boot()


def let_heavy_start(served: bool = False) -> None:
    """The first visitor has an answer: the warm-up thread may import torch and what the maps need. With
    `served`, a full page has run: it may import everything else and warm every method up."""
    boot = _boot()
    boot.go.set()
    if served:
        boot.served.set()


@st.cache_resource
def bundled_numpy() -> NumpyMLP:
    return NumpyMLP.load(bundled_checkpoint())


@st.cache_resource
def start_warm_up() -> threading.Thread:
    """Once per process, in the background: torch and the app's modules, the explainer libraries (one
    importer thread, see explain.warmup), every explainer's first-call costs, then the default views."""
    boot = _boot()
    thread = threading.Thread(target=_warm_up, args=(boot,), name="warm-up", daemon=True)
    thread.start()
    # A daemon thread still inside torch when the interpreter finalises aborts the process
    # ("terminate called without an active exception"): stop it between methods and wait.
    atexit.register(lambda: (boot.stop.set(), thread.join(timeout=30)))
    return thread


def _warm_up(boot: Boot) -> None:
    boot.go.wait(GO_WAIT_S)
    time.sleep(ANSWER_S)
    state = importlib.import_module(HEAVY)
    # DIGIT_LENS_PRIME=0 skips the default views, DIGIT_LENS_WARM_UP=0 every method's first call (the test
    # suite's server sets both: its tests pay only for the methods they use, on cores not shared with that).
    state.warm_up_and_prime(boot.stop, boot.served, SERVED_WAIT_S,
                            warm_up=tuning.switch("WARM_UP"), prime=tuning.switch("PRIME"))
