// A row of small greyscale images with captions (app/components/image_strip), each painted on its own
// canvas at 1×. `decode` and `greyPixels` come from app/components/decode.js.

export default function ({ parentElement, data: raw }) {
  const data = decode(raw);
  const strip = parentElement.querySelector(".dl-strip"), items = data.images || [];
  while (strip.children.length > items.length) strip.lastChild.remove();
  while (strip.children.length < items.length) {
    const fig = document.createElement("figure");
    fig.innerHTML = "<canvas role='img'></canvas><figcaption></figcaption>";
    strip.appendChild(fig);
  }
  items.forEach((im, i) => {
    const fig = strip.children[i], canvas = fig.querySelector("canvas");
    canvas.width = im.w; canvas.height = im.h;
    canvas.style.width = im.w + "px"; canvas.style.height = im.h + "px";
    canvas.getContext("2d").putImageData(greyPixels(im.pixels, im.w, im.h), 0, 0);
    canvas.setAttribute("aria-label", im.caption);
    fig.querySelector("figcaption").textContent = im.caption;
  });
}
