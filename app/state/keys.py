"""How the shared caches key their arguments (`st.cache_data(hash_funcs=KEYS)`): a model by its weights'
digest, an input by all of its pixels (`model.digests.input_digest`: Streamlit's own hasher samples arrays over a
million values), a contrast by its text. Streamlit keys everything else itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app.state.resources import LoadedModel
from explain import Contrast
from model.digests import input_digest

KEYS: dict[type, Callable[[Any], str]] = {LoadedModel: lambda loaded: loaded.key, np.ndarray: input_digest,
                                          Contrast: str}
