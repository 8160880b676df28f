"""The Evaluate page's two long requests, each with a Cancel button and a time budget (app.sections.long_request):
the leaderboard recomputed for the active model, and the sanity checks over many test digits."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.sections import long_request
from app.state.session import LEADERBOARD_RUN, SANITY_RUN
from app.state.keys import KEYS
from app.state.resources import LoadedModel, test_split
from app.safe_text import plain
from explain.evaluation.leaderboard import LeaderboardConfig, MethodScores, run_leaderboard, variant_display
from explain.evaluation.ranking import summarise
from explain.evaluation.sanity import CascadeSummary
from explain.stopping import ShouldStop, Stopped
from model.network import randomised_display_name

LEADERBOARD_BUDGET_S = 120.0  # one press of Run: stop between methods after this, and say what was cut
SANITY_BUDGET_S = 60.0  # the checks over many digits, per rerun of the page
LB_KEY, SA_KEY = LEADERBOARD_RUN.key, SANITY_RUN.key  # long_request.py keeps each request under its key
CONTROLS = "controls"  # the last unit of a recompute: the two control maps, the floor to beat


# -- the leaderboard, one method at a time (each one batched over all digits) ----------------------
def _leaderboard_unit(loaded: LoadedModel, n: int) -> Callable[[str, long_request.StopCheck], list[MethodScores]]:
    split = test_split()

    def work(unit: str, should_stop: long_request.StopCheck) -> list[MethodScores]:
        methods = () if unit == CONTROLS else (unit,)
        config = LeaderboardConfig(methods, n=n, extras_n=min(n, 20), controls=unit == CONTROLS)
        return run_leaderboard(loaded.model, split.images, split.labels, config, should_stop=should_stop)[1]

    return work


def recompute_leaderboard(loaded: LoadedModel, n: int, chosen: list[str], pressed: bool,
                          show: Callable[[list[dict], str], None]) -> None:
    """Run (on a press) and show the recompute; a run for another model is dropped."""
    if pressed and chosen:
        long_request.start(LB_KEY, (loaded.key, n, tuple(chosen)), [*chosen, CONTROLS])
    run = long_request.current(LB_KEY)
    if run is None or run.settings[0] != loaded.key:
        LEADERBOARD_RUN.pop()
        return
    n_run = run.settings[1]
    long_request.drive(LB_KEY, run, LEADERBOARD_BUDGET_S, _leaderboard_unit(loaded, n_run),
                lambda u: "The two control maps" if u == CONTROLS else f"{variant_display(u)} on {n_run} digits")
    results = [r for unit in run.units if isinstance(run.done.get(unit), list) for r in run.done[unit]]
    for unit in run.units:
        if isinstance(run.done.get(unit), long_request.Failed):
            st.error(f"{variant_display(unit)} failed: {plain(run.done[unit].error)}")
    for r in results:
        if r.error:
            st.error(f"{variant_display(r.method)} failed: {plain(r.error)}")
    scored = [r for r in results if r.cut != "core" and not r.error]
    cut = [variant_display(u) if u != CONTROLS else "the control maps" for u in run.remaining] \
        + [variant_display(r.method) for r in results if r.cut == "core"]
    long_request.report(run, "the table", cut, LEADERBOARD_BUDGET_S)
    no_extras = [variant_display(r.method) for r in results if r.cut == "extras"]
    if no_extras:
        st.caption("Max-sensitivity, ROAD and seed stability were not computed for " + ", ".join(no_extras) + ".")
    if not scored:
        return
    if run.view is None or run.view[0] != len(scored):  # the summary of what is finished, once
        run.view = (len(scored), summarise([r.method for r in scored], {r.method: r.scores for r in scored}))
    st.caption(f"Recomputed on {n_run} digits for the active model"
               + (f" in {run.seconds:.0f} s." if run.reason is None else " (part of the request)."))
    show(run.view[1], "leaderboard-own")


# -- sanity checks over many digits, one method at a time ------------------------------------------
@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=KEYS)
def cascade_many_cached(loaded: LoadedModel, method: str, independent: bool, n: int,
                        _should_stop: ShouldStop | None = None) -> CascadeSummary:
    from explain.evaluation.sanity import cascade_many

    out = cascade_many(loaded.model, test_split().images[:n], method, independent=independent, should_stop=_should_stop)
    if out.cut:
        raise Stopped(out)  # a cut summary must not be cached as the answer
    return out


def sanity_over_digits(loaded: LoadedModel, methods: list[str], independent: bool, n: int
                       ) -> dict[str, CascadeSummary]:
    """The randomisation checks over the first n test digits for each method (cached per method),
    under a budget with a Cancel button; what was cut is said, what finished returned."""
    settings = (loaded.key, tuple(methods), independent, n)
    run = long_request.current(SA_KEY, settings)
    if run is None or (run.reason and st.button("Compute the rest", key="sanity-many-again", icon=":material/replay:")):
        run = long_request.start(SA_KEY, settings, methods)
    long_request.drive(SA_KEY, run, SANITY_BUDGET_S,
                lambda m, stop: cascade_many_cached(loaded, m, independent, n, stop.deadline),
                lambda m: f"Sanity checks of {variant_display(m)} over {n} digits")
    done = {m: s for m, s in run.done.items() if isinstance(s, CascadeSummary) and len(s.steps)}
    cut = [variant_display(m) for m in run.remaining] \
        + [f"{variant_display(m)} ({', '.join(map(randomised_display_name, s.cut))} randomised)"
           for m, s in run.done.items()
           if isinstance(s, CascadeSummary) and s.cut]
    long_request.report(run, "the chart", cut, SANITY_BUDGET_S)
    return done
