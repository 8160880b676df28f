"""Untrusted image uploads → a grayscale array with white ink on black, ready for `preprocess`.

Decoding is bounded before pixels are touched: the byte size, the formats allowed, the declared
pixel count (decompression bombs) and a downscale of large photos. Every failure is a ValueError
with a message a user can act on.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # declared width × height; bombs claim far more
WORK_SIDE = 280  # larger pictures are downscaled to this longer side before preprocessing
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")


def decode_upload(data: bytes) -> np.ndarray:
    """Bytes of a PNG/JPEG/GIF/BMP/WebP → H×W float32 in [0, 1], ink bright, background dark."""
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
        if w * h > MAX_PIXELS:
            raise ValueError(f"the image declares {w}×{h} pixels; the limit is {MAX_PIXELS:,}")
        frame = next(iter(ImageSequence.Iterator(img)))  # first frame of an animation
        frame.load()
        gray = _to_gray(frame)
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a supported image ({', '.join(FORMATS)}) or too large: {exc}") from None
    except (OSError, SyntaxError, EOFError) as exc:
        raise ValueError(f"the image could not be decoded (truncated or corrupt?): {exc}") from None
    return _mnist_polarity(gray)


def _to_gray(frame: Image.Image) -> np.ndarray:
    if frame.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(frame, dtype=np.float32)
        peak = 65535.0 if frame.mode.startswith("I;16") or arr.max() > 255 else 255.0
        frame = Image.fromarray(np.clip(arr / peak * 255.0, 0, 255).astype(np.uint8))
    has_alpha = frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info)
    if frame.mode not in ("L", "RGB", "RGBA", "LA"):  # palette, CMYK, …: a mode that resizes well
        frame = frame.convert("RGBA" if has_alpha else "RGB")
    # Shrink before any float conversion: a 25-megapixel photo is 100 MB as RGBA bytes, 4× as floats.
    if max(frame.size) > WORK_SIDE:
        frame.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    if has_alpha:
        rgba = frame.convert("RGBA")
        # Transparent means "no ink": put it on paper that contrasts with the opaque strokes
        # (white behind dark ink, black behind light ink), then polarity is decided as usual.
        arr = np.asarray(rgba, dtype=np.float32) / 255.0
        opaque = arr[..., 3] > 0.5
        lum = arr[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        paper_value = 255 if opaque.any() and float(lum[opaque].mean()) < 0.5 else 0
        paper = Image.new("RGBA", rgba.size, (paper_value, paper_value, paper_value, 255))
        frame = Image.alpha_composite(paper, rgba)
    frame = ImageOps.exif_transpose(frame.convert("L"))
    return np.asarray(frame, dtype=np.float32) / 255.0


def _mnist_polarity(gray: np.ndarray) -> np.ndarray:
    """Invert dark-on-light pictures: MNIST digits are white ink on black."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return 1.0 - gray if float(np.median(border)) > 0.5 else gray
