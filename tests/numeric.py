"""Comparing numbers made here with numbers made on another machine (anything shipped in assets/).

float32 sums are not bit-equal across CPUs (AVX2, AVX-512, PyTorch's portable kernels) or thread
counts: the bundled model's Saliency maps recomputed on an AMD EPYC differ from the shipped record by
up to 3.6e-5 absolute, 0.6 % of some pixels but 1e-5 of the map's largest value. A tolerance relative
to the *scale of the quantity* holds across machines and still catches a wrong map (a changed model or
method moves values by a good part of that scale). Exact equality stays for digests and for values
produced in the same process.
"""

from __future__ import annotations

import numpy as np

ACROSS_CPUS = 1e-4  # of the quantity's largest magnitude


def assert_close_at_scale(actual, expected, rel: float = ACROSS_CPUS, err_msg: str = "") -> None:
    """Every element within `rel` × max |expected| of `expected` (one absolute tolerance for the array)."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=0, atol=rel * scale,
                               err_msg=f"{err_msg} (tolerance {rel:g} × {scale:.3g})")
