"""Each registry method called straight on its library, with the settings `explain` uses by default.

This is the floor the wrapper overhead is measured against: same model (with the same one-output
head), same input, same baselines, backgrounds, masks and sample counts; nothing validated,
nothing copied, no result type.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shap
import torch
from captum._utils.models.linear_model import SkLearnRidge
from captum.attr import (
    LRP,
    Deconvolution,
    DeepLift,
    DeepLiftShap,
    FeatureAblation,
    GradientShap,
    GuidedBackprop,
    InputXGradient,
    IntegratedGradients,
    KernelShap,
    Lime,
    NoiseTunnel,
    Occlusion,
    Saliency,
    ShapleyValueSampling,
)
from lime import lime_image

from explain.baselines import background, grid_mask
from explain.context import TargetHead
from explain.adapters.surrogates import LIME_KERNEL_WIDTH
from model.network import IMAGE_SIDE


def _lime_similarity(original, perturbed, interpretable, **kwargs) -> torch.Tensor:
    # lime_image's kernel on the on/off vector, as Captum's Lime takes it (one sample at a time).
    z = interpretable.to(torch.float64).reshape(-1)
    d = 1.0 - z.sum() / (z.norm() * z.numel() ** 0.5 + 1e-12)
    return torch.sqrt(torch.exp(-(d**2) / LIME_KERNEL_WIDTH**2))


def raw_calls(f: TargetHead, x: torch.Tensor) -> dict[str, Callable[[], object]]:
    """name → a zero-argument call of the raw library (x: (1, 1, 28, 28))."""
    zero = torch.zeros_like(x)
    bg20, bg100 = background(20, 0), background(100, 0)
    mask = grid_mask(4)
    flat_mask = mask.reshape(-1)
    seg = mask.reshape(IMAGE_SIDE, IMAGE_SIDE).numpy()
    xg = lambda: x.clone().requires_grad_(True)  # noqa: E731
    img = x.reshape(IMAGE_SIDE, IMAGE_SIDE).numpy().astype(np.float64)

    def shap_kernel():
        def fn(z):
            on = torch.from_numpy(z.astype(np.float32))[:, flat_mask]
            with torch.no_grad():
                return f(on * x.reshape(-1)).numpy()[:, 0]

        e = shap.KernelExplainer(fn, np.zeros((1, 49)))
        return e.shap_values(np.ones((1, 49)), nsamples=500, silent=True, l1_reg=False)

    def lime_raw():
        def classify(batch):
            with torch.no_grad():
                return f(torch.from_numpy(batch[..., 0].astype(np.float32))).numpy()

        e = lime_image.LimeImageExplainer(random_state=0)
        return e.explain_instance(img, classify, labels=(0,), top_labels=None, hide_color=0, num_features=49,
                                  num_samples=300, batch_size=300, segmentation_fn=lambda _: seg)

    return {
        "saliency": lambda: Saliency(f).attribute(xg(), target=0, abs=True),
        "input_x_gradient": lambda: InputXGradient(f).attribute(xg(), target=0),
        "integrated_gradients": lambda: IntegratedGradients(f).attribute(
            xg(), baselines=zero, target=0, n_steps=128, method="gausslegendre", internal_batch_size=128),
        "deeplift": lambda: DeepLift(f).attribute(xg(), baselines=zero, target=0),
        "deeplift_shap": lambda: DeepLiftShap(f).attribute(xg(), baselines=bg20, target=0),
        "gradient_shap": lambda: GradientShap(f).attribute(xg(), baselines=bg20, target=0, n_samples=20, stdevs=0.0),
        "guided_backprop": lambda: GuidedBackprop(f).attribute(xg(), target=0),
        "deconvolution": lambda: Deconvolution(f).attribute(xg(), target=0),
        "smoothgrad": lambda: NoiseTunnel(Saliency(f)).attribute(
            xg(), nt_type="smoothgrad", nt_samples=20, nt_samples_batch_size=20, stdevs=0.15, target=0, abs=True),
        "lrp": lambda: LRP(f).attribute(xg(), target=0),
        "occlusion": lambda: Occlusion(f).attribute(x, sliding_window_shapes=(1, 4, 4), strides=(1, 2, 2),
                                                    baselines=zero, target=0, perturbations_per_eval=169),
        "feature_ablation": lambda: FeatureAblation(f).attribute(x, baselines=zero, target=0, feature_mask=mask,
                                                                 perturbations_per_eval=49),
        "shapley_value_sampling": lambda: ShapleyValueSampling(f).attribute(
            x, baselines=zero, target=0, feature_mask=mask, n_samples=25, perturbations_per_eval=49),
        "kernel_shap": lambda: KernelShap(f).attribute(x, baselines=zero, target=0, feature_mask=mask,
                                                       n_samples=200, perturbations_per_eval=200),
        "lime": lambda: Lime(f, interpretable_model=SkLearnRidge(alpha=1.0), similarity_func=_lime_similarity
                             ).attribute(x, baselines=zero, target=0, feature_mask=mask, n_samples=200,
                                         perturbations_per_eval=200),
        "lime_image": lime_raw,
        "shap_deep": lambda: shap.DeepExplainer(f, bg100).shap_values(x.clone(), check_additivity=False),
        "shap_gradient": lambda: shap.GradientExplainer(f, bg100, batch_size=200).shap_values(
            x.clone(), nsamples=200, rseed=0),
        "shap_kernel": shap_kernel,
    }
