"""What if: the smallest change that makes the model say C, adversarial attacks, pixel edits."""

from __future__ import annotations

import streamlit as st

from app.sections.attribution_maps import show_maps
from app.sections.whatif import attack_section, counterfactual_section, pixel_editor, stability_section
from app.sections.whatif_testset import test_set_section
from app.state.caches import probabilities
from app.state.defaults import DEFAULT_TEST_INDEX
from app.state.inputs import get_current, pick_input, test_input
from app.state.models import active_model
from app.state.session import choice, url_setting, write_url
from app.state.whatif import working_input
from explain import drawing_methods

VIEWS = {
    "counterfactual": "Make it a …",
    "attack": "Attack this digit",
    "testset": "Attacks on the test set",
    "stability": "Map stability",
}

st.title("What if")
st.caption("Edit the digit pixel by pixel, ask for the smallest change that makes the model say another "
           "digit, or attack it, and compare the explanations before and after.")
loaded = active_model()
current = pick_input("whatif") or get_current()
if current is None:
    current = test_input(DEFAULT_TEST_INDEX)
    st.caption(f"No digit chosen yet: using test digit #{DEFAULT_TEST_INDEX}.")

x, edited = working_input(current)
probs = probabilities(loaded.model, x)
predicted = int(probs.argmax())
left, right = st.columns([1.1, 1], gap="large")
with left:  # the answer also under the pad: on a phone the metrics are a screen further down
    pixel_editor(current, edited, f"The model says {predicted} ({probs[predicted]:.0%})")
with right:
    a, b, c = st.columns(3)
    a.metric("Prediction", predicted)
    b.metric("Confidence", f"{probs[predicted]:.1%}")
    if current.true_label is not None and not edited:
        c.metric("True label", current.true_label)
    show_maps(loaded, x, drawing_methods(), None, "whatif-now", cols=2)

url_setting("whatif-view", "view", "counterfactual", choice(list(VIEWS)), f"use one of {', '.join(VIEWS)}")
view = st.segmented_control("Show", list(VIEWS), format_func=VIEWS.get, key="whatif-view") or "counterfactual"
write_url("whatif-view", "view", lambda v: v or "counterfactual")
{
    "counterfactual": lambda: counterfactual_section(loaded, x, predicted, probs),
    "attack": lambda: attack_section(loaded, x),
    "testset": lambda: test_set_section(loaded),
    "stability": lambda: stability_section(loaded, x),
}[view]()
