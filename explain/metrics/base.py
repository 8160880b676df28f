"""What every metric shares: the scored input and the model output it is measured on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from explain.types import Attribution, Contrast


@dataclass(frozen=True)
class Scored:
    """One explanation to score: the model, the digit (1, 1, 28, 28) and its attribution."""

    model: nn.Module
    x: torch.Tensor
    attribution: Attribution


def score_function(model: nn.Module, target: int | Contrast) -> Callable[[torch.Tensor], torch.Tensor]:
    """The model's confidence in the explained target, in [0, 1], for a batch of digits.

    A class target: its softmax probability. "a and not b": the probability of a in a two-way
    softmax over {a, b}, i.e. sigmoid(logit a − logit b). Bounded scores make AUCs comparable
    across digits and methods.
    """

    @torch.no_grad()
    def f(batch: torch.Tensor) -> torch.Tensor:
        logits = model(batch)
        if isinstance(target, Contrast):
            return torch.sigmoid(logits[:, target.a] - logits[:, target.b])
        return torch.softmax(logits, dim=1)[:, target]

    return f


class Metric(ABC):
    """A metric: a name, a direction, and a score for one explanation."""

    name: ClassVar[str] = "metric"
    higher_is_better: ClassVar[bool] = True
    description: ClassVar[str] = ""

    @property
    def label(self) -> str:
        return self.name

    @abstractmethod
    def __call__(self, s: Scored) -> float: ...

    def better(self, a: float, b: float) -> bool:
        if np.isnan(b):
            return not np.isnan(a)
        return (a > b) if self.higher_is_better else (a < b)
