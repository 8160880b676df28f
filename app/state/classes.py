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
