"""Methods that draw only from their own seeded generators (`own_rng` in the registry) run without the
process-wide RNG lock, so one session's slow stochastic method never stalls another's strokes; the claim
itself is checked: their maps do not move when the global generators are reseeded."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest
import torch

from explain import explain, get_method, method_names
from model.rng import GLOBAL_RNG_LOCK

OWN = [n for n in method_names() if get_method(n).own_rng]
# Cheap settings: the property under test does not depend on sample counts.
SMALL = {"n_samples": 16, "background_size": 4}


def _params(name: str) -> dict:
    fields = {f["name"] for f in get_method(name).params.describe()}
    return {k: v for k, v in SMALL.items() if k in fields}


def _reseed(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def test_own_rng_methods_are_the_expected_ones():
    # The drawing page's default stochastic method must be among them (it held the lock before).
    assert "gradient_shap" in OWN and all(get_method(n).stochastic for n in OWN)


@pytest.mark.parametrize("name", OWN)
def test_own_rng_maps_ignore_the_global_generators(model, test_split, name):
    x = test_split.images[3]
    _reseed(1)
    a = explain(model, x, name, params=_params(name), seed=5).values
    _reseed(2)
    b = explain(model, x, name, params=_params(name), seed=5).values
    c = explain(model, x, name, params=_params(name), seed=6).values
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)  # the seed still matters: the method is random, from its own generator


def test_own_rng_method_runs_while_the_lock_is_held(model, test_split):
    """Another session holds the lock (a long lime_image run, say): GradientShap still runs."""
    out: list = []
    worker = threading.Thread(target=lambda: out.append(explain(model, test_split.images[4], "gradient_shap",
                                                                params=_params("gradient_shap"))))
    with GLOBAL_RNG_LOCK:
        worker.start()
        worker.join(timeout=120)  # a guard against a hang, not a timing threshold: it needs no lock at all
        finished = not worker.is_alive()
    worker.join()
    assert finished and out[0].values.shape == (28, 28)
