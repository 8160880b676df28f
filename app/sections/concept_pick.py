"""“Use as a concept”: a button that keeps some test digits (a Map selection, an Explore filter) as a concept
for the Concepts page (app.state.concepts), then links there with `?concept=picked`."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from app.safe_text import plain
from app.state.concepts import pick_concept, picked_concepts
from explain.known.concepts import MAX_PICKED, MIN_EXAMPLES


def use_as_concept(name: str, indices: Sequence[int], key: str) -> None:
    """The button (`key` is the calling page's widget key) and, once pressed, what was kept and the link."""
    n = len(indices)
    kept = min(n, MAX_PICKED)
    if st.button(f"Use as a concept ({kept} digits)", key=key, icon=":material/lightbulb:", disabled=n < MIN_EXAMPLES,
                 help=f"Keep these digits (a fixed random sample of {MAX_PICKED} if there are more; at least "
                      f"{MIN_EXAMPLES}) as a concept in this session, and test it with TCAV on the Concepts page."):
        try:
            pick_concept(name, indices)
        except ValueError as exc:
            st.error(f"Not kept: {plain(str(exc), 200)}")
            return
    concept = picked_concepts().get(name.strip()[:80])
    if concept is not None and len(concept.indices) == kept:  # kept already (this press or an earlier one)
        st.success(f"Kept {len(concept.indices)} digits as “{plain(concept.name, 80)}”.")
        st.page_link("app_pages/concepts.py", label="Test it on the Concepts page", query_params={"concept": "picked"},
                     icon=":material/arrow_forward:")
