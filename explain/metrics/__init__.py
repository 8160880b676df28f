"""Deprecated: the metrics live in `explain.evaluation.metrics` (0.3.0). This alias re-exports its public
names, and its modules under their old names (`explain.metrics.road` is `explain.evaluation.metrics.road`),
and warns once on import; it will be removed in a later release."""

from __future__ import annotations

import sys
import warnings

from explain.evaluation import metrics as _moved
from explain.evaluation.metrics import base, complexity, faithfulness, road, robustness

__all__ = list(_moved.__all__)
globals().update({name: getattr(_moved, name) for name in __all__})  # the very same objects, one list of names

for _module in (base, complexity, faithfulness, road, robustness):  # `from explain.metrics.road import …`
    sys.modules[f"{__name__}.{_module.__name__.rpartition('.')[2]}"] = _module

# stacklevel 2 is the code that imported this module: warnings skips importlib's own frames.
warnings.warn("explain.metrics is deprecated: import from explain.evaluation.metrics", DeprecationWarning, stacklevel=2)
