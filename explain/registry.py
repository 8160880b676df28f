"""The method registry: name → spec. Adapters register themselves with `@register(...)`."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from explain.params import Params
from model.network import IMAGE_SIDE

if TYPE_CHECKING:
    from explain.context import Context, Raw

LIBRARIES = ("captum", "shap", "lime")
FAMILIES = ("gradient", "path", "perturbation", "Shapley", "surrogate", "relevance")


@dataclass(frozen=True)
class MethodSpec:
    name: str
    display: str
    library: str
    family: str
    stochastic: bool  # uses random numbers beyond the baseline (seeded)
    params: type[Params]
    run: Callable[[Context], Raw]
    completeness: bool = False  # Σ attributions = f(x) − f(reference) (exactly or in expectation)
    fast: bool = False  # in the default set shown while drawing
    summary: str = ""
    # False: the library explains one example at a time; `explain_batch` calls it per digit.
    batched: bool = True
    # What a map is over: (28, 28) pixels, or a layer's units for a method over a layer.
    map_shape: tuple[int, ...] = (IMAGE_SIDE, IMAGE_SIDE)
    # Digits per library call: bounds memory where a method expands each digit (perturbations, samples).
    chunk: int = 4096
    # A cheaper setting for previews while a stroke is still being drawn (e.g. fewer integration steps);
    # the maps after the pen lifts use the method's defaults. Pairs, so the spec stays hashable.
    quick: tuple[tuple[str, object], ...] = ()
    # True: every random draw comes from a generator made from the seed (torch.Generator, RandomState),
    # never from the global ones, so the method runs without GLOBAL_RNG_LOCK and never waits for another
    # session's method (tests/test_rng_lock.py checks both the claim and the lock-free run).
    own_rng: bool = False

    @property
    def axiom(self) -> bool:
        """Deprecated alias of `completeness` (0.1 name); removed in the next release."""
        import warnings

        warnings.warn("MethodSpec.axiom is deprecated; use MethodSpec.completeness", DeprecationWarning, stacklevel=2)
        return self.completeness

    def describe(self) -> dict:
        return {
            "name": self.name, "display": self.display, "library": self.library, "family": self.family,
            "stochastic": self.stochastic, "own_rng": self.own_rng, "completeness": self.completeness, "fast": self.fast,
            "batched": self.batched, "map_shape": list(self.map_shape), "quick": dict(self.quick),
            "summary": self.summary, "params": self.params.describe(),
        }


_REGISTRY: dict[str, MethodSpec] = {}


def register(**spec_fields) -> Callable[[Callable[[Context], Raw]], Callable[[Context], Raw]]:
    """Decorator: register an adapter function under `name` with its metadata."""

    def wrap(fn: Callable[[Context], Raw]) -> Callable[[Context], Raw]:
        spec = MethodSpec(run=fn, **spec_fields)
        if spec.name in _REGISTRY:
            raise ValueError(f"method {spec.name!r} registered twice")
        if spec.library not in LIBRARIES or spec.family not in FAMILIES:
            raise ValueError(f"method {spec.name!r}: bad library {spec.library!r} or family {spec.family!r}")
        _REGISTRY[spec.name] = spec
        return fn

    return wrap


def _load_adapters() -> None:
    # Importing the adapter modules (the "methods" import group) fills the registry, once, under the one
    # import lock; the libraries themselves load when a method of theirs first runs.
    from explain.imports import ensure_imported

    ensure_imported("methods")


def methods() -> list[MethodSpec]:
    _load_adapters()
    return list(_REGISTRY.values())


def method_names() -> list[str]:
    return [m.name for m in methods()]


def get_method(name: str) -> MethodSpec:
    _load_adapters()
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"unknown method {name!r}; known methods: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def drawing_methods() -> list[str]:
    """The methods the Draw page shows while you draw: fast enough to follow the pen."""
    return [m.name for m in methods() if m.fast]


def preview_params(name: str) -> dict[str, object]:
    """The parameters of `name`'s cheaper preview setting ({} when its defaults are already cheap)."""
    return dict(get_method(name).quick)


def fast_methods() -> list[str]:
    """Deprecated: `drawing_methods` (renamed in 0.3.0: "fast" said nothing about which set it is)."""
    warnings.warn("explain.fast_methods is deprecated; use explain.drawing_methods", DeprecationWarning, stacklevel=2)
    return drawing_methods()


def quick_params(name: str) -> dict[str, object]:
    """Deprecated: `preview_params` (renamed in 0.3.0)."""
    warnings.warn("explain.quick_params is deprecated; use explain.preview_params", DeprecationWarning, stacklevel=2)
    return preview_params(name)


def methods_taking(param: str) -> list[str]:
    """The methods with a parameter called `param` (e.g. "baseline")."""
    return [m.name for m in methods() if param in m.params.__dataclass_fields__]
