"""Home: what Digit Lens is, and the active model's measured figures."""

from __future__ import annotations

import streamlit as st

from app.startup import startup
from app.state.caches import model_report
from app.state.models import active_model
from app.safe_text import plain

st.title("Digit Lens")
st.markdown(
    "Look inside a small neural network that reads handwritten digits, and compare the ways of "
    "explaining *why* it says what it says. Draw a digit on the **Draw** page: you get the "
    "prediction, the exact 28×28 input the model sees, and the probability of every digit."
)

loaded = active_model()
meta = loaded.meta
st.subheader(f"Model: MLP {loaded.model.config.name} ({loaded.name})")
report = model_report(loaded)
cols = st.columns(4)
cols[0].metric("Test accuracy", f"{report.accuracy:.2%}", help="Computed now on the 10,000 MNIST test digits")
cols[1].metric("Parameters", f"{sum(p.numel() for p in loaded.model.parameters()):,}")
cols[2].metric("Epochs", meta.epochs if meta.epochs is not None else "–")
cols[3].metric("Seed", meta.seed if meta.seed is not None else "–")

st.dataframe(
    [
        {"digit": c.digit, "precision": c.precision, "recall": c.recall, "F1": c.f1, "test digits": c.support}
        for c in report.per_class
    ],
    hide_index=True,
    column_config={k: st.column_config.NumberColumn(format="%.4f") for k in ("precision", "recall", "F1")},
)
st.caption(plain(
    f"Trained with Adam (lr {meta.lr}, {meta.lr_schedule} schedule, batch {meta.batch_size}) on "
    f"{meta.train_size:,} MNIST training digits; torch {meta.torch_version}. "
    "See assets/MODEL_CARD.md for intended use and limits."
    if meta.train_size
    else "An uploaded or trained model without training metadata."
))
st.page_link("app_pages/draw.py", label="Draw a digit →", icon=":material/draw:")

_, failures = startup().snapshot()
if failures:  # start-up goes on past a failed step; say which, so a broken library is not a silent slowness
    st.warning("Some of this server's start-up steps failed (the pages compute those views when asked, and "
               "show any error then):\n\n" + "\n".join(f"- {plain(f)}" for f in failures),
               icon=":material/warning:")
