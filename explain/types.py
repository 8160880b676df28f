"""The result type and the target specification shared by every method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explain.display import ShowsFigure


@dataclass(frozen=True)
class Contrast:
    """"Why `a` and not `b`": explain logit a − logit b."""

    a: int
    b: int

    def __str__(self) -> str:
        return f"{self.a} vs {self.b}"


Target = int | Contrast | None  # None: the predicted class


@dataclass(frozen=True)
class Attribution(ShowsFigure):
    """One method's explanation of one digit for one target. In a notebook it draws itself (`figure()`)."""

    values: np.ndarray  # (28, 28) float64, signed, in units of the explained output
    method: str
    library: str
    target: int | Contrast
    params: dict[str, Any]
    seed: int
    runtime_ms: float
    output: float  # f(x): the explained logit (or logit difference)
    completeness_gap: float | None = None  # Σ values − (f(x) − f(baseline)); None where no axiom applies
    baseline_output: float | None = None  # f(baseline), mean over a background set
    notes: tuple[str, ...] = field(default_factory=tuple)

    def figure(self, digit: np.ndarray | None = None):
        """The map as a Plotly figure (beside `digit`, the input, when given), in the app's colours."""
        from explain.figures.results import attribution_figure

        return attribution_figure(self, digit)

    def to_dict(self, with_values: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method, "library": self.library,
            "target": self.target if isinstance(self.target, int) else {"a": self.target.a, "b": self.target.b},
            "params": self.params, "seed": self.seed, "runtime_ms": self.runtime_ms,
            "output": self.output, "baseline_output": self.baseline_output,
            "completeness_gap": self.completeness_gap, "sum": float(self.values.sum()),
        }
        if with_values:
            out["values"] = self.values.tolist()
        return out


@dataclass(frozen=True)
class BatchAttribution(ShowsFigure):
    """One method's explanations of N digits; `batch[i]` is digit i's `Attribution`. Draws its first
    maps in a notebook (`figure()`)."""

    values: np.ndarray  # (N, *map_shape) float64: (N, 28, 28) for pixel maps
    method: str
    library: str
    targets: tuple[int | Contrast, ...]
    params: dict[str, Any]
    seed: int
    runtime_ms: float  # the whole batch
    outputs: np.ndarray  # (N,) f(x_i) of each digit's explained output
    completeness_gaps: np.ndarray | None = None  # (N,), where the method has the axiom
    baseline_outputs: np.ndarray | None = None  # (N,)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return self.values.shape[0]

    def figure(self, images: np.ndarray | None = None, limit: int = 12):
        """The first `limit` maps on one colour scale (each under its digit when `images` are given)."""
        from explain.figures.results import batch_figure

        return batch_figure(self, images, limit)

    def __getitem__(self, i: int) -> Attribution:
        if not -len(self) <= i < len(self):
            raise IndexError(f"digit {i} out of range for a batch of {len(self)}")
        gap = None if self.completeness_gaps is None else float(self.completeness_gaps[i])
        base = None if self.baseline_outputs is None else float(self.baseline_outputs[i])
        return Attribution(
            values=self.values[i], method=self.method, library=self.library, target=self.targets[i],
            params=self.params, seed=self.seed, runtime_ms=self.runtime_ms / len(self),
            output=float(self.outputs[i]), completeness_gap=gap, baseline_output=base, notes=self.notes,
        )

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @classmethod
    def of(cls, attributions: list[Attribution]) -> BatchAttribution:
        """Per-digit results of one method (same params and seed) as one batch."""
        a0 = attributions[0]
        gaps = [a.completeness_gap for a in attributions]
        bases = [a.baseline_output for a in attributions]
        return cls(
            values=np.stack([a.values for a in attributions]), method=a0.method, library=a0.library,
            targets=tuple(a.target for a in attributions), params=a0.params, seed=a0.seed,
            runtime_ms=sum(a.runtime_ms for a in attributions), outputs=np.array([a.output for a in attributions]),
            completeness_gaps=None if None in gaps else np.array(gaps, dtype=np.float64),
            baseline_outputs=None if None in bases else np.array(bases, dtype=np.float64), notes=a0.notes,
        )
