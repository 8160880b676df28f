"""The shared caches key an input by every one of its pixels (app/state/keys.py): Streamlit's own hasher
samples arrays of a million values or more, so two batches differing in one pixel could share an entry."""

from __future__ import annotations


from app.state.caches import batch_explanation
from app.state import resources


def test_two_batches_differing_in_one_pixel_are_two_entries():
    loaded = resources.bundled_model()
    x = resources.test_split().images[:1300].numpy().copy()  # 1,019,200 values: over Streamlit's sampling size
    y = x.copy()
    y[-1, 27, 27] = 0.5  # one pixel of the last digit (a corner: 0 in every MNIST digit)
    a = batch_explanation(loaded, x, "input_x_gradient")
    b = batch_explanation(loaded, y, "input_x_gradient")
    assert x[-1, 27, 27] == 0 and a.values[-1][27, 27] == 0
    assert b.values[-1][27, 27] != 0  # input × gradient at the changed pixel: computed, not a's entry
