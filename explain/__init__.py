"""One explainer API over Captum, SHAP and LIME: `explain_batch(model, X, method, targets, params, seed)`
for N digits, and `explain(model, x, method, target, params, seed)`, its N = 1 case.

Every method is a registered adapter returning the same result types. No Streamlit here.
"""

from explain.core import MethodError, as_batch, as_input, explain, explain_all_classes, explain_batch, explain_many
from explain.known.scores import KnownConfig, KnownScores, shortcut_scores
from explain.known.tcav import TcavResult, TcavRow, tcav
from explain.warmup import warm_up
from explain.registry import (MethodSpec, drawing_methods, fast_methods, get_method, method_names, methods,
                              preview_params, quick_params)
from explain.types import Attribution, BatchAttribution, Contrast
from explain.notebook import show  # a notebook's one-line view of one digit's maps
from explain.trainingdata.influence import influence
from explain.trainingdata.label_issues import label_issues
from explain.classview import class_views, load_views  # what a whole class looks like (the Classes page)

__all__ = [
    "Attribution", "BatchAttribution", "Contrast", "MethodError", "MethodSpec", "as_batch", "as_input", "explain",
    "explain_all_classes", "explain_batch", "explain_many", "warm_up", "drawing_methods", "get_method",
    "method_names", "methods", "preview_params",
    "KnownConfig", "KnownScores", "shortcut_scores",  # known-answer scores (a planted shortcut)
    "TcavResult", "TcavRow", "tcav",  # concept tests (TCAV with captum.concept)
    "show", "class_views", "load_views",
    "influence", "label_issues",  # the Data page: training-data attribution and label issues
    "fast_methods", "quick_params",  # deprecated aliases (0.3.0) of drawing_methods and preview_params
]
