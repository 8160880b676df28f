"""What the project once computed by hand now comes from scikit-learn and SciPy: the results must be
those libraries' results, and the one palette and one luminance must agree wherever they are used."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.stats import spearmanr
from sklearn.metrics import classification_report

from explain.evaluation.agreement import spearman, unit_ranks
from model.data import Split
from model.evaluate import confusion_matrix, evaluate


class Fixed(torch.nn.Module):
    """Answers with given predictions, one per input in order."""

    def __init__(self, preds: torch.Tensor) -> None:
        super().__init__()
        self.preds = preds

    def forward(self, x):
        return torch.nn.functional.one_hot(self.preds[: x.shape[0]], 10).float()


def test_per_class_scores_and_confusion_are_scikit_learns():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 9, 300)  # digit 9 never occurs
    preds = np.where(rng.random(300) < 0.7, labels, rng.integers(0, 10, 300))
    preds[preds == 3] = 4  # digit 3 is never predicted: its precision is 0 by convention
    rep = evaluate(Fixed(torch.as_tensor(preds)), Split(torch.zeros(300, 28, 28), torch.as_tensor(labels)))
    sk = classification_report(labels, preds, labels=list(range(10)), output_dict=True, zero_division=0)
    for c in rep.per_class:
        ref = sk[str(c.digit)]
        assert (c.precision, c.recall, c.f1, c.support) == pytest.approx(
            (ref["precision"], ref["recall"], ref["f1-score"], ref["support"]), abs=1e-12), c.digit
    assert rep.accuracy == pytest.approx(float((labels == preds).mean()))
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (labels, preds), 1)
    assert rep.confusion == counts.tolist()
    assert rep.per_class[3].precision == 0.0 and rep.per_class[9].support == 0
    assert confusion_matrix(torch.tensor([], dtype=torch.int64), torch.tensor([], dtype=torch.int64)).sum() == 0


def test_spearman_is_scipys_and_zero_for_a_constant_map():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 5, (28, 28)).astype(float)  # many ties
    b = a + rng.normal(0, 2, (28, 28))
    assert spearman(a, b) == pytest.approx(spearmanr(a.ravel(), b.ravel()).statistic, abs=1e-12)
    assert spearman(np.ones((28, 28)), b) == 0.0 and spearman(a, np.zeros((28, 28))) == 0.0


def test_batched_unit_ranks_give_scipys_spearman_for_every_pair():
    rng = np.random.default_rng(2)
    maps = rng.integers(0, 6, (5, 28, 28)).astype(float)
    r = unit_ranks(maps)
    for i in range(5):
        for j in range(5):
            assert r[i] @ r[j] == pytest.approx(spearmanr(maps[i].ravel(), maps[j].ravel()).statistic, abs=1e-9)


def test_the_app_scale_and_the_png_export_are_one_palette():
    from app.figures.common import BLUE, DIVERGING, RED
    from explain.export import diverging_rgb

    for position, colour in DIVERGING:  # the export's colour at each of the app's stops
        rgb = diverging_rgb(np.array([[2 * position - 1]]), zmax=1.0)[0, 0]
        assert "#{:02x}{:02x}{:02x}".format(*rgb) == colour, position
    assert diverging_rgb(np.array([[0.0]]), zmax=1.0)[0, 0].tolist() == [247, 247, 247]
    assert RED == "#b2182b" and BLUE == "#2166ac"


def test_luminance_is_pillows_grey_in_one_place():
    import model.image_io
    from model.preprocess import luminance, to_gray

    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    pillow = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float32)
    np.testing.assert_allclose(luminance(rgb.astype(np.float32)), pillow, atol=0.51)  # Pillow rounds to integers
    np.testing.assert_allclose(to_gray(rgb) * 255, pillow, atol=0.51)  # drawings
    assert model.image_io.luminance is luminance  # uploads: the same weights, not a copy
