"""The Concepts page's TCAV run, with a progress bar, a Cancel button and a time budget: the house mechanism
of the long requests (app.sections.long_request), with one unit of work whose progress `explain.tcav`
reports between its CAV pairs and layers (each report is where a Cancel click can stop the script).

A cut run is no result (TCAV against fewer random concepts is another test), so nothing partial is shown.
Finished results stay in this session (the last few), so going back to a concept does not recompute it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from app.safe_text import plain
from app.sections import long_request
from app.state.known import shipped_tcav_for
from app.state.resources import LoadedModel
from app.state.session import CONCEPT_TCAV_KEPT, CONCEPT_TCAV_RUN
from explain.known.tcav import examples_digest

TCAV_BUDGET_S = 90.0  # a concept of 500 examples on a loaded server; 20 examples take a few seconds
UNIT = "tcav"
MAX_KEPT = 8  # finished results kept per session


def _work(loaded: LoadedModel, examples: np.ndarray, n_random: int, seed: int):
    from explain.known.tcav import tcav

    def work(_unit: str, should_stop: long_request.StopCheck) -> dict:
        def progress(fraction: float, text: str) -> None:
            should_stop.fraction, should_stop.text = fraction, f"Learning the concept's direction: {text}…"

        return tcav(loaded.model, examples, n_random=n_random, seed=seed, progress=progress,
                    should_stop=should_stop).to_dict()

    return work


def tcav_run(loaded: LoadedModel, concept: str | None, examples: np.ndarray, n_random: int, seed: int) -> dict | None:
    """The TCAV result for these examples on this model: shipped, kept from earlier in this session, or computed
    now with progress and Cancel. None while there is none (cancelled, stopped at the budget, failed): the
    page has then said why and offers to compute again."""
    shipped = shipped_tcav_for(loaded, concept, len(examples), n_random, seed)
    if shipped is not None:
        return shipped
    settings = (loaded.key, examples_digest(torch.from_numpy(np.asarray(examples, np.float32))), n_random, seed)
    kept = CONCEPT_TCAV_KEPT.setdefault({})
    if settings in kept:
        return kept[settings]
    run = long_request.current(CONCEPT_TCAV_RUN.key, settings) or long_request.start(CONCEPT_TCAV_RUN.key, settings,
                                                                                     [UNIT])
    long_request.drive(CONCEPT_TCAV_RUN.key, run, TCAV_BUDGET_S, _work(loaded, examples, n_random, seed),
                       lambda _u: f"Learning the concept's direction against {n_random} random concepts")
    result = run.done.get(UNIT)
    if isinstance(result, dict) and run.reason is None:
        kept[settings] = result
        while len(kept) > MAX_KEPT:
            kept.pop(next(iter(kept)))
        return result
    if isinstance(result, long_request.Failed):
        st.error(f"TCAV failed: {plain(result.error, 300)}")
    long_request.report(run, "the page", ["the TCAV scores"], TCAV_BUDGET_S)
    if st.button("Compute again", key="concepts-tcav-again", icon=":material/replay:"):
        long_request.start(CONCEPT_TCAV_RUN.key, settings, [UNIT])
        st.rerun()
    return None
