// The heatmap grid (app/components/heatmap_grid): each 28×28 map painted as an image scaled up without
// smoothing on a canvas, then the digit's outline drawn as the edges between ink and background cells,
// beside one colour bar. A Plotly mosaic of the same maps cost the browser ~70 ms of scripting plus layout
// per update on this machine (CDP profile of the Draw page); painting these canvases is a few ms of it.
// `decode` and `floats` come from app/components/decode.js.

const SIDE = 28;

function rgb(palette, t, signed) {  // t in [-1, 1] → the diverging palette, white at 0; unsigned: [0, 1] → white..red
  const u = signed ? (Math.max(-1, Math.min(1, t)) + 1) / 2 : Math.max(0, Math.min(1, t));
  const x = u * (palette.length - 1), i = Math.min(Math.floor(x), palette.length - 2);
  const f = x - i, a = palette[i], b = palette[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + f * (b[k] - a[k])));
}

function fmt(v) {
  const a = Math.abs(v);
  return a === 0 ? "0" : a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}

function paint(canvas, values, outline, limit, palette, px, signed) {
  const dpr = window.devicePixelRatio || 1, cell = px / SIDE;
  canvas.width = Math.round(px * dpr); canvas.height = Math.round(px * dpr);
  canvas.style.width = canvas.style.height = px + "px";
  const ctx = canvas.getContext("2d"), small = new ImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {  // one pixel per cell, scaled up without smoothing
    const [r, g, b] = rgb(palette, values[i] / limit, signed);
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
  const ticks = (d.signed === false ? [1, 0.75, 0.5, 0.25, 0] : [1, 0.5, 0, -0.5, -1])
    .map((t) => `<span>${fmt(t * d.limit)}</span>`).join("");
  const low = d.signed === false ? 0 : -d.limit;
  bar.style.height = px + "px";
  bar.innerHTML = `<div class="ramp" style="background: linear-gradient(to top, ${stops.join(", ")})"
    role="img" aria-label="colour bar: ${d.colorbar}, from ${fmt(low)} to ${fmt(d.limit)}"></div>
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
    paint(canvas, maps[i], p.outline || d.outline, d.limit, d.palette, px, d.signed !== false);
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
