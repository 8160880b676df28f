"""One explainer API over Captum, SHAP and LIME: `explain_batch(model, X, method, targets, params, seed)`
for N digits, and `explain(model, x, method, target, params, seed)`, its N = 1 case.

Every method is a registered adapter returning the same result types. No Streamlit here.
"""

from explain.core import MethodError, as_batch, as_input, explain, explain_all_classes, explain_batch, explain_many
from explain.warmup import warm_up
from explain.registry import (MethodSpec, drawing_methods, fast_methods, get_method, method_names, methods,
                              preview_params, quick_params)
from explain.types import Attribution, BatchAttribution, Contrast

__all__ = [
    "Attribution", "BatchAttribution", "Contrast", "MethodError", "MethodSpec", "as_batch", "as_input", "explain",
    "explain_all_classes", "explain_batch", "explain_many", "warm_up", "drawing_methods", "get_method",
    "method_names", "methods", "preview_params",
    "KnownConfig", "KnownScores", "shortcut_scores",  # known-answer scores (a planted shortcut)
    "TcavResult", "TcavRow", "tcav",  # concept tests (TCAV with captum.concept)
    "fast_methods", "quick_params",  # deprecated aliases (0.3.0) of drawing_methods and preview_params
]

# The known-answer API loads scipy.stats and captum's metrics: imported on first use, so `import explain` (every
# page, every process) does not pay for it.
_KNOWN = {"KnownConfig": "explain.known.scores", "KnownScores": "explain.known.scores",
          "shortcut_scores": "explain.known.scores", "TcavResult": "explain.known.tcav", "TcavRow": "explain.known.tcav",
          "tcav": "explain.known.tcav"}


def __getattr__(name: str):
    if name in _KNOWN:
        import importlib

        return getattr(importlib.import_module(_KNOWN[name]), name)
    raise AttributeError(f"module 'explain' has no attribute {name!r}")
