"""Entry point: page setup and navigation. Every page gets a stable URL path."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Digit Lens", page_icon=":material/search:", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page("app_pages/draw.py", title="Draw", icon=":material/draw:", url_path="draw"),
]

st.navigation(PAGES).run()
