"""Decoding any accepted picture stays under 150 MB above the process's baseline (issue 14 item 3).

Measured as the peak RSS (VmHWM) of a fresh subprocess, which counts Pillow's C allocations
that tracemalloc cannot see.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT

LIMIT_MB = 150
SIDE = 5000  # 25 megapixels: image_io.MAX_PIXELS

# VmHWM (this process's peak RSS, kB) rather than ru_maxrss, which a child inherits from its parent.
PROBE = """
import gc, json, sys
from model.image_io import decode_upload
def hwm():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
data = open(sys.argv[1], "rb").read()
gc.collect()
base = hwm()
gray = decode_upload(data)
print(json.dumps({"above_mb": (hwm() - base) / 1024, "shape": list(gray.shape), "ink": float(gray.max()),
                  "paper": float(gray[2, 2])}))
"""


def _stroke(side: int, dtype=np.uint8, peak=255, dark_on_light=True) -> np.ndarray:
    a = np.full((side, side), peak if dark_on_light else 0, dtype)
    a[side // 5 : 4 * side // 5, side // 2 - side // 20 : side // 2 + side // 20] = 0 if dark_on_light else peak
    return a


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


CASES = {
    "png-16bit": lambda: _save(Image.fromarray(_stroke(SIDE, np.uint16, 65535)), "PNG"),
    "png-8bit": lambda: _save(Image.fromarray(_stroke(SIDE)), "PNG"),
    "png-palette-transparent": lambda: _save(Image.fromarray(_stroke(SIDE)).convert("P"), "PNG", transparency=0),
    "png-rgba": lambda: _save(Image.fromarray(_stroke(SIDE)).convert("RGBA"), "PNG"),
    "png-bilevel": lambda: _save(Image.fromarray(_stroke(SIDE)).convert("1"), "PNG"),
    "jpeg": lambda: _save(Image.fromarray(_stroke(SIDE)).convert("RGB"), "JPEG", quality=60),
    "webp-lossy": lambda: _save(Image.fromarray(_stroke(2449)).convert("RGB"), "WEBP", quality=50),
    "webp-rgba": lambda: _save(Image.fromarray(_stroke(2449)).convert("RGBA"), "WEBP", lossless=True),
    "gif": lambda: _save(Image.fromarray(_stroke(SIDE)).convert("P"), "GIF"),
    "bmp-light-ink": lambda: _save(Image.fromarray(_stroke(2000, dark_on_light=False)), "BMP"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_decoding_memory_is_bounded(name, tmp_path):
    path = tmp_path / f"{name}.bin"
    path.write_bytes(CASES[name]())
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    print(name, round(r["above_mb"]))
    assert r["above_mb"] < LIMIT_MB, f"{name}: {r['above_mb']:.0f} MB above baseline"
    assert max(r["shape"]) <= 280 and r["ink"] > 0.9 and r["paper"] < 0.05, r


def test_webp_over_its_own_pixel_limit_is_refused_before_decoding():
    from model.image_io import MAX_PIXELS_BY_FORMAT, decode_upload

    side = int(MAX_PIXELS_BY_FORMAT["WEBP"] ** 0.5) + 1
    data = _save(Image.new("RGB", (side, side), "white"), "WEBP", quality=10)
    with pytest.raises(ValueError, match="limit for WEBP"):
        decode_upload(data)
