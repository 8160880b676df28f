"""Classes: what a whole class looks like to the model. Mean maps beside mean digits, mistakes, the
strategies inside one class and how much methods disagree, from the shipped class views (no computing)."""

from __future__ import annotations

import streamlit as st

from app.sections.lazy_tabs import lazy_tabs
from app.state.caches import explanation
from app.state.classes import means_figure, mistake_figure, shipped_views, strategies_figure
from app.state.models import active_model
from app.state.resources import bundled_model, test_split
from app.state.session import choice, url_setting, write_url
from explain.classview.disagreement import DISPLAY, METRICS
from explain.classview.disagreement import agreement_matrix as pair_agreement
from explain.figures.classview import agreement_curves_figure, agreement_matrix, disagreement_figure, silhouette_figure
from explain.registry import get_method

st.title("Classes")
st.caption("Beyond one digit: what the model looks at for each class in general, the mistakes it makes, "
           "whether it reads one class in several ways, and how much the methods agree over the whole test set.")
views = shipped_views()
if views is None:
    st.error("The class views are not in assets/ (make them with `make assets`).")
    st.stop()
if active_model().key != bundled_model().key:
    st.info("These views were computed for the bundled model; the model you chose in the sidebar is not it.")

methods = views.methods
default = "integrated_gradients" if "integrated_gradients" in methods else methods[0]  # signed: red and blue
url_setting("classes-method", "class_method", default, choice(methods), f"use one of {', '.join(methods)}")
method = st.selectbox("Method", methods, format_func=lambda m: get_method(m).display, key="classes-method",
                      help="The maps of the shipped set: each test digit explained for its predicted class.")
write_url("classes-method", "class_method")
digits = views.meta.get("digits", 0)
st.caption(f"Each of the {digits:,} test digits explained once per method (one batched call each) for the "
           "class the model predicts; red pixels push that class's score up, blue ones down.")


def means() -> None:
    st.plotly_chart(means_figure(method), key="classes-means")
    st.caption("The average digit of each class (its correctly predicted test digits, how many in the title), and "
               "under it the average map, all ten on one colour scale: a class the model reads with stronger "
               "evidence looks stronger.")


def mistakes() -> None:
    pairs = sorted(((int(views.counts[a, b]), a, b) for a in range(10) for b in range(10) if a != b
                    and views.counts[a, b]), reverse=True)
    labels = {f"{a}→{b}": (a, b, n) for n, a, b in pairs}
    url_setting("classes-mistake", "mistake", next(iter(labels)), choice(list(labels)), "use a pair like 4→9")
    pick = st.selectbox("Mistake (true → predicted, most frequent first)", list(labels), key="classes-mistake",
                        format_func=lambda k: f"true {labels[k][0]}, predicted {labels[k][1]} · "
                                              f"{labels[k][2]} test digits")
    write_url("classes-mistake", "mistake")
    a, b, _ = labels[pick]
    st.plotly_chart(mistake_figure(method, a, b), key="classes-mistake-fig")
    st.caption(f"The map of the mistakes explains the wrong answer, {b}: which pixels of these {a}s made the model "
               f"say {b}. Beside it, the usual maps of {a}s and of {b}s (correctly predicted), on the same scale.")


def strategies() -> None:
    url_setting("classes-class", "digit_class", 7, choice(list(range(10))), "use a digit 0–9")
    c = st.segmented_control("Class", list(range(10)), key="classes-class") or 0
    write_url("classes-class", "digit_class")
    left, right = st.columns([3, 1])
    left.plotly_chart(strategies_figure(method, c), key="classes-strategies")
    right.plotly_chart(silhouette_figure(views, method, c), key="classes-silhouette")
    st.caption("k-means on this class's maps, each scaled to unit length (a strategy is a pattern, not a "
               "strength); k from 2 to 6, the one with the best mean silhouette (higher: clusters further apart). "
               "Under each strategy's mean map: the test digits nearest its centre.")


def agreement() -> None:
    a, b = st.columns([2, 1])
    with a:
        url_setting("classes-k", "k", 50, int, "use a whole number of features 1–784")
        k = st.slider("k: top features compared (pixels, by |attribution|)", 1, 784, key="classes-k",
                      help="Krishna et al. 2022 compare the k most important features of two explanations.")
        write_url("classes-k", "k")
    with b:
        metric = st.selectbox("Metric", METRICS, format_func=DISPLAY.get, key="classes-metric",
                              help="Feature: share of the top-k in both. Rank: … and at the same position. "
                                   "Sign: … and with the same sign. Signed rank: all three.")
    left, right = st.columns(2)
    left.plotly_chart(disagreement_figure(agreement_matrix(views, metric, k), methods, metric, k,
                                          f"Mean over {digits:,} test digits"), key="classes-matrix")
    right.plotly_chart(agreement_curves_figure(views, metric, k), key="classes-curves")
    # Opt-in: it explains one digit with every method (the rest of the page only reads the shipped file).
    if st.toggle("One test digit's agreement (explains it now)", key="classes-one-digit"):
        index = st.number_input("Test digit", 0, 9999, 0, key="classes-digit")
        loaded = active_model()
        x = test_split().images[int(index)].numpy()
        with st.spinner("Explaining this digit…"):
            maps = {m: explanation(loaded, x, m, None, None, 0).values[None] for m in methods}
        st.plotly_chart(disagreement_figure(pair_agreement(maps, metric, k), methods, metric, k, f"Test digit #{int(index)}"), key="classes-one")
    st.caption("Zero-valued pixels tie: they are ordered by position, so two maps that are both zero there agree "
               "on their ranks at large k. Compare's correlation matrix is the same question on one digit.")


TABS = {"means": "Mean maps", "mistakes": "Mistakes", "strategies": "Strategies", "disagreement": "Disagreement"}
# ?tab= opens a tab (Compare links to the disagreement); the open tab is written back for a copied link.
url_setting("classes-tabs", "tab", TABS["means"], lambda raw: TABS[raw], f"use one of {', '.join(TABS)}")
lazy_tabs("classes-tabs", dict(zip(TABS.values(), (means, mistakes, strategies, agreement), strict=True)),
          keep=("classes-k", "classes-metric", "classes-class", "classes-mistake", "classes-digit",
                "classes-one-digit"))
write_url("classes-tabs", "tab", {label: slug for slug, label in TABS.items()}.get)
