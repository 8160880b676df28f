"""Method parameters: one frozen dataclass per method, bounds declared next to each field.

`Params.from_dict` builds one from user input (CLI, query string, app widgets) and checks every
value against its declared bounds, so adapters never see an out-of-range number.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

BASELINES = ("zero", "mean", "blur", "noise")  # one reference per digit
BACKGROUND = "background"  # K training digits as references (Shapley-style methods)
REFERENCES = (BACKGROUND, *BASELINES)

P = TypeVar("P", bound="Params")


def bounded(default: Any, lo: float | None = None, hi: float | None = None,
            choices: tuple | None = None, help: str = "") -> Any:
    """A dataclass field with its allowed range (or choices) and a one-line description."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "choices": choices, "help": help})


@dataclass(frozen=True)
class Params:
    """Base class: validates declared bounds after construction."""

    name: ClassVar[str] = "params"

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value, meta = getattr(self, f.name), f.metadata
            if meta.get("choices") is not None:
                if value not in meta["choices"]:
                    raise ValueError(f"{f.name} must be one of {list(meta['choices'])}, got {value!r}")
                continue
            if isinstance(f.default, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{f.name} must be true or false, got {value!r}")
                continue
            if isinstance(f.default, int | float):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"{f.name} must be a number, got {value!r}")
                if isinstance(f.default, int) and not isinstance(value, int):
                    raise ValueError(f"{f.name} must be an integer, got {value!r}")
                lo, hi = meta.get("lo"), meta.get("hi")
                if (lo is not None and value < lo) or (hi is not None and value > hi) or value != value:
                    raise ValueError(f"{f.name} must be in [{lo}, {hi}], got {value!r}")

    @classmethod
    def from_dict(cls: type[P], values: dict[str, Any] | None) -> P:
        values = dict(values or {})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; allowed: {sorted(known)}")
        coerced = {}
        for k, v in values.items():
            default = known[k].default
            # Strings arrive from the CLI and URLs; convert by the field's type, nothing else.
            if isinstance(v, str) and isinstance(default, bool):
                v = {"true": True, "1": True, "false": False, "0": False}.get(v.lower(), v)
            elif isinstance(v, str) and isinstance(default, int | float) and not isinstance(default, bool):
                try:
                    v = type(default)(v)
                except ValueError:
                    raise ValueError(f"{k} must be a number, got {v!r}") from None
            coerced[k] = v
        return cls(**coerced)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """Each parameter's name, default, bounds or choices, and help text (for UIs and --json)."""
        return [
            {"name": f.name, "default": f.default, "lo": f.metadata.get("lo"), "hi": f.metadata.get("hi"),
             "choices": list(f.metadata["choices"]) if f.metadata.get("choices") else None,
             "help": f.metadata.get("help", "")}
            for f in dataclasses.fields(cls)
        ]


@dataclass(frozen=True)
class NoParams(Params):
    pass


@dataclass(frozen=True)
class SaliencyParams(Params):
    absolute: bool = bounded(True, help="absolute gradient, as in Simonyan et al.; off: signed")


@dataclass(frozen=True)
class BaselineParams(Params):
    baseline: str = bounded("zero", choices=BASELINES, help="reference input")
    blur_sigma: float = bounded(3.0, 0.5, 10.0, help="Gaussian sigma of the blurred baseline (px)")


@dataclass(frozen=True)
class IGParams(BaselineParams):
    steps: int = bounded(128, 4, 1024, help="integration steps (Gauss-Legendre)")


@dataclass(frozen=True)
class BackgroundParams(Params):
    baseline: str = bounded(BACKGROUND, choices=REFERENCES,
                            help="reference: K training digits, or one reference per digit (a background of one)")
    blur_sigma: float = bounded(3.0, 0.5, 10.0, help="Gaussian sigma of the blurred baseline (px)")
    background_size: int = bounded(20, 1, 1000, help="training digits used as references (baseline=background)")


@dataclass(frozen=True)
class GradientShapParams(BackgroundParams):
    n_samples: int = bounded(20, 1, 1000, help="random points on baseline→input paths")
    stdevs: float = bounded(0.0, 0.0, 1.0, help="noise added to each sample")


@dataclass(frozen=True)
class SmoothGradParams(Params):
    n_samples: int = bounded(20, 1, 500, help="noisy copies averaged")
    stdev: float = bounded(0.15, 0.0, 1.0, help="noise standard deviation (pixels)")
    absolute: bool = bounded(True, help="average absolute gradients")


@dataclass(frozen=True)
class OcclusionParams(BaselineParams):
    window: int = bounded(4, 1, 14, help="square occluding patch (px)")
    stride: int = bounded(2, 1, 14, help="patch step (px)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.stride > self.window:  # Captum asserts this; gaps between patches would go unscored
            raise ValueError(f"stride must be at most window ({self.window}), got {self.stride}")


@dataclass(frozen=True)
class GridParams(BaselineParams):
    cell: int = bounded(4, 1, 14, help="superpixel grid cell (px); 4 → 49 superpixels")


@dataclass(frozen=True)
class SampledGridParams(GridParams):
    n_samples: int = bounded(200, 10, 5000, help="perturbed samples")


@dataclass(frozen=True)
class ShapleySamplingParams(GridParams):
    # 50 permutations of 784 one-pixel cells is ~40k forward passes: the most one request may cost (~3 s).
    n_samples: int = bounded(25, 1, 50, help="random feature permutations")


@dataclass(frozen=True)
class ShapDeepParams(BackgroundParams):
    background_size: int = bounded(100, 1, 1000, help="training digits used as background")


@dataclass(frozen=True)
class ShapGradientParams(ShapDeepParams):
    n_samples: int = bounded(200, 1, 5000, help="samples of the expected-gradients integral")


@dataclass(frozen=True)
class ShapKernelParams(Params):
    cell: int = bounded(4, 1, 14, help="superpixel grid cell (px)")
    n_samples: int = bounded(500, 10, 5000, help="coalitions evaluated")
    baseline: str = bounded("zero", choices=BASELINES, help="what an absent superpixel becomes")
    blur_sigma: float = bounded(3.0, 0.5, 10.0, help="Gaussian sigma of the blurred baseline (px)")


@dataclass(frozen=True)
class LimeImageParams(Params):
    cell: int = bounded(4, 1, 14, help="superpixel grid cell (px)")
    n_samples: int = bounded(300, 10, 5000, help="perturbed samples")
