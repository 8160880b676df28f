"""Untrusted image uploads → a grayscale array with white ink on black, ready for `preprocess`.

Decoding is bounded before pixels are touched: the byte size, the formats allowed, the declared
pixel count (decompression bombs) and a downscale of large photos. Every failure is a ValueError
with a message a user can act on.
"""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from model.preprocess import luminance

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # declared width × height; bombs claim far more
WORK_SIDE = 280  # larger pictures are downscaled to this longer side before preprocessing
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
# WebP decodes to RGBA through an extra full-size buffer (measured: ~16 bytes per pixel at peak), so
# its bound is lower to keep every accepted upload under ~150 MB while decoding.
MAX_PIXELS_BY_FORMAT = {"WEBP": 6_000_000}
EXIF_ORIENTATION = 0x0112
# EXIF orientation → the array operation that makes the picture upright (as ImageOps.exif_transpose).
ORIENT = {
    2: np.fliplr, 3: lambda a: np.rot90(a, 2), 4: np.flipud, 5: lambda a: np.rot90(np.flipud(a), -1),
    6: lambda a: np.rot90(a, -1), 7: lambda a: np.rot90(np.flipud(a), 1), 8: lambda a: np.rot90(a, 1),
}


def decode_upload(data: bytes) -> np.ndarray:
    """Bytes of a PNG/JPEG/GIF/BMP/WebP → H×W float32 in [0, 1], ink bright, background black."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"upload must be bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"the file is {len(data):,} bytes; the limit is {MAX_UPLOAD_BYTES:,}")
    try:
        # Pillow itself refuses > 179 megapixels (DecompressionBombError); our own, lower bound is
        # checked on the declared size, before a single pixel is decoded.
        img = Image.open(io.BytesIO(bytes(data)), formats=FORMATS)
        w, h = img.size
        limit = MAX_PIXELS_BY_FORMAT.get(img.format or "", MAX_PIXELS)
        if w * h > limit:
            raise ValueError(f"the image declares {w}×{h} pixels; the limit for {img.format} is {limit:,}")
        frame = next(iter(ImageSequence.Iterator(img)))  # first frame of an animation
        # JPEG can decode at 1/2, 1/4 or 1/8 scale: a 25-megapixel photo never exists at full size.
        frame.draft(frame.mode, (2 * WORK_SIDE, 2 * WORK_SIDE))
        frame.load()
        orientation = frame.getexif().get(EXIF_ORIENTATION, 1)  # read before shrinking drops the EXIF
        gray = _to_gray(frame)
        if orientation in ORIENT:  # a phone photo taken sideways stands upright
            gray = np.ascontiguousarray(ORIENT[orientation](gray))
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a supported image ({', '.join(FORMATS)}) or too large{_detail(exc)}") from None
    except (OSError, SyntaxError, EOFError, ValueError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith("the image declares"):
            raise
        raise ValueError(f"the image could not be decoded (truncated or corrupt?){_detail(exc)}") from None
    return _mnist_polarity(gray)


def _detail(exc: BaseException) -> str:
    """Pillow's message without the in-memory file's repr (`<_io.BytesIO object at 0x…>`)."""
    text = re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-fA-F]+>", "", str(exc)).strip()
    return f": {text}" if text and "cannot identify image file" not in text else ""


def _shrink(frame: Image.Image) -> Image.Image:
    """Box-average the frame to at most 2×WORK_SIDE, one band of rows at a time, converting only bands.

    Converting first (16-bit → float, palette → RGBA) multiplies a 25-megapixel picture's memory by up
    to 8; band by band, the only full-size copy is the decoded frame itself.
    """
    w, h = frame.size
    k = max(1, -(-max(w, h) // (2 * WORK_SIDE)))  # ceil: reduction factor
    wide = frame.mode in ("I;16", "I;16B", "I;16L", "I")
    has_alpha = frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info)
    if k == 1 and not wide:
        return frame if frame.mode in ("L", "RGB", "RGBA", "LA") else frame.convert("RGBA" if has_alpha else "RGB")
    if wide:
        peak = 65535.0 if frame.mode.startswith("I;16") else float(max(255, frame.getextrema()[1]))
    bands = []
    for top in range(0, h - h % k if h >= k else h, k):
        band = frame.crop((0, top, w - w % k if w >= k else w, min(top + k, h)))
        if wide:  # 16-bit: average the small band in numpy, scale to 8 bits
            arr = np.asarray(band, dtype=np.float32)
            bh, bw = arr.shape
            arr = arr[:, : bw - bw % k].reshape(bh, -1, k).mean(axis=(0, 2)) if bw >= k else arr.mean(axis=0)
            bands.append(np.clip(arr / peak * 255.0, 0, 255).astype(np.uint8)[None])
            continue
        band = band.convert("RGBA" if has_alpha else ("L" if frame.mode in ("1", "L", "I", "F") else "RGB"))
        bands.append(np.asarray(band.reduce(k)))
    return Image.fromarray(np.concatenate(bands, axis=0))


def _to_gray(frame: Image.Image) -> np.ndarray:
    frame = _shrink(frame)
    has_alpha = frame.mode in ("RGBA", "LA")
    if max(frame.size) > WORK_SIDE:
        frame.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    if has_alpha:
        rgba = frame.convert("RGBA")
        # Transparent means "no ink": put it on paper that contrasts with the opaque strokes
        # (white behind dark ink, black behind light ink), then polarity is decided as usual.
        arr = np.asarray(rgba, dtype=np.float32) / 255.0
        opaque = arr[..., 3] > 0.5
        lum = luminance(arr)
        paper_value = 255 if opaque.any() and float(lum[opaque].mean()) < 0.5 else 0
        paper = Image.new("RGBA", rgba.size, (paper_value, paper_value, paper_value, 255))
        frame = Image.alpha_composite(paper, rgba)
    frame = frame.convert("L")
    return np.asarray(frame, dtype=np.float32) / 255.0


def _mnist_polarity(gray: np.ndarray) -> np.ndarray:
    """White ink on a black background, as in MNIST: the paper's own level becomes black, and ink darker
    than the paper is inverted. The level is a smooth surface fitted to the paper, not one number: a phone
    photo lit from one side (harsh light) has paper from grey to white, and one level (the border's median)
    left its brighter half as a grey box the crop then kept, and a dark corner could flip the polarity
    (issue 28). Which side is ink: the side the outliers from the paper lie on, weighted by how far."""
    flat, grain = _minus_paper(gray.astype(np.float64))
    cut = GRAIN_CUT * grain + 1e-3
    if float(-flat[flat < -cut].sum()) > float(flat[flat > cut].sum()):
        flat = -flat
    peak = float(flat.max(initial=0.0))
    if peak < 0.05:  # no contrast to speak of: leave it (preprocess finds no ink)
        return np.clip(flat, 0.0, 1.0).astype(np.float32)
    # The paper's grain (a photo's sensor noise, JPEG ringing) is cut at GRAIN_CUT of its spread, but never
    # more than a tenth of the ink's level: noise that *is* the picture stays for the warning to see.
    floor = min(GRAIN_CUT * grain, 0.1 * peak)
    return np.clip((flat - floor) / (peak - floor), 0.0, 1.0).astype(np.float32)


GRAIN_CUT = 3.0  # pixels within 3 robust standard deviations of the fitted paper are paper
PAPER_ROUNDS = 4
PAPER_GRID = 70  # the paper's surface is fitted on a grid of at most 70 × 70 pixels


def _minus_paper(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """(gray minus the fitted paper, the paper's robust spread). The paper is a quadratic surface in the
    position, least squares on the pixels that are not ink (outliers either side), refitted a few times
    from the middle 60 % of grey levels: ink rarely covers a fifth of a picture of one digit. A flat paper
    (a scan, an MNIST-style PNG) gives a flat surface at its level. Fitted on at most PAPER_GRID² pixels
    (a smooth surface needs no more; every pixel made a phone photo's decode take ~0.2 s)."""
    h, w = gray.shape
    step = max(1, -(-max(h, w) // PAPER_GRID))
    rows, cols = np.mgrid[0:h:step, 0:w:step]
    design = _quadratic(rows.ravel(), cols.ravel(), h, w)
    values = gray[::step, ::step].ravel()
    low, high = np.quantile(values, [0.2, 0.8])
    paper = (values >= low) & (values <= high)
    spread, coef = 0.0, np.zeros(design.shape[1])
    for _ in range(PAPER_ROUNDS):
        if paper.sum() < design.shape[1]:  # (a picture of a few pixels) too few to fit: keep the last surface
            break
        a = design[paper]  # normal equations (6×6; a tiny ridge for flat or tiny pictures): lstsq's SVD was
        coef = np.linalg.solve(a.T @ a + 1e-9 * np.eye(a.shape[1]), a.T @ values[paper])  # 10× slower
        residual = values - design @ coef
        spread = 1.4826 * float(np.median(np.abs(residual[paper])))
        paper = np.abs(residual) <= GRAIN_CUT * spread + 1e-3
    rows, cols = np.mgrid[0:h, 0:w]
    return gray - (_quadratic(rows.ravel(), cols.ravel(), h, w) @ coef).reshape(h, w), spread


def _quadratic(rows: np.ndarray, cols: np.ndarray, h: int, w: int) -> np.ndarray:
    """(N, 6): 1, x, y, x², xy, y² of pixel positions scaled to −0.5…0.5."""
    y, x = rows / max(h - 1, 1) - 0.5, cols / max(w - 1, 1) - 0.5
    return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)
