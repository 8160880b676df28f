"""Entry point: page setup, navigation, and the one-off background warm-up of the explainers."""

from __future__ import annotations

import streamlit as st

from app.state import model_switcher, start_warm_up

st.set_page_config(page_title="Digit Lens", page_icon=":material/search:", layout="wide")
start_warm_up()

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page("app_pages/draw.py", title="Draw", icon=":material/draw:", url_path="draw"),
    st.Page("app_pages/explore.py", title="Explore", icon=":material/grid_view:", url_path="explore"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:", url_path="compare"),
    st.Page("app_pages/evaluate.py", title="Evaluate", icon=":material/fact_check:", url_path="evaluate"),
    st.Page("app_pages/inside.py", title="Inside the network", icon=":material/hub:", url_path="inside"),
    st.Page("app_pages/map.py", title="Map", icon=":material/scatter_plot:", url_path="map"),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
]

page = st.navigation(PAGES)
model_switcher()
page.run()
