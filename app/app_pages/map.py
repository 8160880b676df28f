"""Map: where every test digit lands inside the network, what the current input resembles, what each unit wants."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from app.state.defaults import MAP_LAYER, MAP_NEIGHBOURS
from app.figures.common import tiles_figure
from app.figures.atlas import COLOUR_MODES, MapPoints, map_figure, selected_indices
from app.state.inputs import pick_input
from app.state.session import choice, layer_unit, link_value, query_value, set_query, unit_ranges
from app.sections.atlas_seeds import across_seeds
from app.components.image_strip import image_strip, upscale
from app.sections.atlas_training import across_training
from app.sections.concept_pick import use_as_concept
from app.state.atlas import (
    neighbours,
    neuron_goals,
    pca,
    shipped_coords,
    shipped_umap,
    start_umap,
    test_features,
    train_split,
    umap_jobs,
)
from app.state.caches import test_probabilities
from app.state.models import active_model
from app.state.resources import test_split
from app.sections.lazy_tabs import lazy_tabs
from explain.atlas.activations import top_exciting
from explain.atlas.neighbours import METRICS
from explain.atlas.neuron_goals import goal_layers
from explain.atlas.features import layer_features, projectable_layers
from explain.atlas.projection import place_from_neighbours
from model.jobs import JobRefused
from model.network import layer_display_name

PROJECTIONS = {"pca": "PCA (exact)", "umap": "UMAP"}
MAX_SHOWN = 24  # selected digits drawn beside the map
# Short names: the four tabs fit a phone's 390 px without scrolling (issue 28); each tab's caption says more.
SECTIONS = ("Neighbours", "Training", "Seeds", "Neuron goals")

st.title("Map")
st.caption("Every one of the 10,000 test digits placed by what one layer of the network makes of it. "
           "Click or lasso points to see those digits; the star is the current input.")
loaded = active_model()
model = loaded.model
layers = projectable_layers(model)
split = test_split()
labels = split.labels.numpy()
probs = test_probabilities(loaded)


def from_query(key: str, param: str, options: list[str]) -> None:
    """A shared link's setting seeds the widget once per value (then the widget rules and writes it back)."""
    raw = query_value(param)
    if raw is not None and st.session_state.get(f"{key}-seen") != raw:
        value = link_value(param, choice(options), f"use one of {', '.join(options)}")
        if value is not None:
            st.session_state[key] = value
    st.session_state[f"{key}-seen"] = raw


from_query("map-layer", "layer", layers)
from_query("map-proj", "proj", list(PROJECTIONS))
from_query("map-colour", "colour", list(COLOUR_MODES))
current = pick_input("map")

c1, c2, c3 = st.columns(3)
st.session_state.setdefault("map-layer", MAP_LAYER if MAP_LAYER in layers else layers[-1])
if st.session_state["map-layer"] not in layers:  # the model changed to one with fewer layers
    st.session_state["map-layer"] = layers[-1]
layer = c1.selectbox("Layer", layers, format_func=layer_display_name, key="map-layer")
method = c2.radio("Projection", list(PROJECTIONS), format_func=PROJECTIONS.get, horizontal=True, key="map-proj")
colour = c3.radio("Colour by", list(COLOUR_MODES), format_func=COLOUR_MODES.get, horizontal=True, key="map-colour")
for key, param, value in (("map-layer", "layer", layer), ("map-proj", "proj", method),
                          ("map-colour", "colour", colour)):
    set_query(param, value)
    # The value this page wrote is no link to apply: were it not marked seen, the next run would read it
    # back as a new link and overwrite the visitor's first click with it (issue 28: the first click was lost).
    st.session_state[f"{key}-seen"] = value

features = test_features(loaded)[layer]
projection, pca_coords = pca(loaded, layer)
coords, axes = pca_coords, ("PC 1", "PC 2")
axes = tuple(f"{a} ({r:.0%} of variance)" for a, r in zip(axes, projection.explained_variance_ratio))
if method == "umap":
    umap_coords = shipped_coords(loaded, layer)
    job = umap_jobs().get((loaded.key, layer))
    if umap_coords is None and job is not None and job.coords is not None:
        umap_coords = job.coords
    if umap_coords is not None:
        coords, axes = umap_coords, ("UMAP 1", "UMAP 2")
        if shipped_coords(loaded, layer) is not None:
            meta = shipped_umap()[1]
            st.caption(f"UMAP shipped with the bundled model (seed {meta.get('seed')}, made {meta.get('date', '?')[:10]}"
                       f" by `{meta.get('command', '?')}`).")
    else:
        st.info("UMAP of this model's layer has not been computed in this session yet; showing PCA meanwhile.")
        if job is not None and job.running:
            @st.fragment(run_every=1.0)
            def umap_progress() -> None:
                live = umap_jobs().get((loaded.key, layer))
                if live is None or not live.running:
                    st.rerun(scope="app")
                fraction, message = live.status
                st.progress(min(max(fraction, 0.0), 1.0), text=message)
                if st.button("Cancel", key="map-umap-cancel", icon=":material/stop:"):
                    live.cancel()

            umap_progress()
        else:
            if job is not None and job.error:
                st.warning(f"The last UMAP run stopped: {job.error}.")
            if st.button("Compute UMAP for this layer (about a minute, in the background)", icon=":material/play_arrow:",
                         key="map-umap-start"):
                try:
                    start_umap(loaded, layer)
                except JobRefused as refused:
                    wait = max(1, math.ceil(refused.next_free_in_s / 60))
                    mine = [k[1] for k, j in umap_jobs().items() if j.running]
                    whose = f"Your UMAP fit of {layer_display_name(mine[0])} is" if mine else "Another visitor's UMAP fit is"
                    st.warning(f"{whose} running on this server, and one runs at a time (each keeps "
                               f"a core busy for about a minute). It ends within {wait} minute{'s' * (wait > 1)} at "
                               "the latest; press the button again then. PCA is shown meanwhile.",
                               icon=":material/hourglass_top:")
                else:
                    st.rerun()

star = None
if current is not None:
    q = layer_features(model, current.x[None], layer)
    if coords is pca_coords:
        star = tuple(projection.transform(q)[0])  # exact
    elif current.source == "test" and current.index is not None:
        star = tuple(coords[current.index])  # a test digit is on the map already
    else:
        star = tuple(place_from_neighbours(q, features, coords)[0])  # as UMAP's transform starts

points = MapPoints(coords, labels, probs.argmax(axis=1), probs.max(axis=1))
title = f"{layer_display_name(layer)} · {PROJECTIONS[method] if coords is not pca_coords else PROJECTIONS['pca']}"
left, right = st.columns([2.2, 1])
event = left.plotly_chart(map_figure(points, colour, axes, title, star, "current input"), key="map-plot",
                          on_select="rerun", selection_mode=("points", "box", "lasso"))
chosen = selected_indices(event)
# The selection scrolls inside a box as tall as the map, rather than running far below it.
with right, st.container(height=660, border=False):
    if not chosen:
        st.markdown("**Select digits** on the map (click, box or lasso) to see them here.")
    else:
        pred = points.predictions
        chosen.sort(key=lambda i: (pred[i] == labels[i], i))  # mistakes first: the interesting ones
        shown = chosen[:MAX_SHOWN]
        st.markdown(f"**{len(chosen):,} selected**" + (f" (first {MAX_SHOWN} shown)" if len(chosen) > MAX_SHOWN else ""))
        st.page_link("app_pages/explore.py", label=f"Open #{shown[0]} in Explore", query_params={"index": shown[0]},
                     icon=":material/grid_view:")
        use_as_concept(f"Map: {len(chosen)} digits selected in {layer_display_name(layer)}", chosen, "map-concept")
        image_strip([upscale(img, 64) for img in split.images[shown].numpy()],
                    [f"#{i}: {labels[i]}→{pred[i]}" for i in shown], key="map-selected")
        # Three narrow columns: the links table fits the column instead of being cut at its right edge.
        st.dataframe({"digit": [f"#{i}: {labels[i]}→{pred[i]}" for i in shown],
                      "Explore": [f"explore?index={i}" for i in shown],
                      "Compare": [f"compare?index={i}" for i in shown]},
                     hide_index=True, key="map-links",
                     column_config={"digit": st.column_config.TextColumn("true→predicted"),
                                    "Explore": st.column_config.LinkColumn("Explore", display_text="explain"),
                                    "Compare": st.column_config.LinkColumn("Compare", display_text="compare")})


def nearest_digits() -> None:
    """The current input's nearest training digits in a layer of the network, and in pixel space."""
    st.caption("What the network thinks the current input looks like: the training digits nearest to it.")
    if current is None:
        st.info("Choose an input above (a drawing, a test digit or an upload) to see its nearest training digits.")
        return
    n1, n2, n3 = st.columns(3)
    nb_layers = [name for name in layers if name != "pixels"]
    nb_layer = n1.selectbox("Layer", nb_layers, index=nb_layers.index(layer) if layer in nb_layers else 0,
                            format_func=layer_display_name, key="map-nb-layer")
    k = int(n2.slider("Neighbours", 3, 30, MAP_NEIGHBOURS, key="map-nb-k"))
    metric = n3.radio("Distance", METRICS, format_func={"cosine": "cosine", "l2": "Euclidean (L2)"}.get,
                      horizontal=True, key="map-nb-metric")
    train = train_split()
    nb = neighbours(loaded, current.x, nb_layer, k, metric)
    px = neighbours(loaded, current.x, "pixels", k, metric)
    m1, m2 = st.columns(2)
    m1.metric(f"Neighbours labelled {nb.prediction} (the prediction)", f"{nb.agreement:.0%}",
              help="A low share means the network puts this input among digits of other classes.")
    m2.metric("…in pixel space, for contrast", f"{px.agreement:.0%}")
    if nb.agreement < 0.5:
        st.warning(f"Most of its nearest training digits in {layer_display_name(nb_layer)} are not {nb.prediction}s: "
                   "the prediction stands on thin ground.")
    a, b = st.columns(2)
    a.markdown(f"**Nearest in {layer_display_name(nb_layer)}** (label · distance)")
    with a:
        image_strip([upscale(img, 88) for img in train.images[nb.indices].numpy()],
                    [f"{lab} · {d:.3f}" for lab, d in zip(nb.labels, nb.distances)], key="map-nb")
    b.markdown("**Nearest in pixel space** (label · distance)")
    with b:
        image_strip([upscale(img, 88) for img in train.images[px.indices].numpy()],
                    [f"{lab} · {d:.3f}" for lab, d in zip(px.labels, px.distances)], key="map-px")


def unit_goals() -> None:
    """Activation maximisation: the input each unit of a layer wants, beside the test digits that excite it most."""
    st.caption("The input each unit wants most (activation maximisation, all units of a layer in one batch; "
               "optimised once per model and layer, a few seconds).")
    g1, g2 = st.columns([1, 1])
    goal_layer = g1.selectbox("Layer", glayers, format_func=layer_display_name, key="map-goal-layer")
    goals = neuron_goals(loaded, goal_layer)
    units = len(goals.images)
    if st.session_state.get("map-goal-unit", 0) >= units:
        st.session_state["map-goal-unit"] = 0
    st.session_state.setdefault("map-goal-unit", 0)
    unit = int(g2.number_input("Unit", 0, units - 1, key="map-goal-unit"))
    acts = test_features(loaded)[goal_layer]
    test_max = acts.max(axis=0)
    unit_word = "class" if goal_layer == "logits" else "unit"
    st.plotly_chart(tiles_figure(goals.images, np.stack([np.arange(units), goals.activations, test_max], axis=1),
                                 f"{unit_word} %{{customdata[0]:.0f}}: %{{customdata[1]:.1f}} "
                                 "(test max %{customdata[2]:.1f})",
                                 "pixel", signed=False, cols=16 if units > 10 else 10,
                                 title=f"The input each {unit_word} of {layer_display_name(goal_layer)} wants "
                                       "(activation maximisation, all units in one batch)"), key="map-goals")
    top = top_exciting(acts, unit, 12)
    x1, x2 = st.columns([1, 3])
    with x1:
        image_strip([upscale(goals.images[unit], 128)], [f"{unit_word} {unit}"], key="map-goal-one")
    x1.metric("Activation on it", f"{goals.activations[unit]:.2f}", help=f"The test-set maximum is {test_max[unit]:.2f}")
    x2.markdown(f"**The 12 test digits that excite {unit_word} {unit} most** (index · activation)")
    with x2:
        # 96 px: two full rows of six at 1400 px (at 72 px a row and a half sat in white space; issue 28).
        image_strip([upscale(img, 96) for img in split.images[top].numpy()],
                    [f"#{i} · {acts[i, unit]:.1f}" for i in top], key="map-goal-top")
    if goal_layer != "logits":
        if x1.button("Open this unit on Inside", icon=":material/hub:", key="map-to-inside"):
            # Inside reads the link's ?neuron= (its own widgets are its own keys).
            st.switch_page("app_pages/inside.py", query_params={"neuron": f"{goal_layer}:{unit}"})


glayers = goal_layers(model)
neuron = query_value("neuron")  # "hidden1:5" from the Inside page's link: opens the units' tab on that unit
if neuron and st.session_state.get("map-goal-seen") != neuron:
    st.session_state["map-goal-seen"] = neuron
    sizes = dict(zip(glayers, [*model.config.hidden, 10], strict=True))
    picked = link_value("neuron", layer_unit(sizes), unit_ranges(sizes))
    if picked is not None:
        st.session_state["map-goal-layer"], st.session_state["map-goal-unit"] = picked
        st.session_state["map-tab"] = SECTIONS[-1]
# Only the open tab runs and draws: four sections' charts made every visit slow.
lazy_tabs("map-tab", dict(zip(SECTIONS, (nearest_digits, lambda: across_training(loaded),
                                         lambda: across_seeds(loaded, current), unit_goals), strict=True)),
          keep=("map-nb-layer", "map-nb-k", "map-nb-metric", "map-rec-epoch", "map-rec-method", "map-seed-method",
                "map-goal-layer", "map-goal-unit"))
