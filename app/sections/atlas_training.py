"""The Map page's "Across training" section: the recorded epochs of the active model's training run,
played epoch by epoch (app/state/training_records.py finds the record)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.components.heatmap_grid import grid_data, heatmap_grid
from app.figures.training_record import position_limits, probe_positions_figure, training_agreement_chart
from app.state.resources import LoadedModel
from app.state.training_records import record_for
from explain.atlas.record_stats import rank_agreement_with_final
from explain.atlas.training_record import NO_INDEX, TrainingRecord
from explain.registry import get_method
from model.network import layer_display_name

PLAY_KEY, EPOCH_KEY, METHOD_KEY = "map-rec-playing", "map-rec-epoch", "map-rec-method"
FRAME_S = 1.2


@st.cache_data(show_spinner=False, max_entries=16)
def _agreement(_record: TrainingRecord, key: str) -> dict[str, np.ndarray]:
    return rank_agreement_with_final(_record)


def probe_titles(record: TrainingRecord, e: int) -> list[str]:
    pred, conf = record.predictions[e], record.probs[e].max(axis=1)
    return [f"{'drawing' if lab == NO_INDEX else lab}→{p} ({c:.0%})"
            for lab, p, c in zip(record.probe_labels, pred, conf, strict=True)]


def _step() -> None:
    """Advance one epoch while playing; stop at the last one."""
    epochs = st.session_state.get("map-rec-epochs", [])
    now = st.session_state.get(EPOCH_KEY)
    if not epochs or now not in epochs or now == epochs[-1]:
        st.session_state[PLAY_KEY] = False
        return
    st.session_state[EPOCH_KEY] = epochs[epochs.index(now) + 1]


def across_training(loaded: LoadedModel) -> None:
    found = record_for(loaded)
    if found is None:
        st.info("No training record for this model. The bundled model ships one; a model trained on the Train page "
                "in this session brings its own (uploaded models have none).")
        return
    record, source, warning = found
    if warning:
        st.warning(warning)
    epochs = [int(e) for e in record.epochs]
    st.caption(f"The first test digit of each class (and the drawing, when a run started with one) after every "
               f"epoch of training; record {source}. Maps explain each digit's true class; positions use one PCA "
               f"basis, the final model's {layer_display_name(record.layer)} over the 10,000 test digits.")
    key = f"{loaded.key}:{record.maps.shape}"
    agreement = _agreement(record, key)
    displays = {m: get_method(m).display for m in record.methods}
    limits = position_limits(record.background_xy, record.probe_xy)
    if st.session_state.get("map-rec-for") != key:  # a new record: start at its last epoch, not playing
        st.session_state.update({"map-rec-for": key, EPOCH_KEY: epochs[-1], PLAY_KEY: False})
    st.session_state["map-rec-epochs"] = epochs
    playing = bool(st.session_state.get(PLAY_KEY))

    @st.fragment(run_every=FRAME_S if playing else None)
    def frames() -> None:
        if st.session_state.get(PLAY_KEY):
            _step()
            if not st.session_state[PLAY_KEY]:
                st.rerun(scope="app")  # the last epoch: redefine the fragment without its timer
        c1, c2, c3 = st.columns([1, 4, 3])
        if st.session_state.get(PLAY_KEY):
            if c1.button("Pause", icon=":material/pause:", key="map-rec-pause"):
                st.session_state[PLAY_KEY] = False
                st.rerun(scope="app")
        elif c1.button("Play", icon=":material/play_arrow:", key="map-rec-play"):
            if st.session_state[EPOCH_KEY] == epochs[-1]:
                st.session_state[EPOCH_KEY] = epochs[0]
            st.session_state[PLAY_KEY] = True
            st.rerun(scope="app")
        epoch = c2.select_slider("Epoch", epochs, key=EPOCH_KEY)
        method = c3.radio("Method", list(record.methods), format_func=displays.get, horizontal=True, key=METHOD_KEY)
        e = epochs.index(epoch)
        m1, m2 = st.columns(2)
        m1.metric("Test accuracy", f"{record.test_accuracy[e]:.2%}")
        m2.metric(f"{displays[method]}: ρ with final map", f"{agreement[method][e]:.3f}",
                  help="Spearman rank correlation of each probe's map with its map after the last epoch, "
                       "mean over the probes.")
        titles = probe_titles(record, e)
        # The maps take the page's width (they sat at ~100 px in a narrow column), the two charts share a row.
        panels = [(t, "", record.maps[record.methods.index(method), e, i]) for i, t in enumerate(titles)]
        heatmap_grid(grid_data(panels, shared=False, cols=6, px=150, digits=list(record.probe_images)),
                     key="map-rec-maps")
        st.caption(f"{displays[method]} maps after epoch {epoch}, each divided by its own largest |value| "
                   "(true label→prediction, confidence). Below left: the probes (stars, labelled with their digit) "
                   "among 1,000 test digits, coloured by true label as on the map above.")
        left, right = st.columns(2)
        left.plotly_chart(probe_positions_figure(record.background_xy[e], record.background_labels,
                                                 record.probe_xy[e], titles, record.probe_labels, limits,
                                                 layer_display_name(record.layer), epoch), key="map-rec-xy")
        right.plotly_chart(training_agreement_chart(record.epochs, record.test_accuracy, agreement, displays, epoch),
                           key="map-rec-chart")

    frames()
