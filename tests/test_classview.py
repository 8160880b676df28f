"""Class-level views (explain/classview): the disagreement metrics of Krishna et al. 2022 on hand-made
maps with known answers, class means of a linear model, strategies on planted clusters, the NPZ round
trip, and the shipped file against a fresh batched computation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explain.classview import METRICS, class_views, disagreement, load_views, mean_curves, strategies
from explain.classview.views import from_maps, group_means
from model.paths import assets_dir

SHIPPED = assets_dir() / "classes" / "class_views.npz"


def test_identical_maps_agree_fully_at_every_k():
    maps = np.random.default_rng(0).normal(size=(20, 28, 28))
    curves = mean_curves(maps, maps)
    for m in METRICS:
        assert np.allclose(curves[m], 1.0), m
    for k in (1, 50, 784):
        assert all(np.allclose(v, 1.0) for v in disagreement(maps, maps, k).values())


def test_hand_made_maps_give_the_known_agreements():
    # |a| orders features 0,1,2,3; |b| orders 0,1,3,2; feature 1 has opposite signs, so do 2 and 3 not.
    a = np.array([[4.0, 3.0, 2.0, 1.0]])
    b = np.array([[4.0, -3.0, 1.0, 2.0]])
    expected = {  # k → (feature, rank, sign, signed_rank), worked out by hand
        1: (1, 1, 1, 1), 2: (1, 1, 1 / 2, 1 / 2), 3: (2 / 3, 2 / 3, 1 / 3, 1 / 3), 4: (1, 2 / 4, 3 / 4, 1 / 4)}
    curves = mean_curves(a, b)
    for k, values in expected.items():
        got = disagreement(a, b, k)
        for metric, value in zip(METRICS, values, strict=True):
            assert got[metric][0] == pytest.approx(value), (k, metric)
            assert curves[metric][k - 1] == pytest.approx(value), (k, metric)


def test_mean_curves_are_the_average_of_per_digit_agreements():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 7, 7)), rng.normal(size=(30, 7, 7))
    curves = mean_curves(a, b)
    for k in (1, 5, 20, 49):
        per_digit = disagreement(a, b, k)
        for m in METRICS:
            assert curves[m][k - 1] == pytest.approx(per_digit[m].mean()), (k, m)
    # Unrelated random maps: top-k feature agreement near the chance level k / P.
    assert curves["feature"][9] < 0.6


def test_agreement_matrix_of_one_digit_is_symmetric_with_ones_on_the_diagonal():
    from explain.classview.disagreement import agreement_matrix

    a = np.array([[4.0, 3.0, 2.0, 1.0]])
    m = agreement_matrix({"a": a, "b": np.array([[4.0, -3.0, 1.0, 2.0]]), "c": a}, "sign", 2)
    assert np.allclose(m, m.T) and np.allclose(np.diag(m), 1)
    assert m[0, 1] == pytest.approx(0.5) and m[0, 2] == 1.0  # the hand-made pair above; identical maps


@pytest.mark.parametrize("k", [0, 785, 2.5, True])
def test_bad_k_is_a_clear_value_error(k):
    maps = np.ones((2, 28, 28))
    with pytest.raises(ValueError, match="k must be"):
        disagreement(maps, maps, k)


def test_group_means_per_true_and_predicted_class():
    values = np.arange(6, dtype=float).reshape(6, 1)
    means, counts = group_means(values, np.array([0, 0, 1, 1, 1, 2]), np.array([0, 0, 1, 1, 2, 2]))
    assert counts[0, 0] == 2 and counts[1, 1] == 2 and counts[1, 2] == 1 and counts.sum() == 6
    assert means[0, 0, 0] == 0.5 and means[1, 1, 0] == 2.5 and means[1, 2, 0] == 4.0 and means[3, 3, 0] == 0.0


class Linear(torch.nn.Module):
    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(784, 10, bias=False)
        with torch.no_grad():
            self.fc.weight.copy_(w)
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.reshape(x.shape[0], -1))


def test_linear_model_class_mean_map_is_weights_times_mean_digit(test_split):
    # Input × Gradient of a linear model for class c is W_c ⊙ x, so its mean over a class is W_c ⊙ mean digit.
    w = torch.randn(10, 784, generator=torch.Generator().manual_seed(0)) * 0.05
    model = Linear(w)
    x, y = test_split.images[:300], test_split.labels[:300]
    views = class_views(model, x, y, ["input_x_gradient"], ks=())  # no clustering: not what this tests
    v = views.views["input_x_gradient"]
    pred, labels, imgs = model(x).argmax(1).numpy(), y.numpy(), x.numpy().reshape(-1, 28, 28)
    for c in range(10):
        mine = (labels == c) & (pred == c)
        assert views.counts[c, c] == mine.sum()
        if mine.any():  # the mean digit computed here, not by the code under test
            expected = w[c].numpy().reshape(28, 28) * imgs[mine].mean(axis=0)
            assert np.allclose(v.class_maps[c], expected, atol=1e-6 * np.abs(expected).max() + 1e-9), c
    a, b = next((int(t), int(p)) for t, p in zip(labels, pred, strict=True) if t != p)
    pair = (labels == a) & (pred == b)
    assert views.counts[a, b] == pair.sum()
    assert np.allclose(v.mistake_maps[a, b], w[b].numpy().reshape(28, 28) * imgs[pair].mean(axis=0), atol=1e-6)


def test_strategies_find_two_planted_patterns():
    rng = np.random.default_rng(2)
    p1, p2 = np.zeros((28, 28)), np.zeros((28, 28))
    p1[5:10, 5:20], p2[15:25, 10:14] = 1.0, -1.0
    maps = np.concatenate([p1 + 0.05 * rng.normal(size=(40, 28, 28)), 3 * p2 + 0.05 * rng.normal(size=(25, 28, 28))])
    s = strategies(maps, np.arange(100, 165))
    assert s.k == 2 and list(s.sizes) == [40, 25]
    assert np.allclose(s.maps[0], p1, atol=0.05) and np.allclose(s.maps[1], 3 * p2, atol=0.1)
    assert set(s.members[0]) <= set(range(100, 140)) and set(s.members[1]) <= set(range(140, 165))
    assert max(s.silhouettes, key=s.silhouettes.get) == 2


def test_saved_views_load_back(tmp_path):
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(10), 12)
    preds = labels.copy()
    preds[:3] = 7
    maps = {"a": rng.normal(size=(120, 28, 28)), "b": rng.normal(size=(120, 28, 28))}
    views = from_maps(maps, rng.uniform(size=(120, 28, 28)), labels, preds, {"a": True, "b": False}, ks=(2, 3))
    back = load_views(views.save(tmp_path / "v.npz"))
    assert back.methods == ["a", "b"] and back.pairs == [("a", "b")] and not back.views["b"].signed
    assert np.array_equal(back.counts, views.counts)
    scale = np.abs(views.views["a"].class_maps).max()
    assert np.allclose(back.views["a"].class_maps, views.views["a"].class_maps, atol=1e-3 * scale)
    for s0, s1 in zip(views.views["a"].strategies, back.views["a"].strategies, strict=True):
        assert s0.k == s1.k and np.array_equal(s0.members, s1.members) and np.array_equal(s0.sizes, s1.sizes)
    assert np.allclose(back.curves["rank"], views.curves["rank"], atol=1e-6)


def test_shipped_views_match_a_fresh_batched_saliency(model, test_split):
    views = load_views(SHIPPED)
    from explain import drawing_methods, explain_batch

    assert views.methods == drawing_methods()
    assert views.counts.sum() == 10_000 and views.meta["digits"] == 10_000
    assert len(views.pairs) == len(views.methods) * (len(views.methods) - 1) // 2
    idx = np.flatnonzero(test_split.labels.numpy() == 3)
    x = test_split.images[idx]
    pred = model(x.reshape(-1, 1, 28, 28)).argmax(1).numpy()
    keep = pred == 3
    fresh = explain_batch(model, x[keep], "saliency", [3] * int(keep.sum())).values.mean(axis=0)
    shipped = views.views["saliency"].class_maps[3]
    assert np.abs(shipped - fresh).max() <= 1e-2 * np.abs(fresh).max()
