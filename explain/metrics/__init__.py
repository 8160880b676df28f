"""Deprecated: the metrics live in `explain.evaluation.metrics` (0.3.0). This alias re-exports its public
names, and its modules under their old names (`explain.metrics.road` is `explain.evaluation.metrics.road`),
and warns once on import; it will be removed in a later release."""

from __future__ import annotations

import sys
import warnings

from explain.evaluation.metrics import (
    REPLACEMENTS,
    CompletenessGap,
    DeletionAUC,
    Entropy,
    Explained,
    Infidelity,
    InsertionAUC,
    MaxSensitivity,
    Metric,
    Scored,
    Sparseness,
    base,
    complexity,
    core_metrics,
    curve,
    curves,
    default_metrics,
    faithfulness,
    path_batch,
    path_images,
    road,
    robustness,
    score_function,
    target_probabilities,
)

__all__ = [
    "REPLACEMENTS", "CompletenessGap", "DeletionAUC", "Entropy", "Explained", "Infidelity", "InsertionAUC",
    "MaxSensitivity", "Metric", "Scored", "Sparseness", "core_metrics", "curve", "curves", "default_metrics",
    "path_batch", "path_images", "score_function", "target_probabilities",
]

for _module in (base, complexity, faithfulness, road, robustness):  # `from explain.metrics.road import …`
    sys.modules[f"{__name__}.{_module.__name__.rpartition('.')[2]}"] = _module

# stacklevel 2 is the code that imported this module: warnings skips importlib's own frames.
warnings.warn("explain.metrics is deprecated: import from explain.evaluation.metrics", DeprecationWarning, stacklevel=2)
