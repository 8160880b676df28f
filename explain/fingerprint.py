"""A short digest of several maps' values: equal fingerprints mean identical maps (the app's captions and
the reports print it; another CPU's float sums may differ in the last digits and so in the fingerprint)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np


def fingerprint(done: Mapping[str, Any]) -> str:
    """12 hex digits of sha256 over each method's name and its map's bytes, methods in sorted order."""
    h = hashlib.sha256()
    for name in sorted(done):
        h.update(name.encode())
        h.update(np.ascontiguousarray(done[name].values).tobytes())
    return h.hexdigest()[:12]
