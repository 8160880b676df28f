"""The drawing pad's payload: decoding, bad input, and the same 28×28 input as the old PNG path."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.components.drawing_pad.payload import SIZE, _rle, _unrle, decode, encode
from model.image_io import decode_upload
from model.preprocess import preprocess, to_gray


def _drawing(strokes: list[list[tuple[int, int]]], width: int = 20) -> np.ndarray:
    """White round-capped strokes on black at 280×280, anti-aliased by 4× supersampling (like a canvas)."""
    big = Image.new("L", (SIZE * 4, SIZE * 4), 0)
    d = ImageDraw.Draw(big)
    for pts in strokes:
        scaled = [(x * 4, y * 4) for x, y in pts]
        d.line(scaled, fill=255, width=width * 4, joint="curve")
        for x, y in scaled[:: len(scaled) - 1]:
            d.ellipse((x - width * 2, y - width * 2, x + width * 2, y + width * 2), fill=255)
    return np.asarray(big.resize((SIZE, SIZE), Image.Resampling.BOX))


SHAPES = {
    "one": [[(140, 35), (140, 140), (143, 245)]],
    "seven": [[(55, 40), (225, 42), (120, 250)]],
    "zero": [[(140, 40), (205, 90), (205, 190), (140, 245), (75, 190), (75, 90), (140, 40)]],
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_same_drawing_gives_the_same_model_input_as_the_old_png_path(shape):
    gray = _drawing(SHAPES[shape])
    # The old component sent a 280×280 RGBA PNG of white ink on a black background.
    rgba = np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    old = preprocess(np.asarray(Image.open(io.BytesIO(buf.getvalue()))))
    new = preprocess(decode(encode(gray, seq=3)).image)
    assert old is not None and new is not None
    np.testing.assert_allclose(new.centred, old.centred, atol=1.5 / 255)  # within one grey level
    np.testing.assert_allclose(new.drawing, to_gray(rgba), atol=1e-6)
    assert new.centred.sum() > 20  # a real digit, not two empty images agreeing


def test_the_payload_is_compact_and_rebuilds_the_image_exactly():
    gray = _drawing(SHAPES["zero"])
    payload = encode(gray)
    assert len(payload["crop"]["data"]) < 0.1 * gray.size  # run-length ink box, not a 280×280 PNG
    d = decode(payload)
    np.testing.assert_array_equal(d.image, gray)
    assert d.seq == 1 and d.final


def test_an_empty_pad_has_no_image():
    d = decode(encode(np.zeros((SIZE, SIZE), np.uint8), seq=5))
    assert d.image is None and preprocess(np.zeros((SIZE, SIZE), np.uint8)) is None and d.seq == 5


def _crop(**over):
    raw = bytes((0, 4))  # four pixels of value 0, as one (value, count) pair
    return {"seq": 1, "final": True, "size": SIZE,
            "crop": {"x": 10, "y": 10, "w": 2, "h": 2, "enc": "rle", "data": base64.b64encode(raw).decode(), **over}}


@pytest.mark.parametrize("bad, message", [
    ("nope", "must be an object"),
    ({"seq": -1}, "seq"),
    ({"seq": 1, "size": 560}, "size"),
    (_crop(x=279, w=5), "crop width"),
    (_crop(data="!!!not base64"), "not valid base64"),
    (_crop(w=3), "do not make 6 pixels"),
    (_crop(data=base64.b64encode(bytes((9, 255)) * 4000).decode()), "do not make 4 pixels"),
    (_crop(data=base64.b64encode(bytes((9, 0, 9, 4))).decode()), "do not make 4 pixels"),
    (_crop(data="A" * 10**6), "longer than"),
    (_crop(enc="raw", data=base64.b64encode(bytes(5)).decode()), "5 bytes for 2×2 pixels"),
    (_crop(enc="zip"), "encoding must be"),
])
def test_bad_payloads_raise_value_errors_naming_the_problem(bad, message):
    with pytest.raises(ValueError, match=message):
        decode(bad)


def test_run_length_pairs_round_trip_long_runs_and_single_pixels():
    data = np.array([0] * 600 + [255] * 3 + [17] + [0] * 2, np.uint8)
    pairs = _rle(data)
    assert pairs[:6] == bytes((0, 255, 0, 255, 0, 90))  # runs longer than 255 split
    np.testing.assert_array_equal(_unrle(np.frombuffer(pairs, np.uint8), data.size), data)


def test_decode_upload_and_pad_agree_on_a_white_on_black_drawing():
    gray = _drawing(SHAPES["seven"])
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, format="PNG")
    up = preprocess(decode_upload(buf.getvalue()))
    pad = preprocess(decode(encode(gray)).image)
    assert up is not None and pad is not None
    assert np.abs(up.centred - pad.centred).max() < 0.05
