// Every layer's activations as small heatmaps on canvases (app/components/layer_heatmaps), each with its
// own colour bar. `decode` and `floats` come from app/components/decode.js.

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
