"""Entry point: page setup, navigation, and the one-off background importer and warm-up."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.boot import heavy_ready, let_heavy_start, start_warm_up, wait_for_heavy

# A shipped file, not ":material/…:": that would make every page fetch its icon from fonts.gstatic.com.
st.set_page_config(page_title="Digit Lens", page_icon=str(Path(__file__).with_name("icon.png")), layout="wide")
start_warm_up()

HOME = "app_pages/home.py"
PAGES = [
    # The default page is served at "/"; "/home" (the README's link) opens it too, through a hidden alias.
    st.Page(HOME, title="Home", icon=":material/home:", url_path="index", default=True),
    st.Page(HOME, title="Home", icon=":material/home:", url_path="home", visibility="hidden"),
    st.Page("app_pages/draw.py", title="Draw", icon=":material/draw:", url_path="draw"),
    st.Page("app_pages/explore.py", title="Explore", icon=":material/grid_view:", url_path="explore"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:", url_path="compare"),
    st.Page("app_pages/evaluate.py", title="Evaluate", icon=":material/fact_check:", url_path="evaluate"),
    st.Page("app_pages/whatif.py", title="What if", icon=":material/help:", url_path="whatif"),
    st.Page("app_pages/inside.py", title="Inside the network", icon=":material/hub:", url_path="inside"),
    st.Page("app_pages/map.py", title="Map", icon=":material/scatter_plot:", url_path="map"),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
]
# What each page imports before it can run (its own explainers wait inside explain/ as needed):
# Draw and Explore show a prediction first and pull in captum when they reach the maps; Home's and
# Explore's tables go through pandas (Streamlit's serialiser imports it: never from two threads). Our
# components send bytes (app/components/base.py), so Draw needs none of them.
NEEDS: dict[str, tuple[str, ...]] = {"index": ("pandas",), "home": ("pandas",), "draw": (), "explore": ("pandas",)}

page = st.navigation(PAGES)
# Until torch is in, Draw answers in numpy and brings the maps (and this sidebar) when it is: app/boot.py.
light = page.url_path == "draw" and not heavy_ready()
if not light:
    wait_for_heavy()
    from app.state import model_switcher, wait_for_imports

    model_switcher()
    needs = NEEDS.get(page.url_path)
    if needs is None:  # the other pages: every group
        wait_for_imports()
    elif needs:
        wait_for_imports(*needs)
page.run()
if not light:
    let_heavy_start(served=True)  # the warm-up may have the cores now (a light Draw page: after its answer)
