"""How the shared caches key their arguments (`st.cache_data(hash_funcs=KEYS)`): a model by its weights'
digest, an input by all of its pixels, a contrast by its text. Streamlit keys everything else itself."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from app.state.resources import LoadedModel
from explain import Contrast


def input_digest(x: np.ndarray) -> str:
    """Every pixel of an input, as float32 (Streamlit's own hasher samples arrays over a million values)."""
    return hashlib.sha256(np.ascontiguousarray(x, dtype=np.float32).tobytes()).hexdigest()[:16]


KEYS: dict[type, Callable[[Any], str]] = {LoadedModel: lambda loaded: loaded.key, np.ndarray: input_digest,
                                          Contrast: str}
