"""One explainer API over Captum, SHAP and LIME: `explain(model, x, method, target, params, seed)`.

Every method is a registered adapter returning the same `Attribution`. No Streamlit here.
"""

from explain.core import MethodError, as_input, explain, explain_all_classes, explain_many
from explain.warmup import warm_up
from explain.registry import MethodSpec, fast_methods, get_method, method_names, methods
from explain.types import Attribution, Contrast

__all__ = [
    "Attribution", "Contrast", "MethodError", "MethodSpec", "as_input", "explain", "explain_all_classes",
    "explain_many", "warm_up", "fast_methods", "get_method", "method_names", "methods",
]
