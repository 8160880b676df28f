"""Property-based fuzzing of the two parsers of untrusted bytes: checkpoints and pictures.

Random and mutated bytes may load or be refused, but only ever with ValueError, and memory stays
bounded: headers that declare huge sizes must be refused before anything that large is allocated.
"""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from model.checkpoint import CheckpointMeta, checkpoint_bytes, load_checkpoint_bytes, load_uploaded_checkpoint
from model.image_io import decode_upload
from model.network import MLP, MLPConfig

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CHECKPOINT_PEAK_MB = 20  # a 784-16-8-10 checkpoint is 51 KB; nothing may allocate near the 16 MB limit
IMAGE_PEAK_MB = 150  # issue 14: < 150 MB above baseline for any accepted picture


def _checkpoint() -> bytes:
    return checkpoint_bytes(MLP(MLPConfig(hidden=(16, 8))), CheckpointMeta(hidden=(16, 8)))


def _pictures() -> list[bytes]:
    arr = np.full((60, 40), 255, np.uint8)
    arr[10:50, 18:22] = 0
    img = Image.fromarray(arr)
    out = []
    for fmt, mode in (("PNG", "L"), ("PNG", "RGBA"), ("GIF", "P"), ("JPEG", "RGB"), ("BMP", "RGB"), ("WEBP", "RGB")):
        buf = io.BytesIO()
        img.convert(mode).save(buf, format=fmt)
        out.append(buf.getvalue())
    return out


GOOD_CHECKPOINT = _checkpoint()
GOOD_PICTURES = _pictures()


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A valid file with a few bytes overwritten, a slice cut out or inserted, or the tail dropped."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["overwrite", "cut", "insert", "truncate", "big-number"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "overwrite":
            data[at : at + 4] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "truncate":
            del data[at:]
        else:  # a length or size field made huge: the classic way to make a parser allocate
            data[at : at + 4] = b"\xff\xff\xff\x7f"
    return bytes(data)


def _peak_mb(fn, data: bytes) -> float:
    tracemalloc.start()
    try:
        try:
            fn(data)
        except ValueError:
            pass
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _rss_peak_reset() -> bool:
    """Reset this process's peak RSS (VmHWM); False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


@FUZZ
@given(st.one_of(st.binary(max_size=4096), mutated([GOOD_CHECKPOINT])))
def test_checkpoint_loader_only_raises_value_error(data):
    try:
        model, _ = load_checkpoint_bytes(data)
    except ValueError:
        return
    assert isinstance(model, MLP)  # a mutation inside the weights can still be a valid model


@FUZZ
@given(mutated([GOOD_CHECKPOINT]))
def test_checkpoint_loader_memory_is_bounded(data):
    assert _peak_mb(lambda d: load_uploaded_checkpoint("fuzz.safetensors", d), data) < CHECKPOINT_PEAK_MB


@FUZZ
@given(st.one_of(st.binary(max_size=4096), mutated(GOOD_PICTURES)))
def test_image_decoder_only_raises_value_error(data):
    try:
        gray = decode_upload(data)
    except ValueError:
        return
    assert gray.dtype == np.float32 and gray.ndim == 2 and max(gray.shape) <= 280
    assert np.isfinite(gray).all() and gray.min() >= 0.0 and gray.max() <= 1.0


@FUZZ
@given(mutated(GOOD_PICTURES))
def test_image_decoder_memory_is_bounded(data):
    if not _rss_peak_reset():
        pytest.skip("this kernel does not let a process reset its peak RSS")
    base = _rss_mb()
    try:
        decode_upload(data)
    except ValueError:
        pass
    assert _hwm_mb() - base < IMAGE_PEAK_MB
