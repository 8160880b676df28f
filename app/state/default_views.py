"""Every page's default view of the bundled model, computed once per process (app/startup.py's last phase).

A new visitor sees each page with its defaults (app.state.defaults): test digit #0, the default methods and
settings. Those views are the same for everyone, so after the warm-up the server computes them through
the very cached functions the pages call (same arguments, same cache keys); a page opened meanwhile
waits for the entry being computed instead of computing it twice (Streamlit locks each cache key).
Nothing here draws: the pages' own figures are cheap once the numbers are cached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from app.state.defaults import (
    DEFAULT_TEST_INDEX,
    EVALUATE_METHODS,
    EVALUATE_REPLACEMENT,
    EXPLORE_ROWS,
    MAP_LAYER,
    MAP_NEIGHBOURS,
    SANITY_DIGITS,
    SANITY_METHODS,
    WHATIF_MIN_PROB,
)
from app.state.caches import explanation, probabilities, sanity_cascade, score_card, test_activations, test_thumbnails
from app.state.resources import LoadedModel, test_split


Step = Callable[[str, Callable[[], object]], None]  # runs one named step; a failure is reported, not raised


def _run_one(name: str, work: Callable[[], object]) -> None:
    work()


def _explain_all(loaded: LoadedModel, x: np.ndarray, methods: list[str], step: Step = _run_one) -> None:
    for name in methods:
        step(f"default maps: {name}", lambda name=name: explanation(loaded, x, name, None))


def _evaluate(loaded: LoadedModel, x: np.ndarray, stop: threading.Event) -> None:
    from app.sections.recompute import cascade_many_cached
    from app.state.guidance import shipped_sanity
    from app.state.resources import REFERENCES_FILE, bundled_leaderboard
    from explain.evaluation.metrics import REPLACEMENTS
    from explain.stopping import Stopped

    # The shipped files its trust box and leaderboard tab read (every tab's content runs on the first view).
    bundled_leaderboard(), bundled_leaderboard(REFERENCES_FILE), shipped_sanity()
    score_card(loaded, x, EVALUATE_METHODS, list(REPLACEMENTS)[EVALUATE_REPLACEMENT])
    _explain_all(loaded, x, EVALUATE_METHODS)
    for name in SANITY_METHODS:
        if stop.is_set():
            return
        sanity_cascade(loaded, x, name, False)
        try:  # the longest step: it stops between digits when the server shuts down
            cascade_many_cached(loaded, name, False, SANITY_DIGITS, stop.is_set)
        except Stopped:
            return


def _whatif(loaded: LoadedModel, x: np.ndarray, step: Step) -> None:
    from app.state.whatif import make_counterfactual
    from explain import drawing_methods
    from explain.whatif.counterfactual import CounterfactualConfig

    runner_up = int(np.argsort(probabilities(loaded.model, x))[-2])
    cf, _ = make_counterfactual(loaded, x, CounterfactualConfig(runner_up, WHATIF_MIN_PROB, "l2", False))
    _explain_all(loaded, cf.image, drawing_methods(), step)


def _map(loaded: LoadedModel, x: np.ndarray) -> None:
    from app.state.atlas import neighbours, pca, test_features
    from app.state.training_records import shipped_record
    from app.state.caches import test_probabilities
    from explain.atlas.neighbours import METRICS

    test_probabilities(loaded)
    if MAP_LAYER in test_features(loaded):
        pca(loaded, MAP_LAYER)
        for layer in (MAP_LAYER, "pixels"):
            neighbours(loaded, x, layer, MAP_NEIGHBOURS, METRICS[0])
    shipped_record()


def prime(loaded: LoadedModel, stop: threading.Event, step: Step = _run_one) -> None:
    """Fill the caches behind every page's default view, cheapest and most visited first; `step` runs each
    named part (app.startup's reports a failure and goes on)."""
    from explain import drawing_methods, method_names

    x = test_split().images[DEFAULT_TEST_INDEX].numpy()
    parts: list[tuple[str, Callable[[], object]]] = [
        ("Draw, Explore, What if maps", lambda: _explain_all(loaded, x, drawing_methods(), step)),
        ("Explore's table", lambda: test_thumbnails(tuple(range(EXPLORE_ROWS)))),  # unfiltered
        ("Inside's activations", lambda: test_activations(loaded)),
        ("What if's counterfactual", lambda: _whatif(loaded, x, step)),
        ("Map's default view", lambda: _map(loaded, x)),
        ("Compare: every method", lambda: _explain_all(loaded, x, method_names(), step)),
        ("Evaluate's default view", lambda: _evaluate(loaded, x, stop)),
    ]
    for name, work in parts:
        if stop.is_set():
            return
        step(name, work)
