"""A row of small greyscale images with captions, painted on canvases (Custom Components v2).

The Draw page shows MNIST's preprocessing steps on every stroke: as `st.image` that was four PNG
encodes on the server and four HTTP fetches in the browser per update (~40 ms of a stroke's answer
here); this sends the pixels with the update. `strip_data` is pure (tests read it).
"""

from __future__ import annotations

import base64

import numpy as np

from app.component import light_component

MAX_SIDE = 128  # pixels per image side: what a step needs, and a bound on each update's size

HTML = '<div class="dl-strip"></div>'
CSS = """
.dl-strip { display: flex; flex-wrap: wrap; gap: 0.6rem; font-family: var(--st-font); color: var(--st-text-color); }
.dl-strip figure { margin: 0; display: flex; flex-direction: column; align-items: center; gap: 0.25rem;
  font-size: 13px; }
.dl-strip figcaption { opacity: 0.85; }
.dl-strip canvas { border-radius: 0.3rem; image-rendering: pixelated; }
"""
JS = r"""
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
    const fig = strip.children[i], canvas = fig.querySelector("canvas"), s = atob(im.pixels);
    canvas.width = im.w; canvas.height = im.h;
    canvas.style.width = im.w + "px"; canvas.style.height = im.h + "px";
    const img = new ImageData(im.w, im.h), px = new Uint32Array(img.data.buffer);
    for (let k = 0; k < s.length; k++) { const v = s.charCodeAt(k); px[k] = 0xff000000 | (v << 16) | (v << 8) | v; }
    canvas.getContext("2d").putImageData(img, 0, 0);
    canvas.setAttribute("aria-label", im.caption);
    fig.querySelector("figcaption").textContent = im.caption;
  });
}
"""

_STRIP = light_component("digit_lens.image_strip", HTML, CSS, JS)


def strip_data(images: list[np.ndarray], captions: list[str]) -> dict:
    """uint8 greyscale images (H×W, each side ≤ MAX_SIDE) and their captions → the component's data."""
    if len(images) != len(captions):
        raise ValueError(f"{len(images)} images but {len(captions)} captions")
    out = []
    for img, caption in zip(images, captions):
        a = np.asarray(img)
        if a.ndim != 2 or a.dtype != np.uint8 or not (0 < a.shape[0] <= MAX_SIDE and 0 < a.shape[1] <= MAX_SIDE):
            raise ValueError(f"each image must be 2-D uint8 with sides 1..{MAX_SIDE}, got {a.shape} {a.dtype}")
        out.append({"w": int(a.shape[1]), "h": int(a.shape[0]), "caption": caption,
                    "pixels": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()})
    return {"images": out}


def image_strip(images: list[np.ndarray], captions: list[str], key: str) -> None:
    _STRIP(key=key, data=strip_data(images, captions), width="stretch")


def upscale(img: np.ndarray, side: int = 168) -> np.ndarray:
    """A small image padded to a square (black) and enlarged with crisp pixels."""
    from PIL import Image

    img = np.asarray(img, dtype=float)
    h, w = img.shape
    sq = np.zeros((max(h, w),) * 2)
    top, left = (len(sq) - h) // 2, (len(sq) - w) // 2
    sq[top:top + h, left:left + w] = img
    pixels = (np.clip(sq, 0, 1) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(pixels).resize((side, side), Image.Resampling.NEAREST))
