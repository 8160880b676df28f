// The ten class probabilities as plain HTML bars (app/components/probability_bars), the largest in the
// colour `top`. `decode` comes from app/components/decode.js.

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
