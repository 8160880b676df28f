"""`explain.show(x, methods=[...])`: one digit's maps by several methods, drawn as the app's map grid
(the digit first, one colour scale, titled colour bars): the notebook's one-line view."""

from __future__ import annotations

from typing import Any

from torch import nn

from explain.core import as_input, explain
from explain.types import Attribution, Target


def bundled_model() -> nn.Module:
    """The shipped model, ready to explain (no gradients on its weights)."""
    from model.checkpoint import load_checkpoint
    from model.paths import bundled_checkpoint

    model, _ = load_checkpoint(bundled_checkpoint())
    return model.requires_grad_(False)


def explain_methods(model: nn.Module, x: Any, methods: list[str], target: Target = None, seed: int = 0,
                    params: dict[str, dict] | None = None) -> dict[str, Attribution]:
    """Each method's map of one digit (its `params`, else the defaults), by method name."""
    if isinstance(methods, str) or not methods:
        raise ValueError(f"methods must be a non-empty list of method names, got {methods!r}")
    return {m: explain(model, x, m, target, (params or {}).get(m), seed) for m in methods}


def show(x: Any, methods: list[str] | None = None, model: nn.Module | None = None, target: Target = None,
         shared: bool = True, seed: int = 0):
    """Explain digit `x` (28×28 pixels in [0, 1]) with `methods` (default: the drawing set) on `model`
    (default: the bundled one) and return the map grid as a Plotly figure (a notebook shows it)."""
    from explain.figures.results import map_kind, methods_figure
    from explain.registry import drawing_methods

    model = model if model is not None else bundled_model()
    xt = as_input(x)
    done = explain_methods(model, xt, list(methods) if methods is not None else drawing_methods(), target, seed)
    first = next(iter(done.values()))
    what = "the predicted class" if target is None else f"target {target}"
    return methods_figure({m: a.values for m, a in done.items()}, {m: map_kind(a.params) for m, a in done.items()},
                          xt.numpy().reshape(28, 28), shared=shared,
                          title=f"Maps of {what} ({first.target})")
