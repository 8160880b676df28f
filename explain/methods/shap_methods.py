"""shap's DeepExplainer, GradientExplainer and a model-agnostic KernelExplainer over superpixels."""

from __future__ import annotations

import numpy as np
import torch

from explain.baselines import grid_mask
from explain.context import Context, Raw
from explain.methods.captum_perturbation import per_pixel
from explain.methods.surrogates import coalition_outputs
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


# Deep and Gradient explainers: shap loops over examples inside and seeds once per call, so a
# batch goes through them one digit at a time (`batched=False`), each digit seeded alike.
@register(name="shap_deep", display="Deep SHAP (shap)", library="shap", family="Shapley", stochastic=True,
          params=ShapDeepParams, completeness=True, batched=False,
          summary="shap.DeepExplainer: DeepLift rules averaged over a background of training digits")
def shap_deep(ctx: Context) -> Raw:
    refs = ctx.references()
    explainer = _shap().DeepExplainer(ctx.f, refs)
    # The head already selects one output; shap's own additivity check is redone (with a stated
    # tolerance) by `explain` as the completeness gap.
    values = explainer.shap_values(ctx.x.clone(), check_additivity=False)
    return Raw(_single_output(values), references=refs, shared=True)


@register(name="shap_gradient", display="Expected Gradients (shap)", library="shap", family="Shapley",
          stochastic=True, params=ShapGradientParams, completeness=True, batched=False,
          summary="shap.GradientExplainer: expected gradients over a background (complete in expectation)")
def shap_gradient(ctx: Context) -> Raw:
    refs = ctx.references()
    explainer = _shap().GradientExplainer(ctx.f, refs, batch_size=ctx.params.n_samples)
    values = explainer.shap_values(ctx.x.clone(), nsamples=ctx.params.n_samples, rseed=ctx.seed)
    return Raw(_single_output(values), references=refs, shared=True)


@register(name="shap_kernel", display="Kernel SHAP (shap)", library="shap", family="Shapley",
          stochastic=True, params=ShapKernelParams, completeness=True,
          summary="shap.KernelExplainer over superpixels; absent ones take the baseline")
def shap_kernel(ctx: Context) -> Raw:
    # The explained "model" maps a coalition to the outputs of every digit in the batch: shap draws
    # one set of coalitions (from the seed, never from the digits) and solves once per digit.
    mask = grid_mask(ctx.params.cell)
    n = int(mask.max()) + 1
    b = ctx.baseline()

    def f(z: np.ndarray) -> np.ndarray:
        return coalition_outputs(ctx, mask, torch.from_numpy(z.astype(np.float64)), b).numpy()

    explainer = _shap().KernelExplainer(f, np.zeros((1, n)))
    # No L1 feature selection: it zeroes real contributions (measured on a linear model).
    values = explainer.shap_values(np.ones((1, n)), nsamples=ctx.params.n_samples, silent=True, l1_reg=False)
    seg = torch.from_numpy(np.asarray(values, dtype=np.float64).reshape(n, ctx.n).T.copy())  # (N, n)
    return Raw(per_pixel(seg[:, mask.reshape(-1)].reshape(ctx.x.shape), mask), references=b)
