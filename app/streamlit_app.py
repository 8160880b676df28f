"""Entry point: page setup and navigation; everything about start-up is in app/startup.py."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import startup
from app.sections.replica import moved_notice

# A shipped file, not ":material/…:": that would make every page fetch its icon from fonts.gstatic.com.
st.set_page_config(page_title="Digit Lens", page_icon=str(Path(__file__).with_name("icon.png")), layout="wide")
startup.start()

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
    st.Page("app_pages/classes.py", title="Classes", icon=":material/category:", url_path="classes"),
    st.Page("app_pages/concepts.py", title="Concepts", icon=":material/lightbulb:", url_path="concepts"),
    st.Page("app_pages/data.py", title="Data", icon=":material/dataset:", url_path="data"),
    st.Page("app_pages/model_card.py", title="Model card", icon=":material/description:", url_path="model-card",
            visibility="hidden"),  # Home links to it
]

page = st.navigation(PAGES)
moved_notice()  # behind several replicas, when this browser's replica stopped (deploy/)
# Until torch is in, Draw answers in numpy and brings the maps (and this sidebar) when it is.
torch_free = startup.before_page(page.url_path)
if not torch_free:
    from app.sections.model_switcher import model_switcher
    from app.sections.workspace import workspace_sidebar

    model_switcher()  # lists the workspace's models too (the ?ws= link is opened on first need)
    workspace_sidebar(page.url_path, page.title)
page.run()
if not torch_free:
    startup.first_answer_sent(page_served=True)  # the warm-up may have the cores now
