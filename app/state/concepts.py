"""Concepts picked from test digits (a Map selection, an Explore filter), kept in this session for the Concepts
page's TCAV: name → the picked test-digit indices (a bounded, seeded sample; explain.known.concepts.picked_indices).
Only indices are kept; the pixels come from the shared, read-only test split when the page needs them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.state.resources import test_split
from app.state.session import CONCEPT_PICKED
from explain.known.concepts import MAX_PICKED, picked_indices

MAX_CONCEPTS = 6  # picked concepts kept per session; the oldest goes first


@dataclass(frozen=True)
class PickedConcept:
    name: str  # what was picked, in words: "Map: 37 digits selected in hidden 2"
    indices: tuple[int, ...]  # test digits (at most MAX_PICKED)
    picked_from: int  # how many digits the selection had before the sample

    def examples(self) -> np.ndarray:
        return test_split().images[list(self.indices)].numpy()


def pick_concept(name: str, indices: Sequence[int]) -> PickedConcept:
    """Keep test digits `indices` as a concept named `name` (replacing one of that name); ValueError on a pick
    of fewer than 5 digits or indices out of range."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a picked concept needs a name, got {name!r}")
    chosen = picked_indices(indices, len(test_split()), MAX_PICKED)
    concept = PickedConcept(name.strip()[:80], tuple(int(i) for i in chosen), len(set(int(i) for i in indices)))
    store = CONCEPT_PICKED.setdefault({})
    store.pop(concept.name, None)
    store[concept.name] = concept
    while len(store) > MAX_CONCEPTS:
        store.pop(next(iter(store)))
    return concept


def picked_concepts() -> dict[str, PickedConcept]:
    """This session's picked concepts, oldest first."""
    return dict(CONCEPT_PICKED.get({}) or {})
