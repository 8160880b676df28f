"""The model card (assets/MODEL_CARD.md, written by `python -m model.card`), as a page Home links to."""

from __future__ import annotations

import streamlit as st

from model.paths import assets_dir

card = assets_dir() / "MODEL_CARD.md"
st.page_link("app_pages/home.py", label="← Home", icon=":material/home:")
if card.is_file():
    st.markdown(card.read_text(encoding="utf-8"))
else:
    st.warning("No model card found in the assets folder (`make assets` writes it).")
