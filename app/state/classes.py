"""The shipped class-level views (`make assets`: python -m explain.classview), loaded once per server."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explain.classview import ClassViews, load_views
from model.paths import assets_dir


def shipped_views_path() -> Path:
    return assets_dir() / "classes" / "class_views.npz"


@st.cache_resource(show_spinner="Reading the class views…")
def shipped_views() -> ClassViews | None:
    """The bundled model's views over the 10,000 test digits, or None when assets/ lacks the file."""
    path = shipped_views_path()
    return load_views(path) if path.is_file() else None


# The map grids take ~0.5 s to build (plotly's subplots): built once per server, then shared read-only by
# every session (st.plotly_chart only reads a figure).
@st.cache_resource(show_spinner="Drawing the mean maps…", max_entries=32)
def means_figure(method: str):
    from explain.figures.classview import class_means_figure

    return class_means_figure(shipped_views(), method)


@st.cache_resource(show_spinner="Drawing the strategies…", max_entries=64)
def strategies_figure(method: str, digit_class: int):
    from app.state.resources import test_split
    from explain.figures.classview import strategies_figure as build

    return build(shipped_views(), method, digit_class, test_split().images.numpy())


@st.cache_resource(show_spinner="Drawing the mistake…", max_entries=128)
def mistake_figure(method: str, true: int, predicted: int):
    from explain.figures.classview import mistake_figure as build

    return build(shipped_views(), method, true, predicted)
