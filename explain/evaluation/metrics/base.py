"""What every metric shares: the explained digits, and the model output the scores are read from.

A metric scores a whole batch at once (`scores` → one number per digit); calling it on one
`Scored` digit is the N = 1 case of the same code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from explain.types import Attribution, BatchAttribution, Contrast
from model.network import IMAGE_SIDE


@dataclass(frozen=True)
class Explained:
    """N explained digits to score: the model, the digits (N, 1, 28, 28) and one method's maps."""

    model: nn.Module
    x: torch.Tensor
    batch: BatchAttribution
    # What several metrics derive from the same maps (the pixel order of the six deletion and
    # insertion curves), computed once per batch; keyed by whoever fills it.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", self.x.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE))
        if self.x.shape[0] != len(self.batch):
            raise ValueError(f"{self.x.shape[0]} digits but {len(self.batch)} maps")

    @property
    def maps(self) -> np.ndarray:
        return self.batch.values.reshape(len(self.batch), -1)


@dataclass(frozen=True)
class Scored:
    """One explained digit: the model, the digit (1, 1, 28, 28) and its attribution."""

    model: nn.Module
    x: torch.Tensor
    attribution: Attribution

    def as_batch(self) -> Explained:
        return Explained(self.model, self.x.reshape(1, 1, IMAGE_SIDE, IMAGE_SIDE), BatchAttribution.of([self.attribution]))


def target_probabilities(logits: torch.Tensor, targets: list[int | Contrast]) -> torch.Tensor:
    """The model's confidence in each row's explained target, in [0, 1].

    A class target: its softmax probability. "a and not b": the probability of a in a two-way
    softmax over {a, b}, i.e. sigmoid(logit a − logit b). Bounded scores make AUCs comparable
    across digits and methods.
    """
    a = torch.tensor([t.a if isinstance(t, Contrast) else t for t in targets])
    b = torch.tensor([t.b if isinstance(t, Contrast) else -1 for t in targets])
    rows = torch.arange(logits.shape[0])
    prob = torch.softmax(logits, dim=1)[rows, a]
    contrast = b >= 0
    if contrast.any():
        diff = logits[rows, a] - logits[rows, b.clamp(min=0)]
        prob = torch.where(contrast, torch.sigmoid(diff), prob)
    return prob


def score_function(model: nn.Module, target: int | Contrast) -> Callable[[torch.Tensor], torch.Tensor]:
    """One target's confidence for a batch of digits (see `target_probabilities`)."""

    @torch.no_grad()
    def f(batch: torch.Tensor) -> torch.Tensor:
        logits = model(batch)
        return target_probabilities(logits, [target] * logits.shape[0])

    return f


class Metric(ABC):
    """A metric: a name, a direction, and a score per explained digit."""

    name: ClassVar[str] = "metric"
    label: ClassVar[str] = "Metric"  # what a person reads in tables and charts
    higher_is_better: ClassVar[bool] = True
    description: ClassVar[str] = ""
    re_explains: ClassVar[bool] = False  # calls the explainer again (costly: run on a subsample)

    @abstractmethod
    def scores(self, e: Explained) -> np.ndarray:
        """One score per digit of the batch, (N,)."""

    def __call__(self, s: Scored) -> float:
        return float(self.scores(s.as_batch())[0])
