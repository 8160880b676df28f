"""The prediction: its metrics and the ten class probabilities as a light bar chart (Custom Components
v2, plain HTML bars).

Redrawn on every stroke on the Draw page: a Plotly bar chart cost the browser tens of ms per update
there. `bars_data` is pure (tests read it); `probability_bars` mounts it. Torch-free: the first Draw
page shows it before torch is in (app/boot.py).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.component import light_component
from app.palette import BLUE, RED
from model.constants import N_CLASSES

# The plot is 180 px tall: 14 px for the value labels above the bars, 148 px of bar, 18 px of digit
# labels; the axis ticks sit at 14, 88 and 162 px.
HTML = """<figure class="dl-probs" role="img"><div class="dl-y">probability</div><div class="dl-plot">
<div class="dl-axis"><span style="top: 14px">100%</span><span style="top: 88px">50%</span>
<span style="top: 162px">0%</span></div><div class="dl-cols"></div></div>
<figcaption>digit</figcaption></figure>"""

CSS = """
.dl-probs { margin: 0; display: grid; grid-template-columns: auto 1fr; grid-template-rows: 180px auto;
  font-family: var(--st-font); color: var(--st-text-color); font-size: 12px; column-gap: 0.3rem; }
.dl-y { writing-mode: vertical-rl; transform: rotate(180deg); text-align: center; }
.dl-plot { display: flex; gap: 0.3rem; }
.dl-axis { position: relative; width: 2.6em; font-variant-numeric: tabular-nums; }
.dl-axis span { position: absolute; right: 0; transform: translateY(-50%); }
.dl-cols { flex: 1; display: grid; grid-template-columns: repeat(10, 1fr); gap: 0.4rem;
  border-left: 1px solid var(--st-border-color, #999); }
.dl-col { display: flex; flex-direction: column; justify-content: flex-end; align-items: center; }
.dl-col .v { font-variant-numeric: tabular-nums; height: 14px; line-height: 14px; }
.dl-col .bar { width: 70%; min-height: 1px; border-radius: 2px 2px 0 0; }
.dl-col .d { height: 18px; line-height: 18px; border-top: 1px solid var(--st-border-color, #999); width: 100%;
  text-align: center; }
.dl-probs figcaption { grid-column: 2; text-align: center; }
"""

JS = r"""
export default function ({ parentElement, data: raw }) {
  const data = decode(raw);
  const fig = parentElement.querySelector(".dl-probs"), cols = fig.querySelector(".dl-cols");
  if (!cols.children.length) for (let d = 0; d < data.p.length; d++) {
    const col = document.createElement("div");
    col.className = "dl-col"; col.innerHTML = `<span class="v"></span><div class="bar"></div><span class="d">${d}</span>`;
    cols.appendChild(col);
  }
  const top = data.p.indexOf(Math.max(...data.p)), plot = 180 - 14 - 18;
  data.p.forEach((p, d) => {
    const col = cols.children[d], bar = col.querySelector(".bar");
    bar.style.height = Math.round(p * plot) + "px";
    bar.style.background = d === top ? data.top : data.other;
    col.querySelector(".v").textContent = p >= 0.01 ? `${Math.round(100 * p)}%` : "";
    col.title = `digit ${d}: ${p.toFixed(4)}`;
  });
  fig.setAttribute("aria-label", "class probabilities: " + data.p.map((p, d) => `${d}: ${(100 * p).toFixed(1)}%`).join(", "));
}
"""

_BARS = light_component("digit_lens.probability_bars", HTML, CSS, JS)


def bars_data(probs: np.ndarray) -> dict:
    """The component's data: the 10 probabilities; the largest drawn in red."""
    p = np.asarray(probs, dtype=float).reshape(-1)
    if p.shape != (N_CLASSES,):
        raise ValueError(f"expected {N_CLASSES} probabilities, got shape {p.shape}")
    return {"p": [round(float(v), 6) for v in p], "top": RED, "other": BLUE}


def probability_bars(probs: np.ndarray, key: str) -> None:
    _BARS(key=key, data=bars_data(probs), width="stretch")


def prediction_view(probs: np.ndarray, true_label: int | None = None) -> int:
    """Prediction, confidence (and the true label, when known) as metrics above the bars; the prediction."""
    digit = int(np.argmax(probs))
    a, b, c = st.columns(3)
    a.metric("Prediction", digit)
    b.metric("Confidence", f"{probs[digit]:.1%}")
    if true_label is not None:
        c.metric("True label", true_label, delta="correct" if true_label == digit else "mistake",
                 delta_color="normal" if true_label == digit else "inverse", delta_arrow="off")
    probability_bars(probs, key="probabilities")
    return digit
