"""ROAD: our batched imputation equals Quantus's sparse solve; the curves rank a real map above noise."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explain import explain_batch
from explain.evaluation.metrics import Explained
from explain.evaluation.metrics.faithfulness import changed_masks
from explain.evaluation.metrics.road import FRACTIONS, RoadLeRF, RoadMoRF, impute
from explain.types import BatchAttribution


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_imputation_equals_quantus(model, test_split, fraction):
    from quantus.functions.perturb_func import noisy_linear_imputation

    x = test_split.images[:4]
    maps = explain_batch(model, x, "integrated_gradients").values  # clustered holes: the hard case for CG
    removed = changed_masks(maps, np.array([fraction]))[:, 0]
    ours = impute(x.reshape(4, 784), removed, noise=0.0).numpy()
    for i in range(4):
        idx = np.flatnonzero(removed[i].numpy())
        theirs = noisy_linear_imputation(x[i].numpy().reshape(1, 28, 28), idx, noise=0.0).reshape(784)
        np.testing.assert_allclose(ours[i], theirs, atol=1e-3)


def test_noise_is_seeded_and_only_on_removed_pixels(test_split):
    x = test_split.images[:2].reshape(2, 784)
    removed = torch.zeros(2, 784, dtype=torch.bool)
    removed[:, 300:400] = True
    a, b = impute(x, removed, seed=1), impute(x, removed, seed=1)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a[:, :300], x[:, :300])
    assert not torch.equal(impute(x, removed, seed=2), a)


def test_road_separates_a_real_map_from_noise(model, test_split):
    x = test_split.images[:40]
    ig = explain_batch(model, x, "integrated_gradients")
    rng = np.random.default_rng(0)
    noise = BatchAttribution(values=rng.uniform(-1, 1, (40, 28, 28)), method="noise", library="control",
                             targets=ig.targets, params={}, seed=0, runtime_ms=0.0, outputs=ig.outputs)
    morf = RoadMoRF()
    assert morf.scores(Explained(model, x, ig)).mean() < morf.scores(Explained(model, x, noise)).mean()
    # Removing the least relevant pixels first hurts the model less than removing the most relevant.
    assert RoadLeRF().scores(Explained(model, x, ig)).mean() > morf.scores(Explained(model, x, ig)).mean() + 0.2
    assert len(FRACTIONS) == 9 and FRACTIONS[0] == 0.1 and FRACTIONS[-1] == 0.9
