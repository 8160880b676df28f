"""Inside the network: every layer's activations, the first-layer weights, one neuron up close."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures.common import bars_figure, tiles_figure
from app.components.image_strip import image_strip, upscale
from app.state.inputs import pick_input, test_input
from app.components.layer_heatmaps import layer_heatmaps, layers_data, shared_ranges
from app.components.heatmap_grid import grid_data, heatmap_grid
from app.state.session import (
    INSIDE_NEURON_SEEN,
    choice,
    layer_unit,
    link_value,
    query_value,
    set_query,
    unit_ranges,
)
from app.state.caches import test_activations
from app.state.models import active_model
from app.state.resources import test_split
from app.sections.lazy_tabs import lazy_tabs
from explain.atlas.activations import (
    activations,
    class_means,
    first_layer_weights,
    incoming_weights,
    layer_conductance,
    neuron_conductance,
    top_exciting,
)
from model.network import hidden_index, hidden_name, layer_display_name

st.title("Inside the network")
loaded = active_model()
model = loaded.model
st.caption(f"MLP {model.config.name}: each hidden unit is a ReLU of a weighted sum of the layer below.")

current = pick_input("inside")
if current is None:
    st.info("Choose an input: draw one on the Draw page, pick a test digit, or upload a picture.")
    st.stop()
acts = activations(model, current.x)
predicted = int(np.argmax(acts.layers["softmax"]))

st.subheader("Activations of every layer")
compare = st.toggle("Compare with a second input (e.g. a 4 against a 9)", key="inside-compare")
if compare:
    other_index = st.number_input("Second input: test digit index", 0, 9999, 9, key="inside-other")
    other = test_input(int(other_index))
    acts_b = activations(model, other.x)
    diff = {k: acts.layers[k] - acts_b.layers[k] for k in acts.layers}
    both = shared_ranges(acts.layers, acts_b.layers)  # one scale per layer for both inputs: colours compare
    for i, (title, layers) in enumerate(((current.description, acts.layers), (other.description, acts_b.layers),
                                         ("difference (first − second)", diff))):
        layer_heatmaps(layers_data(layers, title, signed=i == 2, ranges=None if i == 2 else both),
                       key=f"inside-acts-{i}")
    st.caption("Both inputs' heatmaps share one colour scale per layer, so a colour means the same value in both.")
else:
    layer_heatmaps(layers_data(acts.layers, f"{current.description}: predicted {predicted}"), key="inside-acts")

layer_names = [layer_display_name(hidden_name(i)) for i in range(1, len(model.config.hidden) + 1)]
TABS = ("First-layer weights", "Which units carry the prediction", "One neuron up close")
TOP_UNITS = 24  # conductance bars: all 128 were too cramped to read or click


def first_layer_weights_tab() -> None:
    weights = first_layer_weights(model)
    order_by = st.radio("Order", ["unit number", "how strongly each unit fires for this input"], horizontal=True,
                        key="inside-order")
    h1 = acts.layers["hidden1"]
    order = np.arange(len(weights)) if order_by == "unit number" else np.argsort(-h1, kind="stable")
    st.plotly_chart(tiles_figure(weights[order], np.stack([order, h1[order]], axis=1),
                                 "unit %{customdata[0]:.0f} (fires %{customdata[1]:.2f}): weight %{z:.3f}", "weight",
                                 signed=True, cols=16, title=f"{len(weights)} incoming weight images, one signed scale"),
                    key="inside-weights")


def drill_down() -> None:
    """A click on a conductance bar opens that unit in "One neuron up close" (a callback: it runs before the
    rerun, so it may still set the tab and the unit's widgets)."""
    points = (st.session_state.get("inside-lc") or {}).get("selection", {}).get("points", [])
    if points:
        st.session_state["inside-unit-layer"] = st.session_state.get("inside-lc-layer", 1)
        st.session_state["inside-unit"] = int(str(points[0]["x"]).split()[-1])
        st.session_state["inside-tab"] = TABS[2]


def conductance_tab() -> None:
    lc_layer = st.selectbox("Layer", range(1, len(layer_names) + 1), format_func=lambda i: layer_names[i - 1],
                            key="inside-lc-layer")
    lc = layer_conductance(model, current.x, lc_layer)
    shown = np.argsort(-np.abs(lc), kind="stable")[:TOP_UNITS]
    st.plotly_chart(bars_figure(lc[shown], [f"unit {i}" for i in shown],
                                f"Conductance into class {predicted}: the {len(shown)} of {lc.size} units with the "
                                "largest |value| (red helps, blue works against; click a bar)", "unit", "conductance"),
                    key="inside-lc", on_select=drill_down, selection_mode="points")
    h_lc = acts.layers[hidden_name(lc_layer)]
    silent = [int(u) for u in shown if h_lc[u] == 0 and lc[u] != 0]
    st.caption("Conductance integrates along the path from a black image to this input, so a unit can carry "
               "the prediction even where its final activation is 0: it was active part of the way."
               + (f" Here that holds for unit(s) {', '.join(map(str, silent[:6]))}." if silent else ""))


def neuron_tab() -> None:
    c1, c2 = st.columns(2)
    layer = c1.selectbox("Layer", range(1, len(layer_names) + 1), format_func=lambda i: layer_names[i - 1],
                         key="inside-unit-layer")
    width = model.config.hidden[layer - 1]
    default_unit = int(np.argmax(acts.layers[hidden_name(layer)]))
    if st.session_state.get("inside-unit", width) >= width:  # unset, or from a wider layer
        st.session_state["inside-unit"] = default_unit
    # The value lives in the session state only (a default here too would warn on every rerun).
    unit = int(c2.number_input("Unit", 0, width - 1, key="inside-unit"))
    value = float(acts.layers[hidden_name(layer)][unit])
    dataset = test_activations(loaded)[hidden_name(layer)]
    split = test_split()
    means = class_means(dataset, split.labels.numpy())[:, unit]
    top = top_exciting(dataset, unit, 12)

    a, b, c = st.columns([1, 1, 1.4])
    a.metric(f"Activation of unit {unit} here", f"{value:.3f}",
             help="Post-ReLU value for the current input; the test-set maximum is "
                  f"{dataset[:, unit].max():.3f}")
    w_in = incoming_weights(model, layer, unit)
    if w_in.ndim == 2:
        with a:
            heatmap_grid(grid_data([("incoming weights", "", w_in)], cols=1, px=190, quantity="weight"), key="inside-w")
    else:
        a.plotly_chart(bars_figure(w_in, [str(i) for i in range(w_in.size)], "incoming weights from hidden 1",
                                   "unit below", "weight"), key="inside-w")
    with b:
        conductance = neuron_conductance(model, current.x, layer, unit)
        heatmap_grid(grid_data([(f"neuron conductance into {predicted}", "", conductance)], current.x, cols=1, px=190,
                           quantity="conductance"), key="inside-nc")
    c.plotly_chart(bars_figure(means, [str(d) for d in range(10)],
                               f"Unit {unit}'s mean activation per class (orange: {predicted}, predicted here)",
                               "true digit", "mean activation", highlight=predicted), key="inside-means")
    image_strip([upscale(img, 80) for img in split.images[top].numpy()],
                [f"#{i} ({dataset[i, unit]:.2f})" for i in top], key="inside-top")
    st.caption(f"The 12 test digits that excite unit {unit} of {layer_names[layer - 1]} most (index, activation).")
    st.page_link("app_pages/map.py", label=f"What unit {unit} wants, and the map of every digit (Map)",
                 query_params={"neuron": f"{hidden_name(layer)}:{unit}"}, icon=":material/scatter_plot:")


# The Map page's "Open this unit on Inside" links here with ?neuron=hidden2:5 (applied once per value).
neuron = query_value("neuron")
if neuron and INSIDE_NEURON_SEEN.get() != neuron:
    INSIDE_NEURON_SEEN.set(neuron)
    sizes = {hidden_name(i): n for i, n in enumerate(model.config.hidden, 1)}
    picked = link_value("neuron", layer_unit(sizes), unit_ranges(sizes))
    if picked is not None:
        st.session_state["inside-unit-layer"], st.session_state["inside-unit"] = hidden_index(picked[0]), picked[1]
        st.session_state["inside-tab"] = TABS[2]

# ?tab= opens a tab (applied once per value, like ?neuron=); the open tab, and in "One neuron up close" the
# unit, are written back, and marked as seen so the next run does not apply them again over a click.
TAB_NAMES = dict(zip(("weights", "conductance", "neuron"), TABS, strict=True))
raw_tab = query_value("tab")
if raw_tab and st.session_state.get("inside-tab-seen") != raw_tab:
    st.session_state["inside-tab-seen"] = raw_tab
    tab = link_value("tab", choice(list(TAB_NAMES)), f"use one of {', '.join(TAB_NAMES)}")
    if tab is not None:
        st.session_state["inside-tab"] = TAB_NAMES[tab]

# Only the open tab runs and draws: the weight tiles and two bar charts made every visit slow.
lazy_tabs("inside-tab", dict(zip(TABS, (first_layer_weights_tab, conductance_tab, neuron_tab), strict=True)),
          keep=("inside-order", "inside-lc-layer", "inside-unit-layer", "inside-unit"))
open_tab = next((k for k, v in TAB_NAMES.items() if v == st.session_state.get("inside-tab")), "weights")
set_query("tab", open_tab)
st.session_state["inside-tab-seen"] = open_tab
if open_tab == "neuron" and "inside-unit" in st.session_state:
    written = f"{hidden_name(st.session_state.get('inside-unit-layer', 1))}:{st.session_state['inside-unit']}"
    set_query("neuron", written)
    INSIDE_NEURON_SEEN.set(written)
