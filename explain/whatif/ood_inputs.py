"""Pictures for fitting and measuring the "does not look like a digit" warning, and the two paths they take
to the model: an upload (PNG/JPEG bytes → `decode_upload` → `preprocess`) and a drawing (the pad's 280×280
white-on-black ink → `preprocess`). The warning is fitted and measured on what the model receives after
either path (issue 28: measured on pictures that skipped the crop-and-centre, it flagged noise and letters,
and after the upload path it flagged neither).

Families, each made by one batched-in-spirit generator (pure numpy/Pillow, seeded): digits as photos on paper
and as pad strokes (should pass), noise, textures, filled shapes, scribbles, scenes, letters typed and drawn
(should be flagged). Letters come from font files; which fonts train and which measure is the caller's.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy import ndimage

from model.image_io import decode_upload
from model.network import N_PIXELS
from model.preprocess import preprocess

SIDE = 280  # the pad's side, and the side pictures are made at
# Letters that are a digit's shape in most hands (O/0, I/l/1, S/5, Z/2, B/8, G/b/6, g/q/9, D≈0): no
# picture-level test can call them "not a digit", so they are measured apart, not in the letters family.
DIGIT_LIKE_LETTERS = "OoIilSsZzBbGgqDQ"
LETTERS = "".join(c for c in "ACEFHJKLMNPRTUVWXYacdefhkmnprtuvwxy" if c not in DIGIT_LIKE_LETTERS)
BRUSHES = (10, 40)  # the pad's brush range (pad.html) at 280 px: 8–40, the default 20


def as_model_input(images: Sequence[np.ndarray]) -> np.ndarray:
    """(N, 784) float64: each picture (white ink on black, any size) after `preprocess`; a picture
    without ink is all zero (the app refuses it, so it never reaches the warning)."""
    out = np.zeros((len(images), N_PIXELS))
    for i, image in enumerate(images):
        steps = preprocess(np.asarray(image, dtype=np.float32))
        if steps is not None:
            out[i] = steps.centred.reshape(-1)
    return out


def encoded(image: np.ndarray, fmt: str = "PNG", quality: int = 90) -> bytes:
    """A 0–1 greyscale picture as the file a visitor would upload."""
    buf = io.BytesIO()
    Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8)).save(buf, format=fmt, quality=quality)
    return buf.getvalue()


def through_upload(files: Sequence[bytes]) -> np.ndarray:
    """(N, 784): what the model receives for each uploaded file (decode, polarity, crop-fit-and-centre)."""
    return as_model_input([decode_upload(f) for f in files])


def through_drawing(inks: Sequence[np.ndarray]) -> np.ndarray:
    """(N, 784): what the model receives for each 280×280 pad ink (white on black, 0–1)."""
    return as_model_input(inks)


def strokes(mask: np.ndarray, brush: float, side: int = SIDE // 2) -> np.ndarray:
    """A shape's skeleton redrawn as the pad draws it: round strokes `brush` px wide on the 280 px pad,
    solid white. Made at half the pad's side (the crop-and-fit to 20 px sees only proportions; 4× faster)."""
    from skimage.morphology import skeletonize

    brush = brush * side / SIDE
    big = np.asarray(Image.fromarray((mask * 255).astype(np.uint8)).resize((side, side), Image.Resampling.BILINEAR))
    skeleton = skeletonize(big > 127)
    if not skeleton.any():
        return np.zeros((side, side))
    return (ndimage.distance_transform_edt(~skeleton) <= brush / 2).astype(np.float64)


def on_paper(ink: np.ndarray, rng: np.random.Generator) -> bytes:
    """White-on-black ink as a phone photo of dark ink on paper: margins, uneven light, blur, grain, JPEG."""
    h, w = ink.shape
    pad = int(rng.integers(h // 4, h))
    canvas = np.zeros((h + 2 * pad, w + 2 * pad))
    top, left = rng.integers(0, pad + 1, 2) + pad // 2
    canvas[top:top + h, left:left + w] = ink
    canvas = np.asarray(Image.fromarray((canvas * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.5)))), dtype=np.float64) / 255
    rows, cols = np.mgrid[0:canvas.shape[0], 0:canvas.shape[1]] / canvas.shape[0]
    # Harsh light too: paper from grey to white across the picture (a slope, and a bright spot falling off),
    # which `decode_upload` fits as a surface (issue 28: one level for all the paper left a grey box).
    harsh = rng.uniform(0, 0.3)
    spot = rng.uniform(0, 1, 2)
    paper = (rng.uniform(0.65, 0.95) + rng.uniform(-harsh, harsh) * rows + rng.uniform(-harsh, harsh) * cols
             - rng.uniform(0, harsh) * ((rows - spot[0]) ** 2 + (cols - spot[1]) ** 2))
    paper = np.clip(paper, 0.45, 1.0)
    dark = rng.uniform(0.05, 0.3)
    photo = paper - canvas * (paper - dark) + rng.normal(0, rng.uniform(0.005, 0.03), canvas.shape)
    return encoded(photo, "JPEG", int(rng.integers(60, 95)))


def upscaled(image: np.ndarray, side: int = SIDE) -> np.ndarray:
    return np.asarray(Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8)).resize(
        (side, side), Image.Resampling.BICUBIC), dtype=np.float64) / 255


def glyph(char: str, font: Path | None, rng: np.random.Generator, side: int = SIDE) -> np.ndarray:
    """One character, white on black, at a random size, offset and slant (font None: Pillow's own font)."""
    size = int(rng.integers(side // 3, int(side * 0.7)))
    face = ImageFont.truetype(str(font), size) if font else ImageFont.load_default(size=size)
    img = Image.new("L", (side, side))
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = d.textbbox((0, 0), char, font=face)
    d.text(((side - (x1 - x0)) / 2 - x0, (side - (y1 - y0)) / 2 - y0), char, fill=255, font=face)
    img = img.rotate(float(rng.uniform(-15, 15)), resample=Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.float64) / 255


def noise(rng: np.random.Generator) -> np.ndarray:
    """Uniform, Gaussian or sparse salt noise, at a random size (the issue's first example)."""
    side = int(rng.integers(28, SIDE + 1))
    kind = rng.integers(3)
    if kind == 0:
        return rng.random((side, side))
    if kind == 1:
        return np.clip(rng.normal(0.5, rng.uniform(0.1, 0.3), (side, side)), 0, 1)
    return (rng.random((side, side)) < rng.uniform(0.02, 0.3)).astype(np.float64)


def texture(rng: np.random.Generator) -> np.ndarray:
    """Smoothed noise, contrast-stretched: cloth, wood grain, a blurry surface."""
    field = ndimage.gaussian_filter(rng.random((SIDE, SIDE)), rng.uniform(2, 15), mode="wrap")
    field = (field - field.mean()) / (field.std() + 1e-9)
    return np.clip(0.5 + field * rng.uniform(0.15, 0.5), 0, 1)


def shape(rng: np.random.Generator) -> np.ndarray:
    """A filled rectangle, ellipse, triangle or star (outlines of a ring would be a fair 0: not made)."""
    img = Image.new("L", (SIDE, SIDE))
    d = ImageDraw.Draw(img)
    cx, cy = rng.uniform(80, 200, 2)
    rx, ry = rng.uniform(30, 110, 2)
    kind = rng.integers(4)
    if kind == 0:
        d.rectangle((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    elif kind == 1:
        d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    else:
        n = 3 if kind == 2 else 10
        angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(0, np.pi)
        radius = np.where(np.arange(n) % 2, 0.45, 1.0) if n == 10 else np.ones(n)
        d.polygon([(cx + rx * r * np.cos(a), cy + ry * r * np.sin(a)) for a, r in zip(angles, radius)], fill=255)
    return np.asarray(img.rotate(float(rng.uniform(0, 360))), dtype=np.float64) / 255


def scribble(rng: np.random.Generator) -> np.ndarray:
    """A tangle of pad strokes: 6–14 random points joined by a smooth line, crossing itself."""
    img = Image.new("L", (SIDE, SIDE))
    points = [tuple(p) for p in rng.uniform(20, SIDE - 20, (int(rng.integers(6, 15)), 2))]
    ImageDraw.Draw(img).line(points, fill=255, width=int(rng.integers(*BRUSHES)), joint="curve")
    return np.asarray(img, dtype=np.float64) / 255


def scene(rng: np.random.Generator) -> bytes:
    """A photo of no digit: a 1/f² field (natural images' spectrum) with a few lit shapes, as a JPEG."""
    f = np.fft.fftfreq(SIDE)
    radius = np.hypot(*np.meshgrid(f, f))
    spectrum = (rng.normal(size=(SIDE, SIDE)) + 1j * rng.normal(size=(SIDE, SIDE))) / np.maximum(radius, 1 / SIDE) ** 2
    field = np.real(np.fft.ifft2(spectrum))
    field = (field - field.min()) / (np.ptp(field) + 1e-9)
    img = Image.fromarray((field * 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(1, 5))):
        x, y = rng.uniform(0, SIDE, 2)
        r = rng.uniform(15, 80)
        d.ellipse((x - r, y - r, x + r, y + r), fill=int(rng.integers(0, 256)))
    img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 3))))
    return encoded(np.asarray(img, dtype=np.float64) / 255, "JPEG", 85)


def many(make: Callable[[np.random.Generator], object], n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [make(rng) for _ in range(n)]


def font_files() -> list[Path]:
    """The TrueType fonts this machine has (DejaVu and Liberation on Debian), sorted; may be empty."""
    roots = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
    return sorted({p for r in roots if r.is_dir() for p in r.rglob("*.ttf")})


def letters(fonts: Sequence[Path | None], n: int, seed: int, chars: str = LETTERS) -> list[np.ndarray]:
    """`n` typed characters (white on black, 280×280), cycling through `chars` and `fonts`."""
    rng = np.random.default_rng(seed)
    return [glyph(chars[i % len(chars)], fonts[(i // len(chars)) % len(fonts)], rng) for i in range(n)]


def drawn(images: Sequence[np.ndarray], seed: int) -> list[np.ndarray]:
    """Each picture's shape as the pad would draw it: its skeleton at a random brush width."""
    rng = np.random.default_rng(seed)
    return [strokes(np.asarray(im) > 0.4, float(rng.uniform(*BRUSHES))) for im in images]
