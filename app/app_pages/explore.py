"""Explore the 10,000 test digits: filter, find mistakes, open any digit's explanation."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.sections.concept_pick import use_as_concept
from app.state.defaults import EXPLORE_ROWS
from app.state.inputs import get_current, input_from_query, set_current, test_input, upload_input
from app.state.caches import test_probabilities, test_thumbnails
from app.state.models import active_model
from app.state.resources import test_split
from app.sections.attribution_maps import explanation_view
from app.safe_text import sentence
from app.state.session import EXPLORE_PICKED, choice, flag, integer, link_value, set_query


st.title("Explore the test set")
loaded = active_model()
split = test_split()
probs = test_probabilities(loaded)
pred = probs.argmax(axis=1)
conf = probs.max(axis=1)
labels = split.labels.numpy()
input_from_query()


mistakes = np.flatnonzero(pred != labels)
# Filters arrive in the link (the Train page's confusion matrix opens ?true=A&pred=B): read once,
# then the widgets own them and write them back, so the share link keeps the filter.
ORDERS = {"index": "index", "confidence": "lowest confidence"}
for key, param, parse, what in (("explore-true", "true", integer(0, 9), "use a class 0–9"),
                                ("explore-pred", "pred", integer(0, 9), "use a class 0–9"),
                                ("explore-wrong", "wrong", flag, "use 0 or 1"),
                                ("explore-order", "order", choice(list(ORDERS)), "use index or confidence")):
    value = link_value(param, parse, what) if key not in st.session_state else None
    if value is not None:
        st.session_state[key] = ORDERS[value] if param == "order" else value
c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1, 1.2])
true_cls = c1.selectbox("True class", ["any", *range(10)], key="explore-true")
pred_cls = c2.selectbox("Predicted class", ["any", *range(10)], key="explore-pred")
for param, value in (("true", true_cls), ("pred", pred_cls)):
    set_query(param, None if value == "any" else str(value))
only_wrong = c3.toggle(f"Mistakes ({len(mistakes)})", key="explore-wrong", help="only the misclassified digits")
order = c4.selectbox("Order", list(ORDERS.values()), key="explore-order")
set_query("wrong", "1" if only_wrong else None)
set_query("order", None if order == "index" else "confidence")
if c5.button("Random mistake", icon=":material/casino:", type="primary"):
    rng = np.random.default_rng()
    set_current(test_input(int(rng.choice(mistakes))))

keep = np.ones(len(labels), dtype=bool)
if true_cls != "any":
    keep &= labels == true_cls
if pred_cls != "any":
    keep &= pred == pred_cls
if only_wrong:
    keep &= pred != labels
idx = np.flatnonzero(keep)
if order == "lowest confidence":
    idx = idx[np.argsort(conf[idx], kind="stable")]
shown = idx[:EXPLORE_ROWS]
# The open digit is marked in the table; one opened from elsewhere (Random mistake, a link) beyond the rows
# shown comes first, so it is always there to see when the filters let it through.
opened = get_current()
open_index = opened.index if opened is not None and opened.source == "test" else None
if open_index is not None and keep[open_index] and open_index not in shown:
    shown = np.concatenate([[open_index], shown[: EXPLORE_ROWS - 1]])
st.caption(f"{len(idx):,} digits match" + (f"; showing {len(shown)}" if len(idx) > EXPLORE_ROWS else "")
           + ". Click a row to explain that digit; ● marks the digit open below.")
filtered = [f"true {true_cls}"] * (true_cls != "any") + [f"predicted {pred_cls}"] * (pred_cls != "any") \
    + ["mistakes"] * only_wrong
if filtered:  # with no filter the digits are any digits: no concept to learn
    use_as_concept(f"Explore: {', '.join(filtered)} ({len(idx)} digits)", idx.tolist(), "explore-concept")
table = {
    "open": ["●" if i == open_index else "" for i in shown],
    "digit": test_thumbnails(tuple(int(i) for i in shown)),
    "index": shown.tolist(),
    "true": labels[shown].tolist(),
    "predicted": pred[shown].tolist(),
    "confidence": conf[shown].tolist(),
}
event = st.dataframe(
    table, hide_index=True, on_select="rerun", selection_mode="single-row", height=420, key="explore-table",
    row_height=60,  # the 56-pixel thumbnails at their size (the default row drew them ~28 px high)
    column_config={"open": st.column_config.TextColumn("", width="small"), "digit": st.column_config.ImageColumn("digit"),
                   "confidence": st.column_config.ProgressColumn("confidence", min_value=0.0, max_value=1.0,
                                                                 format="%.3f")},
)
rows = tuple(event.selection.rows) if event and event.selection else ()
# A table selection outlives filter changes, Random mistake and reruns: act on it once, when the click
# changes it (not when the rows under it change), then run again so the ● follows the click.
if rows and EXPLORE_PICKED.get() != rows and rows[0] < len(shown):
    EXPLORE_PICKED.set(rows)
    set_current(test_input(int(shown[rows[0]])))
    st.rerun()
EXPLORE_PICKED.set(rows)

with st.expander("…or upload a picture of a digit"):
    uploaded = upload_input("explore-upload")
    if uploaded is not None:
        set_current(uploaded)

current = get_current()
st.divider()
if current is None:
    st.info("Select a digit in the table, press **Random mistake**, or upload a picture.")
else:
    st.subheader(sentence(current.description))
    if current.index is not None:  # the same digit on the other pages, by link
        links = st.columns(4)
        for col, (page, label, icon) in zip(links, (
                ("app_pages/compare.py", "Compare all methods", ":material/compare:"),
                ("app_pages/evaluate.py", "Evaluate the maps", ":material/fact_check:"),
                ("app_pages/inside.py", "Inside the network", ":material/hub:"),
                ("app_pages/whatif.py", "What if", ":material/help:")), strict=True):
            col.page_link(page, label=label, icon=icon, query_params={"index": str(current.index)})
    explanation_view(loaded, current.x, key="explore", true_label=current.true_label,
                     config={"input": current.description, "index": current.index})
