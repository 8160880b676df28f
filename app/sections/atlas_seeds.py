"""The Map page's "Across training seeds" section: a few small models that differ only in seed, trained
as ONE background job under the server's training limits, and for the current input a method's
per-pixel mean and standard deviation across them. The models stay in this section (they are not added
to the session's model list, so they do not count against its cap)."""

from __future__ import annotations

import streamlit as st

from app.components.heatmap_grid import grid_data, heatmap_grid
from app.state.inputs import CurrentInput
from app.streamlit_private import session_alive_check
from app.state.resources import LoadedModel, job_runner
from app.state.session import SEED_JOB
from explain.registry import drawing_methods, get_method
from explain.evaluation.seed_spread import seed_spread
from model.jobs import JobRefused
from model.train import TrainConfig
from model.train_job import JobLimits, TrainJob

SEEDS, EPOCHS, DIGITS = 3, 2, 5_000  # small by default: about a minute for all three on 2 cores


def seed_configs(hidden: tuple[int, ...], seeds: int = SEEDS) -> list[TrainConfig]:
    return [TrainConfig(hidden=hidden, epochs=EPOCHS, train_size=DIGITS, seed=s) for s in range(seeds)]


def across_seeds(loaded: LoadedModel, current: CurrentInput | None) -> None:
    hidden = loaded.model.config.hidden
    st.caption(f"{SEEDS} models shaped like the active one ({loaded.model.config.name}) that differ only in their "
               f"seed ({EPOCHS} epochs on {DIGITS:,} training digits each, one background job). Where the maps "
               "agree the explanation comes from the data; where they differ, from the luck of the initialisation.")
    job: TrainJob | None = SEED_JOB.get()
    if job is not None and job.config.hidden != hidden:
        job = None  # trained for another architecture: offer a new run
    if job is None or (not job.running and not job.results):
        if job is not None and job.error:
            st.warning(f"The last run failed: {job.error}")
        if st.button(f"Train {SEEDS} seeds in the background", icon=":material/play_arrow:", key="map-seed-start"):
            configs = seed_configs(hidden)
            JobLimits().check(configs)
            new = TrainJob(configs[0], more=tuple(configs[1:]), alive=session_alive_check())
            try:
                SEED_JOB.set(new.start(job_runner()))
            except JobRefused:
                st.warning("Every training slot on this server is busy; try again in a few minutes.")
            else:
                st.rerun()
        return
    if job.running:
        @st.fragment(run_every=1.0)
        def progress() -> None:
            live: TrainJob = SEED_JOB.get()
            if not live.running:
                st.rerun(scope="app")
            state = live.progress()
            st.progress(min(len(state.results) / len(live.configs), 1.0),
                        text=f"seed {state.run + 1} of {len(live.configs)}…")
            if st.button("Stop", icon=":material/stop:", key="map-seed-stop"):
                live.stop()

        progress()
        return
    models = [r.model for r in job.results]
    if len(models) < 2:
        st.info("Fewer than two seeds finished; train again to compare them.")
        return
    if current is None:
        st.info("Choose an input above to compare its maps across the seeds.")
        return
    names = drawing_methods()
    method = st.radio("Method", names, format_func=lambda m: get_method(m).display, horizontal=True,
                      key="map-seed-method")
    with st.spinner("Explaining the input with every seed's model…"):
        spread = seed_spread(models, current.x, method)
    preds = ", ".join(str(int(p)) for p in spread.predictions)
    # The app's one map style (app.components.heatmap_grid): the mean on the diverging scale of every
    # attribution map, the spread on a sequential one from 0, both with the digit's outline.
    st.markdown(f"**{get_method(method).display} for class {spread.target} over {len(models)} seeds** "
                f"(predictions: {preds})")
    left, right = st.columns(2)
    with left:
        heatmap_grid(grid_data([("mean over seeds", "", spread.mean)], current.x, cols=1, px=220),
                     key="map-seed-mean")
    with right:
        heatmap_grid(grid_data([("standard deviation over seeds", "", spread.std)], current.x, cols=1, px=220,
                               quantity="std of attribution", signed=False), key="map-seed-std")
    st.metric("Mean std ÷ mean |mean|", f"{spread.relative_spread:.2f}",
              help="0 when every seed draws the same map; around 1 or more when the seed decides as much as the data.")
    acc = [f"{r.config.seed}: {r.test_accuracy:.1%}" for r in job.results]
    st.caption("Test accuracy per seed: " + " · ".join(acc) + ".")
