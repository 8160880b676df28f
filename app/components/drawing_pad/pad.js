// The drawing pad (app/components/drawing_pad): the strokes stay in the browser, which sends
// `drawing` = {seq, final, size, brush, strokes, crop}, where `crop` is the ink's bounding box of a 280×280
// greyscale rendering at 1× (run-length pairs, base64; payload.py decodes it): what the server preprocesses
// exactly as it did the old component's PNG. It sends at once on pointer-up (and undo, redo, clear) and,
// while a stroke is in progress, at most every 100 ms and never while an earlier update is still unanswered
// (the server echoes the last `seq` it processed as `data.ack`): otherwise reruns queue up and the page lags
// the pen by seconds.
//
// Painting over a digit (What if: `data.grid` = {id, side: 28, base}): the model canvas is the 28×28 digit
// itself; each stroke sets the cells under the brush to its grey `c` (0 erases), shown enlarged cell by cell,
// and the pad sends only on pointer-up (each answer reruns the whole page), with `base` = the digit's id.
const SIZE = 280, THROTTLE_MS = 100, ACK_TIMEOUT_MS = 10000;
const PADS = new WeakMap();  // one state per mounted pad (the module is shared by all instances)

function b64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// Run-length pairs (value, count ≤ 255): synchronous, so an update leaves in the pointerup handler itself
// (CompressionStream's promise chain waited behind the page's rendering, up to 200 ms); a digit's ink is
// long runs of 0 and 255, a few kB instead of w×h bytes.
function rle(bytes) {
  const out = new Uint8Array(2 * bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length;) {
    const v = bytes[i]; let k = 1;
    while (k < 255 && i + k < bytes.length && bytes[i + k] === v) k++;
    out[n++] = v; out[n++] = k; i += k;
  }
  return b64(out.subarray(0, n));
}

function paintStroke(ctx, s) {
  const p = s.pts;
  ctx.lineWidth = s.w; ctx.lineCap = "round"; ctx.lineJoin = "round";
  ctx.strokeStyle = "#fff"; ctx.fillStyle = "#fff";
  if (p.length === 2) { ctx.beginPath(); ctx.arc(p[0], p[1], s.w / 2, 0, 2 * Math.PI); ctx.fill(); return; }
  ctx.beginPath(); ctx.moveTo(p[0], p[1]);
  for (let i = 2; i < p.length; i += 2) ctx.lineTo(p[i], p[i + 1]);
  ctx.stroke();
}

// The cells of a side×side grid under a stroke (points in SIZE-space CSS pixels) get the stroke's grey: each
// point paints the cell it is in and every cell whose centre is within the brush radius; segments are
// walked in half-cell steps so a fast drag leaves no gaps. Integer rectangles: no anti-aliasing.
function paintCells(ctx, s, side) {
  const cell = SIZE / side, r = s.w / 2, p = s.pts, c = s.c === undefined ? 255 : s.c;
  ctx.fillStyle = `rgb(${c},${c},${c})`;
  const dot = (x, y) => {
    const i0 = Math.max(0, Math.floor((y - r) / cell)), i1 = Math.min(side - 1, Math.floor((y + r) / cell));
    const j0 = Math.max(0, Math.floor((x - r) / cell)), j1 = Math.min(side - 1, Math.floor((x + r) / cell));
    for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) {
      const inside = Math.floor(x / cell) === j && Math.floor(y / cell) === i;
      if (inside || Math.hypot((j + 0.5) * cell - x, (i + 0.5) * cell - y) <= r) ctx.fillRect(j, i, 1, 1);
    }
  };
  dot(p[0], p[1]);
  for (let k = 2; k < p.length; k += 2) {
    const n = Math.max(1, Math.ceil(Math.hypot(p[k] - p[k - 2], p[k + 1] - p[k - 1]) / (cell / 2)));
    for (let t = 1; t <= n; t++) dot(p[k - 2] + (p[k] - p[k - 2]) * t / n, p[k - 1] + (p[k + 1] - p[k - 1]) * t / n);
  }
}

function setup(root, args) {
  const view = root.querySelector(".dl-view"), model = root.querySelector(".dl-model");
  const pad = root.querySelector(".dl-pad"), brush = root.querySelector(".dl-brush");
  const inkMode = root.querySelector(".dl-mode"), ink = root.querySelector(".dl-ink");
  const host = root.host || root;  // where the page (and tests) can read the pad's counters
  const vctx = view.getContext("2d"), mctx = model.getContext("2d", { willReadFrequently: true });
  const data = decode(args.data);
  const S = {
    strokes: Array.isArray(data.strokes) ? data.strokes : [], past: [], future: [], current: null,
    seq: Number(data.ack) || 0, lastAck: Number(data.ack) || 0, inflight: null, pending: false, pendingFinal: false, lastSend: 0,
    timer: null, strokeEnd: 0, finalSeq: null, sends: 0, acks: 0, setStateValue: args.setStateValue,
    sentAt: new Map(), rounds: [], grid: null,
  };
  if (data.grid) {  // painting over a digit: a 28×28 model canvas, pixel brush sizes, paint/erase and ink
    S.grid = data.grid; model.width = model.height = data.grid.side;
    brush.min = SIZE / data.grid.side; brush.max = 4 * SIZE / data.grid.side; brush.step = SIZE / data.grid.side;
    root.querySelector(".dl-paint").hidden = false;
    pad.setAttribute("aria-label", "Paint over the digit: drag to paint or erase pixels");
  }
  if (data.brush) brush.value = data.brush;
  S.loaded = data.load && data.load.id;  // a drawing opened from the workspace before this mount: taken up already
  // Paint strokes with the ink's grey, erase strokes with 0; the freehand pad's strokes carry no grey.
  const grey = () => (inkMode.value === "erase" ? 0 : Math.round(Number(ink.value) * 255));
  const paint = (ctx, s) => (S.grid ? paintCells(ctx, s, S.grid.side) : paintStroke(ctx, s));
  function blit() {  // the 28×28 digit, enlarged cell by cell, with a faint grid
    clearTo(vctx); vctx.imageSmoothingEnabled = false; vctx.drawImage(model, 0, 0, SIZE, SIZE);
    vctx.strokeStyle = "rgba(128,128,128,0.25)"; vctx.lineWidth = 1; vctx.beginPath();
    for (let k = 1; k < S.grid.side; k++) {
      const q = k * SIZE / S.grid.side; vctx.moveTo(q, 0); vctx.lineTo(q, SIZE); vctx.moveTo(0, q); vctx.lineTo(SIZE, q);
    }
    vctx.stroke();
  }

  function resize() {  // sharp on high-DPI screens: the backing store follows devicePixelRatio
    const dpr = window.devicePixelRatio || 1;
    view.width = Math.round(SIZE * dpr); view.height = Math.round(SIZE * dpr);
    vctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    repaint();
  }
  function clearTo(ctx) { ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore(); }
  function repaint() {
    if (S.grid) {
      mctx.putImageData(greyPixels(S.grid.base, S.grid.side, S.grid.side), 0, 0);
      for (const s of S.strokes) paint(mctx, s);
      blit();
    } else for (const ctx of [vctx, mctx]) { clearTo(ctx); for (const s of S.strokes) paintStroke(ctx, s); }
    for (const b of root.querySelectorAll("button")) {
      const act = b.dataset.act;
      b.disabled = act === "undo" ? !S.past.length : act === "redo" ? !S.future.length : !S.strokes.length;
    }
  }
  function point(e) {
    const r = view.getBoundingClientRect();
    return [Math.round((e.clientX - r.left) * SIZE / r.width * 2) / 2,
            Math.round((e.clientY - r.top) * SIZE / r.height * 2) / 2];
  }
  function commit(next) { S.past.push(S.strokes); S.future = []; S.strokes = next; repaint(); request(true); }

  function cropBytes() {
    const N = model.width, px = mctx.getImageData(0, 0, N, N).data;
    let x0 = N, y0 = N, x1 = -1, y1 = -1;
    for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
      if (px[(y * N + x) * 4] > 0) { if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; }
    }
    if (x1 < 0) return null;
    const w = x1 - x0 + 1, h = y1 - y0 + 1, out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = px[((y + y0) * N + x + x0) * 4];
    return { x: x0, y: y0, w, h, bytes: out };
  }
  function send(final) {
    const seq = ++S.seq;
    S.inflight = seq; S.lastSend = performance.now(); S.sends++; S.sentAt.set(seq, S.lastSend);
    if (final && S.strokeEnd) S.finalSeq = seq;
    const strokes = S.strokes.concat(S.current ? [S.current] : []), c = cropBytes();
    const crop = c && { x: c.x, y: c.y, w: c.w, h: c.h, enc: "rle", data: rle(c.bytes) };
    const value = { seq, final, size: model.width, brush: Number(brush.value), strokes, crop };
    if (S.grid) value.base = S.grid.id;
    S.setStateValue("drawing", value);
    host.dataset.sends = S.sends;
    clearTimeout(S.timer);  // an answer that never comes (the run was replaced) must not block the pad
    S.timer = setTimeout(() => { if (S.inflight === seq) { S.inflight = null; flush(); } }, ACK_TIMEOUT_MS);
  }
  function request(final) {
    S.pendingFinal = S.pendingFinal || final;
    // A final update (pen lifted, undo, redo, clear) leaves at once: the server drops the preview run it
    // replaces. Updates during a stroke wait for the last answer, so reruns never queue up.
    if (S.inflight !== null && !final) { S.pending = true; return; }
    flush(true);
  }
  function flush(force) {
    if (!force && !S.pending) return;
    const final = S.pendingFinal;
    S.pending = false; S.pendingFinal = false;
    send(final);
  }
  S.onAck = (ack) => {
    if (ack > S.lastAck) {
      S.lastAck = ack; S.acks++; host.dataset.acks = S.acks;
      if (S.sentAt.has(ack)) {  // this update's round trip: sent → answered on the page (the last 50)
        S.rounds = S.rounds.concat([(performance.now() - S.sentAt.get(ack)).toFixed(1)]).slice(-50);
        host.dataset.roundTripsMs = S.rounds.join(",");
      }
      for (const k of S.sentAt.keys()) if (k <= ack) S.sentAt.delete(k);
      if (S.finalSeq !== null && ack >= S.finalSeq) {  // the answer to the drawing as it was on pointer-up
        host.dataset.latencyMs = (performance.now() - S.strokeEnd).toFixed(1);
        host.dataset.answered = (Number(host.dataset.answered) || 0) + 1;
        S.finalSeq = null;
      }
    }
    if (S.inflight !== null && ack >= S.inflight) { S.inflight = null; clearTimeout(S.timer); flush(false); }
  };

  view.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 && e.pointerType === "mouse") return;
    e.preventDefault(); pad.focus({ preventScroll: true });
    try { view.setPointerCapture(e.pointerId); } catch (_) { /* synthetic events have no live pointer */ }
    S.current = { w: Number(brush.value), pts: point(e) };
    if (S.grid) S.current.c = grey();
    S.lastSend = performance.now();  // the first update waits THROTTLE_MS into the stroke
    if (S.grid) { paint(mctx, S.current); blit(); } else { paintStroke(vctx, S.current); paintStroke(mctx, S.current); }
  });
  view.addEventListener("pointermove", (e) => {
    if (!S.current) return;
    const evs = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of evs.length ? evs : [e]) {
      const p = point(ev), q = S.current.pts, n = q.length;
      if (p[0] === q[n - 2] && p[1] === q[n - 1]) continue;
      const seg = { w: S.current.w, c: S.current.c, pts: [q[n - 2], q[n - 1], p[0], p[1]] };
      q.push(p[0], p[1]);
      if (S.grid) paint(mctx, seg); else { paintStroke(vctx, seg); paintStroke(mctx, seg); }
    }
    if (S.grid) blit();
    // Painting over a digit answers at pen-up only: each answer reruns the whole What-if page.
    else if (performance.now() - S.lastSend >= THROTTLE_MS) request(false);
  });
  function end() {
    if (!S.current) return;
    const s = S.current; S.current = null; S.strokeEnd = performance.now();
    host.dataset.strokeEnd = S.strokeEnd.toFixed(1);
    commit(S.strokes.concat([s]));
  }
  view.addEventListener("pointerup", end);
  view.addEventListener("pointercancel", end);
  const actions = {
    undo: () => { if (S.past.length) { S.future.push(S.strokes); S.strokes = S.past.pop(); repaint(); request(true); } },
    redo: () => { if (S.future.length) { S.past.push(S.strokes); S.strokes = S.future.pop(); repaint(); request(true); } },
    clear: () => { if (S.strokes.length) commit([]); },
  };
  // Focus back on the pad after a button: Clear disables itself, and a focused disabled button would swallow
  // the Ctrl+Z that follows.
  for (const b of root.querySelectorAll("button")) b.addEventListener("click", () => {
    actions[b.dataset.act](); pad.focus({ preventScroll: true });
  });
  pad.addEventListener("keydown", (e) => {
    const k = e.key.toLowerCase(), mod = e.ctrlKey || e.metaKey;
    const act = mod && k === "z" ? (e.shiftKey ? "redo" : "undo") : mod && k === "y" ? "redo"
      : k === "delete" || k === "backspace" ? "clear" : null;
    if (act) { e.preventDefault(); actions[act](); }
  });
  window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`).addEventListener?.("change", resize);
  S.rebase = (grid) => {  // another digit to paint over (or the edits were reset): start afresh on it
    S.grid = grid; S.strokes = []; S.past = []; S.future = []; repaint();
  };
  resize();
  S.commit = commit; S.brushInput = brush;
  return S;
}

export default function (args) {
  let S = PADS.get(args.parentElement);
  if (!S) { S = setup(args.parentElement, args); PADS.set(args.parentElement, S); }
  S.setStateValue = args.setStateValue;
  const data = decode(args.data);
  if (data.grid && S.grid && data.grid.id !== S.grid.id) S.rebase(data.grid);
  args.parentElement.querySelector(".dl-note").textContent = data.note || "";
  if (data.ack !== undefined) S.onAck(Number(data.ack));
  if (data.load && data.load.id !== S.loaded && Array.isArray(data.load.strokes)) {
    // A saved drawing opened from the workspace replaces the pad's strokes as one undoable step.
    S.loaded = data.load.id;
    if (data.load.brush) S.brushInput.value = data.load.brush;
    S.commit(data.load.strokes.map((s) => ({ w: s.w, pts: s.pts.slice() })));
  }
}
