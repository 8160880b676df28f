"""A malformed pad payload (a modified client) is refused with one message; the next good one works
(issue 24, item 6)."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app.components.drawing_pad.payload import GRID, SIZE, decode, encode


def _good(seq: int = 1) -> dict:
    image = np.zeros((SIZE, SIZE), np.uint8)
    image[40:240, 130:152] = 255
    return {**encode(image, seq), "strokes": [{"w": 20, "pts": [140, 40, 140, 240]}, {"w": 8, "pts": [3, 4]}]}


@pytest.mark.parametrize("strokes, message", [
    ([{"pts": 5}], "stroke 0 width"),
    ([{"w": 20, "pts": 5}], "stroke 0 points"),
    ([{"w": 20, "pts": None}], "stroke 0 points"),
    ([{"w": 20, "pts": [1, 2, 3]}], "x, y pairs"),
    ([{"w": 20, "pts": []}], "x, y pairs"),
    ([{"w": 20, "pts": ["1", 2]}], "must be numbers"),
    ([{"w": 20, "pts": [True, 2]}], "must be numbers"),
    ([{"w": 20, "pts": [1e300, 2]}], "must be numbers"),
    ([{"w": 20, "pts": [1, 2]}, 7], "stroke 1 must be an object"),
    ([{"w": "20", "pts": [1, 2]}], "stroke 0 width"),
    ("strokes", "strokes must be a list"),
    ({"pts": [1, 2]}, "strokes must be a list"),
])
def test_every_malformed_stroke_is_a_value_error_naming_it(strokes, message):
    with pytest.raises(ValueError, match=message):
        decode({**_good(), "strokes": strokes})


@pytest.mark.parametrize("field, value, message", [
    ("final", "yes", "final must be true or false"),
    ("brush", "big", "brush"),
    ("brush", None, "brush"),
    ("seq", None, "seq"),
    ("seq", True, "seq"),
])
def test_every_other_field_is_checked(field, value, message):
    with pytest.raises(ValueError, match=message):
        decode({**_good(), field: value})


def test_crop_data_of_the_wrong_type_is_a_value_error():
    good = _good()
    with pytest.raises(ValueError, match="base64 string"):
        decode({**good, "crop": {**good["crop"], "data": [1, 2]}})


def test_a_good_payload_keeps_its_strokes_and_an_oversized_drawing_only_loses_them():
    d = decode(_good())
    assert d.strokes == _good()["strokes"] and d.image is not None and d.brush == 20
    huge = [{"w": 20, "pts": [1.5, 2.5] * 10_000}] * 3
    assert decode({**_good(), "strokes": huge}).strokes == []
    assert decode({**_good(), "strokes": None}).strokes == []


def _receiver() -> None:
    """A page that hands `payload` to the pad's on_change and shows what the session then holds."""
    import streamlit as st

    from app.components.drawing_pad import _receive, answered, read_drawing

    st.session_state["pad-test"] = {"drawing": st.session_state.get("payload")}
    _receive("pad-test")
    drawing, error = read_drawing("pad-test")
    st.text(f"seq={drawing.seq if drawing else None}")
    st.text(f"ack={answered('pad-test')}")
    if error:
        st.error(f"Could not read the drawing: {error}")


@pytest.mark.parametrize("bad", [
    {"strokes": [{"pts": 5}]}, {"strokes": [{"w": 20, "pts": None}]}, {"crop": {"x": "a"}}, {"final": []},
])
def test_a_bad_payload_is_answered_once_and_the_next_good_one_works(bad):
    at = AppTest.from_function(_receiver)
    at.session_state["payload"] = _good(1)
    at.run()
    assert [t.value for t in at.text] == ["seq=1", "ack=1"] and not at.error
    at.session_state["payload"] = {**_good(2), **bad}
    at.run()
    assert not at.exception
    assert [t.value for t in at.text] == ["seq=1", "ack=2"]  # the last good drawing; the bad one answered
    [error] = at.error
    assert error.value.startswith("Could not read the drawing: drawing ")
    for seq in (3, 4):  # every later, clean stroke is read, and the message is gone
        at.session_state["payload"] = _good(seq)
        at.run()
        assert not at.exception and not at.error
        assert [t.value for t in at.text] == [f"seq={seq}", f"ack={seq}"]


def test_painting_over_a_digit_decodes_to_its_28x28_greys_and_the_digit_it_was_painted_over():
    image = np.zeros((GRID, GRID), np.uint8)
    image[5:9, 3] = 200
    value = {**encode(image), "base": "abc-0", "strokes": [{"w": 20, "c": 200, "pts": [35, 55, 35, 85]}]}
    got = decode(value, GRID)
    assert got.image.shape == (GRID, GRID) and (got.image == image).all() and got.base == "abc-0"
    with pytest.raises(ValueError, match="size must be 28"):
        decode(encode(np.zeros((SIZE, SIZE), np.uint8)), GRID)
    with pytest.raises(ValueError, match="stroke 0 grey"):
        decode({**value, "strokes": [{"w": 20, "c": 300, "pts": [1, 2]}]}, GRID)
    with pytest.raises(ValueError, match="base must be a string"):
        decode({**value, "base": 7}, GRID)
