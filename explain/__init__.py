"""One explainer API over Captum, SHAP and LIME: `explain_batch(model, X, method, targets, params, seed)`
for N digits, and `explain(model, x, method, target, params, seed)`, its N = 1 case.

Every method is a registered adapter returning the same result types. No Streamlit here.
"""

from explain.core import MethodError, as_batch, as_input, explain, explain_all_classes, explain_batch, explain_many
from explain.warmup import warm_up
from explain.registry import (MethodSpec, drawing_methods, fast_methods, get_method, method_names, methods,
                              preview_params, quick_params)
from explain.types import Attribution, BatchAttribution, Contrast

# The capabilities beyond one digit's maps load on first use: `import explain` is on the app's start-up path
# and these pull in captum.concept, cleanlab, scikit-learn and the leaderboard (seconds on 2 cores).
_LAZY = {
    "KnownConfig": "explain.known.scores", "KnownScores": "explain.known.scores",
    "shortcut_scores": "explain.known.scores",  # known-answer scores (a planted shortcut)
    "TcavResult": "explain.known.tcav", "TcavRow": "explain.known.tcav",
    "tcav": "explain.known.tcav",  # concept tests (TCAV with captum.concept)
    "show": "explain.notebook",  # a notebook's one-line view of one digit's maps
    "class_views": "explain.classview", "load_views": "explain.classview",  # the Classes page
    "influence": "explain.trainingdata.influence",  # the Data page: training-data attribution
    "label_issues": "explain.trainingdata.label_issues",  # and label issues
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'explain' has no attribute {name!r}")


__all__ = [
    "Attribution", "BatchAttribution", "Contrast", "MethodError", "MethodSpec", "as_batch", "as_input", "explain",
    "explain_all_classes", "explain_batch", "explain_many", "warm_up", "drawing_methods", "get_method",
    "method_names", "methods", "preview_params",
    *_LAZY,
    "fast_methods", "quick_params",  # deprecated aliases (0.3.0) of drawing_methods and preview_params
]
