"""shap's DeepExplainer, GradientExplainer and a model-agnostic KernelExplainer over superpixels."""

from __future__ import annotations

import numpy as np
import torch

from explain.baselines import grid_mask
from explain.context import Context, Raw
from explain.methods.captum_perturbation import per_pixel
from explain.params import ShapDeepParams, ShapGradientParams, ShapKernelParams
from explain.registry import register
from explain.warmup import ensure_imported


def _shap():
    """shap, imported on first use through the one importer (it takes seconds and pulls in pandas)."""
    ensure_imported("shap")
    import shap

    return shap


def _single_output(values) -> np.ndarray:
    # shap ≥ 0.45 returns one array with the outputs on the last axis, e.g. (1, 1, 28, 28, 1);
    # older releases return a list with one array per output.
    arr = np.asarray(values[0] if isinstance(values, list) else values)
    return arr.reshape(-1, 784)[0] if arr.size == 784 else arr[..., 0].reshape(784)


@register(name="shap_deep", display="Deep SHAP (shap)", library="shap", family="Shapley", stochastic=True,
          params=ShapDeepParams, axiom=True,
          summary="shap.DeepExplainer: DeepLift rules averaged over a background of training digits")
def shap_deep(ctx: Context) -> Raw:
    bg = ctx.background()
    explainer = _shap().DeepExplainer(ctx.f, bg)
    # The head already selects one output; shap's own additivity check is redone (with a stated
    # tolerance) by `explain` as the completeness gap.
    values = explainer.shap_values(ctx.x.clone(), check_additivity=False)
    return Raw(_single_output(values), baselines=bg)


@register(name="shap_gradient", display="Expected Gradients (shap)", library="shap", family="Shapley",
          stochastic=True, params=ShapGradientParams, axiom=True,
          summary="shap.GradientExplainer: expected gradients over a background (complete in expectation)")
def shap_gradient(ctx: Context) -> Raw:
    bg = ctx.background()
    explainer = _shap().GradientExplainer(ctx.f, bg, batch_size=ctx.params.n_samples)
    values = explainer.shap_values(ctx.x.clone(), nsamples=ctx.params.n_samples, rseed=ctx.seed)
    return Raw(_single_output(values), baselines=bg)


@register(name="shap_kernel", display="Kernel SHAP (shap)", library="shap", family="Shapley",
          stochastic=True, params=ShapKernelParams, axiom=True,
          summary="shap.KernelExplainer over superpixels; absent ones take the baseline")
def shap_kernel(ctx: Context) -> Raw:
    mask = grid_mask(ctx.params.cell)
    flat_mask = mask.reshape(-1)
    n = int(mask.max()) + 1
    x, b = ctx.x.reshape(-1), ctx.baseline().reshape(-1)

    def f(z: np.ndarray) -> np.ndarray:
        on = torch.from_numpy(z.astype(np.float32))[:, flat_mask]  # (S, 784): 1 keeps the pixel
        return ctx.output(on * x + (1 - on) * b).numpy()

    explainer = _shap().KernelExplainer(f, np.zeros((1, n)))
    # No L1 feature selection: it zeroes real contributions (measured on a linear model).
    values = explainer.shap_values(np.ones((1, n)), nsamples=ctx.params.n_samples, silent=True, l1_reg=False)
    seg = torch.from_numpy(np.asarray(values, dtype=np.float64).reshape(n))
    return Raw(per_pixel(seg[mask], mask), baselines=b.reshape(1, 1, 28, 28))
