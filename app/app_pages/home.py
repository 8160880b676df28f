"""Home: a start page. What an attribution map is, every page in the order a newcomer should visit it (one
line and one small picture each, a link that opens it on a good example), then the active model's figures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from app.safe_text import plain
from app.startup import startup
from app.state.caches import model_report, test_probabilities
from app.state.defaults import DEFAULT_TEST_INDEX
from app.state.models import active_model
from app.state.resources import test_split
from model.paths import assets_dir

# Compare's example: a few methods from different families, so it opens in seconds (all 19 take longer).
COMPARE_EXAMPLE = "saliency,integrated_gradients,deeplift,gradient_shap,lrp,occlusion"


@dataclass(frozen=True)
class Stop:
    """One page of the tour: where it is, what you do there, and the link's example settings."""

    page: str  # app_pages/<page>.py, and assets/home/<page>.png (python -m explain.cli.pictures)
    title: str
    line: str
    query: dict[str, str]


def tour(example: int, mistake: int | None) -> list[Stop]:
    """The pages in the order a newcomer should go: see a prediction, find mistakes, compare methods,
    measure them, change the input, look inside, see the whole test set, train your own."""
    digit = {"index": str(example)}
    return [
        Stop("draw", "1 · Draw", "Draw a digit: the prediction, the 28×28 input the model sees, and the first maps.", {}),
        Stop("explore", "2 · Explore", "Browse the 10,000 test digits and the model's mistakes; open one to explain it.",
             {"index": str(mistake if mistake is not None else example)}),
        Stop("compare", "3 · Compare", "Many methods on one digit on one colour scale, and how much they agree.",
             {**digit, "methods": COMPARE_EXAMPLE}),
        Stop("evaluate", "4 · Evaluate", "Which maps to trust: scores against control maps, a leaderboard, sanity checks.",
             digit),
        Stop("whatif", "5 · What if", "The smallest change that flips the answer, and attacks that fool the model.", digit),
        Stop("inside", "6 · Inside", "Every layer's activations for your digit, and what single units respond to.", digit),
        Stop("map", "7 · Map", "All test digits on one map, as the network sees them layer by layer.", digit),
        Stop("train", "8 · Train", "Train your own model (or upload one) and compare it with the bundled one.", {}),
        Stop("classes", "9 · Classes", "Beyond one digit: what each class looks like to the model, its mistakes, "
             "its strategies, and how much methods disagree.", {}),
        Stop("concepts", "10 · Concepts", "Does an idea (thick strokes, slant, a planted patch, your examples) push a "
             "class up? TCAV with its significance test.", {}),
        Stop("data", "11 · Data", "Which training digits taught it its answer, and which labels it doubts.", digit),
    ]


def first_mistake(probs: np.ndarray, labels: np.ndarray) -> int | None:
    wrong = np.flatnonzero(probs.argmax(axis=1) != labels)
    return int(wrong[0]) if wrong.size else None


st.title("Digit Lens")
st.markdown(
    "Look inside a small neural network that reads handwritten digits, and see *why* it says what it says. "
    "An **attribution map** colours every pixel of the input by how much it pushed the model towards its "
    "answer: red for, blue against. There are many ways to compute one and they often disagree, so "
    "Digit Lens shows them side by side and measures which ones to trust."
)

loaded = active_model()
mistake = first_mistake(test_probabilities(loaded), test_split().labels.numpy())
st.subheader("Start here")
stops = tour(DEFAULT_TEST_INDEX, mistake)
for pair in range(0, len(stops), 2):
    for col, stop in zip(st.columns(2), stops[pair:pair + 2], strict=False):
        box = col.container(border=True)
        left, right = box.columns([2, 3], vertical_alignment="center")
        picture = assets_dir() / "home" / f"{stop.page}.png"
        if picture.is_file():
            left.image(str(picture))
        right.page_link(f"app_pages/{stop.page}.py", label=f"**{stop.title}**", query_params=stop.query or None)
        right.caption(stop.line)

report = model_report(loaded)
meta = loaded.meta
st.subheader(f"Model: MLP {loaded.model.config.name} ({plain(loaded.name, 60)})")
cols = st.columns(4)
cols[0].metric("Test accuracy", f"{report.accuracy:.2%}", help="Computed now on the 10,000 MNIST test digits")
cols[1].metric("Parameters", f"{sum(p.numel() for p in loaded.model.parameters()):,}")
cols[2].metric("Epochs", meta.epochs if meta.epochs is not None else "–")
cols[3].metric("Seed", meta.seed if meta.seed is not None else "–")
with st.expander("Precision, recall and F1 per digit"):
    st.dataframe(
        [{"digit": c.digit, "precision": c.precision, "recall": c.recall, "F1": c.f1, "test digits": c.support}
         for c in report.per_class],
        hide_index=True,
        column_config={k: st.column_config.NumberColumn(format="%.4f") for k in ("precision", "recall", "F1")},
    )
st.caption(plain(
    f"Trained with Adam (lr {meta.lr}, {meta.lr_schedule} schedule, batch {meta.batch_size}) on "
    f"{meta.train_size:,} MNIST training digits; torch {meta.torch_version}."
    if meta.train_size
    else "An uploaded or trained model without training metadata."
))
st.page_link("app_pages/model_card.py", label="Model card: intended use, training and limits",
             icon=":material/description:")

_, failures = startup().snapshot()
if failures:  # start-up goes on past a failed step; say which, so a broken library is not a silent slowness
    st.warning("Some of this server's start-up steps failed (the pages compute those views when asked, and "
               "show any error then):\n\n" + "\n".join(f"- {plain(f)}" for f in failures),
               icon=":material/warning:")
