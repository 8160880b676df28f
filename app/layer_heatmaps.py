"""Every layer's activations as small heatmaps, painted on canvases (a light Custom Component).

The Plotly version (four subplots, four colour bars) cost the browser up to three seconds when the
Inside page was opened a second time (CDP profile; the page without it: 1.4 s). `layers_data` is pure
(tests read it), `layer_heatmaps` mounts it.
"""

from __future__ import annotations

import base64

import numpy as np

from app.component import light_component
from model.constants import DIVERGING_STOPS
from model.network import layer_display_name

# Sequential palette for activations (Viridis' ten stops); signed values use the diverging one.
VIRIDIS = ((68, 1, 84), (72, 40, 120), (62, 73, 137), (49, 104, 142), (38, 130, 142), (31, 158, 137),
           (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37))
UNITS = {"logits": "logit", "softmax": "probability"}

HTML = '<div class="dl-wrap"><div class="dl-layers"></div><div class="dl-tip" hidden></div></div>'
CSS = """
.dl-wrap { position: relative; }
.dl-layers { display: flex; flex-wrap: wrap; gap: 1.2rem 1.6rem; align-items: flex-start;
  font-family: var(--st-font); color: var(--st-text-color); font-size: 13px; }
.dl-layers h4 { width: 100%; margin: 0; font-size: 14px; font-weight: 600; }
.dl-layer { margin: 0; display: flex; flex-direction: column; gap: 0.3rem; }
.dl-layer .row { display: flex; gap: 0.4rem; align-items: stretch; }
.dl-layer canvas { display: block; border: 1px solid var(--st-border-color, #999); cursor: crosshair; }
.dl-layer .digits { display: flex; font-size: 12px; }
.dl-layer .digits span { text-align: center; }
.dl-layer .axis { text-align: center; font-size: 12px; opacity: 0.85; }
.dl-layer .ramp { width: 10px; border: 1px solid var(--st-border-color, #999); }
.dl-layer .ticks { display: flex; flex-direction: column; justify-content: space-between; font-size: 12px;
  font-variant-numeric: tabular-nums; }
.dl-layer .unit { writing-mode: vertical-rl; transform: rotate(180deg); font-size: 12px; text-align: center; }
.dl-tip { position: absolute; pointer-events: none; z-index: 2; padding: 0.2rem 0.45rem; font-size: 12px;
  background: var(--st-background-color, #fff); border: 1px solid var(--st-border-color, #999);
  border-radius: 0.3rem; white-space: nowrap; }
"""
JS = r"""
function floats(b64) {
  const s = atob(b64), bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}
function colour(palette, t) {  // t in [0, 1]
  const x = Math.max(0, Math.min(1, t)) * (palette.length - 1), i = Math.min(Math.floor(x), palette.length - 2);
  const f = x - i, a = palette[i], b = palette[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + f * (b[k] - a[k])));
}
const fmt = (v) => Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : String(Number(v.toPrecision(3)));

export default function ({ parentElement, data: raw }) {
  const d = decode(raw), root = parentElement.querySelector(".dl-layers"), tip = parentElement.querySelector(".dl-tip");
  const width = parentElement.clientWidth || 900, layers = d.layers || [];
  root.innerHTML = d.title ? "<h4></h4>" : "";
  if (d.title) root.querySelector("h4").textContent = d.title;
  layers.forEach((L) => {
    // Square cells big enough to read and hover (a row of ten digits a little bigger); on a narrow
    // screen the layers wrap onto more lines rather than shrink.
    const values = floats(L.values), cell = Math.min(L.rows === 1 ? 26 : 18, Math.floor((width - 90) / L.cols));
    const fig = document.createElement("figure");
    fig.className = "dl-layer";
    fig.innerHTML = `<figcaption></figcaption><div class="row"><div><canvas role="img"></canvas>
      <div class="digits"></div></div><div class="ramp"></div><div class="ticks"></div><div class="unit"></div></div>`;
    fig.querySelector("figcaption").textContent = L.title;
    const canvas = fig.querySelector("canvas"), dpr = window.devicePixelRatio || 1;
    const w = cell * L.cols, h = cell * L.rows;
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
    canvas.setAttribute("aria-label", `${L.title}: ${L.unit} of each unit`);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const span = (L.hi - L.lo) || 1;
    values.forEach((v, k) => {
      const [r, g, b] = colour(L.palette, (v - L.lo) / span);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect((k % L.cols) * cell, Math.floor(k / L.cols) * cell, cell, cell);
    });
    if (L.labels) {
      const digits = fig.querySelector(".digits");
      digits.innerHTML = L.labels.map((t) => `<span style="width:${cell}px">${t}</span>`).join("");
      digits.insertAdjacentHTML("afterend", '<div class="axis">digit</div>');  // the cells' axis title
    }
    const stops = L.palette.map((p, i) => `rgb(${p.join(",")}) ${(100 * i / (L.palette.length - 1)).toFixed(1)}%`);
    const ramp = fig.querySelector(".ramp"), barH = Math.max(h, 72);
    ramp.style.height = barH + "px";
    ramp.style.background = `linear-gradient(to top, ${stops.join(", ")})`;
    const ticks = fig.querySelector(".ticks");
    ticks.style.height = barH + "px";
    ticks.innerHTML = [L.hi, (L.hi + L.lo) / 2, L.lo].map((t) => `<span>${fmt(t)}</span>`).join("");
    fig.querySelector(".unit").textContent = L.unit;
    canvas.onpointermove = (e) => {
      const box = canvas.getBoundingClientRect(), host = root.parentElement.getBoundingClientRect();
      const c = Math.min(L.cols - 1, Math.floor((e.clientX - box.left) / box.width * L.cols));
      const r = Math.min(L.rows - 1, Math.floor((e.clientY - box.top) / box.height * L.rows));
      const k = r * L.cols + c;
      tip.textContent = `${L.name} ${L.labels ? "digit" : "unit"} ${k}: ${L.unit} ${fmt(values[k])}`;
      tip.hidden = false;
      tip.style.left = (e.clientX - host.left + 14) + "px"; tip.style.top = (e.clientY - host.top + 14) + "px";
    };
    canvas.onpointerleave = () => { tip.hidden = true; };
    root.appendChild(fig);
  });
}
"""

_LAYERS = light_component("digit_lens.layer_heatmaps", HTML, CSS, JS)


def near_square(n: int) -> tuple[int, int]:
    """Rows × cols for n cells, as square as the divisors of n allow (128 → 8 × 16)."""
    rows = int(np.sqrt(n))
    while n % rows:
        rows -= 1
    return rows, n // rows


def layers_data(layers: dict[str, np.ndarray], title: str = "", signed: bool = False) -> dict:
    """Each layer as a grid of cells (hidden 1: 8×16, hidden 2: 8×8, logits and softmax: one row of 10,
    labelled 0–9) with its own colour bar; logits (and, with `signed`, every layer, e.g. a difference of
    two inputs) on a diverging scale centred at zero, the rest from their minimum to their maximum."""
    out = []
    for name, raw in layers.items():
        v = np.asarray(raw, dtype=np.float64).reshape(-1)
        if not v.size or not np.isfinite(v).all():
            raise ValueError(f"layer {name!r} needs finite values, got {v.size} values")
        rows, cols = near_square(v.size) if v.size > 10 else (1, v.size)
        diverging = signed or name == "logits"
        if diverging:
            peak = float(np.abs(v).max()) or 1.0
            lo, hi = -peak, peak
        elif name == "softmax":
            lo, hi = 0.0, 1.0  # probabilities: the whole range, so 0.5 reads as 0.5
        else:
            lo, hi = float(v.min()), float(v.max())
            hi = hi if hi > lo else lo + 1.0
        out.append({"name": layer_display_name(name), "title": f"{layer_display_name(name)} ({v.size})",
                    "rows": rows, "cols": cols, "lo": lo, "hi": hi,
                    "unit": "difference" if signed else UNITS.get(name, "activation"),
                    "palette": [list(map(int, c)) for c in (DIVERGING_STOPS if diverging else VIRIDIS)],
                    "labels": [str(k) for k in range(v.size)] if v.size <= 10 else None,
                    "values": base64.b64encode(v.astype("<f4").tobytes()).decode()})
    return {"title": title, "layers": out}


def layer_heatmaps(data: dict, key: str) -> None:
    """Mount the heatmaps for `layers_data`'s output."""
    _LAYERS(key=key, data=data, width="stretch")
