import numpy as np
import pytest
from scipy import ndimage

from model.preprocess import preprocess, to_gray


def _canvas(rgba=True):
    img = np.zeros((280, 280, 4 if rgba else 3), np.uint8)
    if rgba:
        img[..., 3] = 255
    return img


def test_blank_canvas_is_no_input():
    assert preprocess(_canvas()) is None
    assert preprocess(np.zeros((280, 280, 4), np.uint8)) is None  # fully transparent


def test_off_centre_stroke_is_centred_and_fitted():
    img = _canvas()
    img[10:90, 200:215, :3] = 255  # a short bar in the top-right corner
    out = preprocess(img)
    assert out is not None and out.centred.shape == (28, 28)
    cy, cx = ndimage.center_of_mass(out.centred)
    assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0
    rows = np.flatnonzero(out.centred.max(axis=1) > 0.1)
    assert 18 <= rows[-1] - rows[0] + 1 <= 21  # longer side fitted into ~20 px
    assert out.centred.max() <= 1.0 and out.centred.min() >= 0.0


def test_transparent_strokes_count_by_alpha():
    # White everywhere, opaque only on the stroke: read by colour alone, the whole canvas would be ink.
    img = np.zeros((100, 100, 4), np.uint8)
    img[..., :3] = 255
    img[20:80, 45:55, 3] = 255
    img[20:80, 60:62, 3] = 128  # a half-transparent edge counts half
    gray = to_gray(img)
    assert gray[50, 50] == 1.0 and gray[5, 5] == 0.0 and gray[50, 61] == pytest.approx(128 / 255)
    out = preprocess(img)
    assert out is not None
    assert (out.centred > 0.5).mean() < 0.25  # a bar, not a filled square


def test_ink_on_edge_is_kept():
    img = _canvas()
    img[0:280, 0:20, :3] = 255
    out = preprocess(img)
    assert out is not None
    assert int((out.centred.max(axis=1) > 0.5).sum()) == 20  # the whole bar, nothing cut off


@pytest.mark.parametrize("bad", [np.zeros((0, 3)), np.zeros((5, 5, 2)), np.full((4, 4), np.nan)])
def test_bad_arrays_raise(bad):
    with pytest.raises(ValueError):
        to_gray(bad)


def test_preprocessed_drawing_is_recognised(model):
    import torch

    img = _canvas()
    img[40:240, 130:150, :3] = 255  # a vertical stroke: a one
    out = preprocess(img)
    assert int(model(torch.from_numpy(out.centred)[None]).argmax()) == 1


def test_centre_of_mass_agrees_with_scipy():
    from model.preprocess import centre_of_mass

    rng = np.random.default_rng(0)
    for shape in [(28, 28), (5, 9), (1, 1)]:
        img = rng.random(shape) * (rng.random(shape) > 0.6)
        img.flat[0] += 0.5  # some ink
        np.testing.assert_allclose(centre_of_mass(img), ndimage.center_of_mass(img), rtol=0, atol=1e-12)
