"""Durations and switches that a test (or an operator) may change through the environment.

Why: a grace period that protects a reconnecting tab in production (15 s) makes a test of it wait 15 s;
the suite sets `DIGIT_LENS_<NAME>` for the servers it starts instead of sleeping through the default.
Read once, where a module defines its constant: nothing here changes while a process runs.
"""

from __future__ import annotations

import math
import os

PREFIX = "DIGIT_LENS_"


def seconds(name: str, default: float) -> float:
    """`DIGIT_LENS_<name>` as a non-negative number of seconds, or `default` when unset."""
    text = os.environ.get(PREFIX + name)
    if text is None or text.strip() == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{PREFIX}{name} must be a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{PREFIX}{name} must be a finite number of seconds >= 0, got {text!r}")
    return value


def switch(name: str, default: bool = True) -> bool:
    """`DIGIT_LENS_<name>` as on (1, true, yes, on) or off (0, false, no, off), or `default` when unset."""
    text = os.environ.get(PREFIX + name, "").strip().lower()
    if text == "":
        return default
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{PREFIX}{name} must be 1/0, true/false, yes/no or on/off, got {text!r}")
