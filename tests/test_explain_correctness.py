"""Known answers: axioms on the real model, exact values on a linear model, agreement between libraries."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr

from explain import explain
from explain.baselines import grid_mask

DIGITS = range(8)


class Linear(torch.nn.Module):
    """f(x) = W x + c on raw pixels: every attribution method has a known exact answer here."""

    def __init__(self) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.fc = torch.nn.Linear(784, 10)
        with torch.no_grad():
            self.fc.weight.copy_(torch.randn(10, 784, generator=g))
            self.fc.bias.copy_(torch.randn(10, generator=g))
        self.requires_grad_(False)

    def forward(self, x):
        return self.fc(x.reshape(x.shape[0], -1))


def _relative_gap(a) -> float:
    return abs(a.completeness_gap) / max(abs(a.output - a.baseline_output), 1e-6)


@pytest.mark.parametrize("baseline", ["zero", "mean", "blur", "noise"])
def test_integrated_gradients_completeness(model, test_split, baseline):
    # Stated tolerance: 2 % of f(x) − f(baseline) at the default 128 Gauss-Legendre steps.
    gaps = [_relative_gap(explain(model, test_split.images[i], "integrated_gradients",
                                  params={"baseline": baseline})) for i in DIGITS]
    assert max(gaps) < 0.02 and float(np.median(gaps)) < 0.005, gaps


@pytest.mark.parametrize("method", ["deeplift", "deeplift_shap", "shap_deep", "shapley_value_sampling", "shap_kernel"])
def test_exactly_complete_methods(model, test_split, method):
    for i in DIGITS[:4]:
        a = explain(model, test_split.images[i], method)
        assert _relative_gap(a) < 1e-4, (method, i, a.completeness_gap)


@pytest.mark.parametrize("method, params", [("gradient_shap", {"n_samples": 200, "background_size": 50}),
                                            ("shap_gradient", {"n_samples": 500, "background_size": 50})])
def test_expected_gradients_complete_in_expectation(model, test_split, method, params):
    x = test_split.images[1]
    one = [explain(model, x, method, params=params, seed=s) for s in range(6)]
    mean_gap = np.mean([a.completeness_gap for a in one])
    delta = np.mean([a.output - a.baseline_output for a in one])
    assert abs(mean_gap) < 0.05 * abs(delta)


def test_kernel_shap_is_nearly_complete(model, test_split):
    a = explain(model, test_split.images[2], "kernel_shap", params={"n_samples": 500})
    assert _relative_gap(a) < 0.05


@pytest.mark.parametrize("baseline", ["zero", "mean", "noise"])
def test_linear_model_exact_answers(test_split, baseline):
    lin = Linear()
    x = test_split.images[0]
    t = 3
    from explain.baselines import make_baseline

    b = make_baseline(baseline, x.reshape(1, 1, 28, 28), seed=0).reshape(28, 28)
    w = lin.fc.weight[t].reshape(28, 28)
    truth = (w * (x - b)).numpy()
    ig = explain(lin, x, "integrated_gradients", target=t, params={"baseline": baseline})
    np.testing.assert_allclose(ig.values, truth, atol=1e-5)
    dl = explain(lin, x, "deeplift", target=t, params={"baseline": baseline})
    np.testing.assert_allclose(dl.values, truth, atol=1e-5)
    occ = explain(lin, x, "occlusion", target=t, params={"baseline": baseline, "window": 1, "stride": 1})
    np.testing.assert_allclose(occ.values, truth, atol=1e-4)
    if baseline == "zero":
        ixg = explain(lin, x, "input_x_gradient", target=t)
        np.testing.assert_allclose(ixg.values, truth, atol=1e-6)
        sal = explain(lin, x, "saliency", target=t, params={"absolute": False})
        np.testing.assert_allclose(sal.values, w.numpy(), atol=1e-6)
    # Superpixel Shapley values of a linear model: each cell gets its pixels' summed contribution.
    cell_truth = np.bincount(grid_mask(4).reshape(-1).numpy(), weights=truth.reshape(-1))
    for method in ("shapley_value_sampling", "shap_kernel", "feature_ablation"):
        a = explain(lin, x, method, target=t, params={"baseline": baseline})
        cells = np.bincount(grid_mask(4).reshape(-1).numpy(), weights=a.values.reshape(-1))
        np.testing.assert_allclose(cells, cell_truth, atol=1e-3, err_msg=method)


def test_shap_deep_agrees_with_captum_deeplift_shap(model, test_split):
    for i in DIGITS[:4]:
        x = test_split.images[i]
        a = explain(model, x, "deeplift_shap", params={"background_size": 30}, seed=4)
        b = explain(model, x, "shap_deep", params={"background_size": 30}, seed=4)
        np.testing.assert_allclose(a.values, b.values, atol=1e-5)


def test_shap_deep_agrees_with_captum_deeplift_on_zero_baseline(model, test_split):
    import shap

    from explain.context import private_head

    x = test_split.images[0].reshape(1, 1, 28, 28)
    ours = explain(model, x, "deeplift", target=7)
    w = torch.zeros(10)
    w[7] = 1
    raw = shap.DeepExplainer(private_head(model, w), torch.zeros(1, 1, 28, 28)).shap_values(x, check_additivity=False)
    r = pearsonr(ours.values.ravel(), np.asarray(raw).ravel())[0]
    assert r > 0.9999


def test_two_limes_agree_on_strongest_segments(model, test_split):
    cells = grid_mask(4).reshape(-1).numpy()
    overlaps = []
    for i in DIGITS[:5]:
        x = test_split.images[i]
        a = np.bincount(cells, weights=explain(model, x, "lime", params={"n_samples": 1000}).values.ravel())
        b = np.bincount(cells, weights=explain(model, x, "lime_image", params={"n_samples": 1000}).values.ravel())
        overlaps.append(len(set(np.argsort(-a)[:5]) & set(np.argsort(-b)[:5])))
        assert pearsonr(a, b)[0] > 0.9
    assert np.mean(overlaps) >= 4, overlaps


@pytest.mark.parametrize("baseline", ["background", "blur"])
def test_batched_expected_gradients_equal_shaps_own_gradient_explainer(model, test_split, baseline):
    """shap_gradient runs shap's estimator batched: the same numbers as shap.GradientExplainer per digit."""
    import shap

    from explain.adapters.shap_methods import shap_gradient
    from explain.context import Context, private_head
    from explain.params import ShapGradientParams

    x = test_split.images[:3].reshape(3, 1, 28, 28)
    ctx = Context(f=private_head(model, torch.eye(10)), x=x, target=torch.tensor([7, 2, 1]), seed=7,
                  params=ShapGradientParams(n_samples=40, background_size=20, baseline=baseline))
    ours = np.asarray(shap_gradient(ctx).values, dtype=np.float64).reshape(3, 784)
    refs = ctx.references()
    for i in range(3):
        background = refs if ctx.uses_background() else refs[i : i + 1]
        explainer = shap.GradientExplainer(ctx.column_head(int(ctx.target[i])), background, batch_size=40)
        theirs = np.asarray(explainer.shap_values(x[i : i + 1].clone(), nsamples=40, rseed=7)).reshape(784)
        np.testing.assert_allclose(ours[i], theirs, rtol=1e-4, atol=1e-5 * np.abs(theirs).max())


@pytest.mark.parametrize("method", ["saliency", "input_x_gradient", "integrated_gradients", "deeplift", "deeplift_shap",
                                    "guided_backprop", "deconvolution", "lrp", "smoothgrad", "gradient_shap"])
def test_one_backward_root_gives_captums_own_maps(model, test_split, method, monkeypatch):
    """explain.adapters.one_root replaces Captum's one-root-per-row gradient step: same maps."""
    from explain import explain_batch
    from explain.adapters import captum_gradient

    x = test_split.images[:16]
    ours = explain_batch(model, x, method, params={"steps": 16} if method == "integrated_gradients" else None).values
    monkeypatch.setattr(captum_gradient, "one_root", lambda attribution: attribution)  # Captum's own gradient step
    theirs = explain_batch(model, x, method, params={"steps": 16} if method == "integrated_gradients" else None).values
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7 * np.abs(theirs).max())
