"""The map grid's HTML, CSS and JavaScript (Streamlit Custom Components v2: inline, no build step).

Each map is painted as a 28×28 image scaled up without smoothing on a canvas, then the digit's
outline drawn as the edges between ink and background cells, beside one colour bar. A Plotly mosaic of the same maps
cost the browser ~70 ms of scripting plus layout per update on this machine (CDP profile of the
Draw page); painting these canvases is a few ms of it.
"""

HTML = '<div class="dl-grid"><div class="dl-panels"></div><div class="dl-bar"></div><div class="dl-tip" hidden></div></div>'

CSS = """
.dl-grid { position: relative; display: flex; align-items: flex-start; gap: 1rem;
  font-family: var(--st-font); color: var(--st-text-color); font-size: 13px; }
.dl-panels { display: grid; gap: 0.75rem 0.9rem; }
/* A panel fills its grid row and its caption takes the slack: a caption that wraps to two lines keeps the
   maps of that row level with their neighbours. */
.dl-panel { margin: 0; display: flex; flex-direction: column; align-items: center; }
.dl-panel figcaption { text-align: center; line-height: 1.25; margin-bottom: 0.3rem; flex: 1 0 auto; }
.dl-panel figcaption b { font-weight: 600; }
.dl-panel figcaption span { display: block; font-size: 12px; opacity: 0.8; min-height: 1.25em; }
.dl-panel canvas { display: block; border: 1px solid var(--st-border-color, #999); cursor: crosshair; }
.dl-bar { display: flex; align-items: stretch; gap: 0.35rem; margin-top: 2.2rem; }
.dl-bar .ramp { width: 14px; border: 1px solid var(--st-border-color, #999); }
.dl-bar .ticks { display: flex; flex-direction: column; justify-content: space-between; font-size: 12px;
  font-variant-numeric: tabular-nums; }
.dl-bar .title { writing-mode: vertical-rl; transform: rotate(180deg); text-align: center; font-size: 12px; }
.dl-tip { position: absolute; pointer-events: none; z-index: 2; padding: 0.2rem 0.45rem; font-size: 12px;
  background: var(--st-background-color, #fff); border: 1px solid var(--st-border-color, #999);
  border-radius: 0.3rem; white-space: nowrap; }
"""

JS = r"""
const SIDE = 28;

function floats(b64) {
  const s = atob(b64), bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function rgb(palette, t) {  // t in [-1, 1] → the diverging palette, white at 0
  const x = (Math.max(-1, Math.min(1, t)) + 1) / 2 * (palette.length - 1), i = Math.min(Math.floor(x), palette.length - 2);
  const f = x - i, a = palette[i], b = palette[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + f * (b[k] - a[k])));
}

function fmt(v) {
  const a = Math.abs(v);
  return a === 0 ? "0" : a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}

function paint(canvas, values, outline, limit, palette, px) {
  const dpr = window.devicePixelRatio || 1, cell = px / SIDE;
  canvas.width = Math.round(px * dpr); canvas.height = Math.round(px * dpr);
  canvas.style.width = canvas.style.height = px + "px";
  const ctx = canvas.getContext("2d"), small = new ImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {  // one pixel per cell, scaled up without smoothing
    const [r, g, b] = rgb(palette, values[i] / limit);
    small.data[4 * i] = r; small.data[4 * i + 1] = g; small.data[4 * i + 2] = b; small.data[4 * i + 3] = 255;
  }
  const tiny = new OffscreenCanvas(SIDE, SIDE);
  tiny.getContext("2d").putImageData(small, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tiny, 0, 0, px, px);
  if (!outline) return;
  ctx.strokeStyle = "rgba(30,30,30,0.6)"; ctx.lineWidth = 1.25; ctx.beginPath();
  const ink = (r, c) => r >= 0 && c >= 0 && r < SIDE && c < SIDE && outline[r * SIDE + c] === "1";
  for (let r = 0; r <= SIDE; r++) for (let c = 0; c <= SIDE; c++) {
    if (c < SIDE && ink(r - 1, c) !== ink(r, c)) { ctx.moveTo(c * cell, r * cell); ctx.lineTo((c + 1) * cell, r * cell); }
    if (r < SIDE && ink(r, c - 1) !== ink(r, c)) { ctx.moveTo(c * cell, r * cell); ctx.lineTo(c * cell, (r + 1) * cell); }
  }
  ctx.stroke();
}

function colourBar(bar, d, px) {
  const stops = d.palette.map((p, i) => `rgb(${p.join(",")}) ${(100 * i / (d.palette.length - 1)).toFixed(1)}%`);
  const ticks = [1, 0.5, 0, -0.5, -1].map((t) => `<span>${fmt(t * d.limit)}</span>`).join("");
  bar.style.height = px + "px";
  bar.innerHTML = `<div class="ramp" style="background: linear-gradient(to top, ${stops.join(", ")})"
    role="img" aria-label="colour bar: ${d.colorbar}, from ${fmt(-d.limit)} to ${fmt(d.limit)}"></div>
    <div class="ticks">${ticks}</div><div class="title">${d.colorbar}</div>`;
}

export default function ({ parentElement, data: raw }) {
  const d = decode(raw), root = parentElement.querySelector(".dl-grid");
  const panels = root.querySelector(".dl-panels"), tip = root.querySelector(".dl-tip");
  const n = (d.panels || []).length, width = parentElement.clientWidth || root.clientWidth || 1000;
  // Panels shrink to the column they are in, and wrap onto more rows before they get too small to read
  // (a phone); the colour bar stays beside them, never below.
  const fit = (k) => Math.floor((width - 110 - (k - 1) * 15) / k);
  let cols = Math.max(1, Math.min(d.cols || 4, n));
  while (cols > 1 && fit(cols) < 110) cols--;
  const px = Math.max(64, Math.min(d.px, fit(cols)));
  panels.style.gridTemplateColumns = `repeat(${cols}, ${px}px)`;
  while (panels.children.length > n) panels.lastChild.remove();
  while (panels.children.length < n) {
    const fig = document.createElement("figure");
    fig.className = "dl-panel"; fig.innerHTML = "<figcaption></figcaption><canvas role='img'></canvas>";
    panels.appendChild(fig);
  }
  const maps = d.panels.map((p) => floats(p.values));
  d.panels.forEach((p, i) => {
    const fig = panels.children[i], canvas = fig.querySelector("canvas");
    fig.querySelector("figcaption").innerHTML = `<b></b><span></span>`;
    fig.querySelector("b").textContent = p.title; fig.querySelector("span").textContent = p.sub || "";
    canvas.setAttribute("aria-label", `${p.title}: ${d.quantity} map, 28×28 pixels`);
    paint(canvas, maps[i], d.outline, d.limit, d.palette, px);
    canvas.onpointermove = (e) => {
      const box = canvas.getBoundingClientRect(), host = root.getBoundingClientRect();
      const c = Math.min(SIDE - 1, Math.floor((e.clientX - box.left) / box.width * SIDE));
      const r = Math.min(SIDE - 1, Math.floor((e.clientY - box.top) / box.height * SIDE));
      const shown = maps[i][r * SIDE + c], raw = shown * p.scale;
      tip.textContent = `${p.title} · row ${r}, column ${c}: ${d.quantity} ${fmt(raw)}` +
        (p.scale !== 1 ? ` (${fmt(shown)} of its max |value|)` : "");
      tip.hidden = false;
      tip.style.left = (e.clientX - host.left + 14) + "px"; tip.style.top = (e.clientY - host.top + 14) + "px";
    };
    canvas.onpointerleave = () => { tip.hidden = true; };
  });
  colourBar(root.querySelector(".dl-bar"), d, px);
}
"""
