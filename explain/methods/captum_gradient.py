"""Captum's gradient, path and relevance methods: cheap (one to a few backward passes)."""

from __future__ import annotations

from captum.attr import (
    LRP,
    Deconvolution,
    DeepLift,
    DeepLiftShap,
    GradientShap,
    GuidedBackprop,
    InputXGradient,
    IntegratedGradients,
    NoiseTunnel,
    Saliency,
)

from explain.context import Context, Raw
from explain.params import (
    BackgroundParams,
    BaselineParams,
    GradientShapParams,
    IGParams,
    NoParams,
    SaliencyParams,
    SmoothGradParams,
)
from explain.registry import register


def _x(ctx: Context):
    # Captum needs a leaf that can take a gradient; the shared input itself stays untouched.
    return ctx.x.clone().requires_grad_(True)


@register(name="saliency", display="Saliency", library="captum", family="gradient", stochastic=False,
          params=SaliencyParams, fast=True, summary="absolute gradient of the output per pixel (Simonyan et al. 2014)")
def saliency(ctx: Context) -> Raw:
    return Raw(Saliency(ctx.f).attribute(_x(ctx), target=0, abs=ctx.params.absolute))


@register(name="input_x_gradient", display="Input × Gradient", library="captum", family="gradient",
          stochastic=False, params=NoParams, summary="pixel × gradient")
def input_x_gradient(ctx: Context) -> Raw:
    return Raw(InputXGradient(ctx.f).attribute(_x(ctx), target=0))


@register(name="integrated_gradients", display="Integrated Gradients", library="captum", family="path",
          stochastic=False, params=IGParams, axiom=True, fast=True,
          summary="gradients integrated from a baseline (Sundararajan et al. 2017)")
def integrated_gradients(ctx: Context) -> Raw:
    b = ctx.baseline()
    # Gauss-Legendre is far tighter than a Riemann sum at the same step count (measured on 30 test digits at 128 steps: median gap 0.2 %, max 0.7 % of f(x) − f(b)).
    values = IntegratedGradients(ctx.f).attribute(
        _x(ctx), baselines=b, target=0, n_steps=ctx.params.steps, method="gausslegendre",
        internal_batch_size=ctx.params.steps,
    )
    return Raw(values, baselines=b)


@register(name="deeplift", display="DeepLift", library="captum", family="relevance", stochastic=False,
          params=BaselineParams, axiom=True, fast=True, summary="rescale rule vs a baseline (Shrikumar et al. 2017)")
def deeplift(ctx: Context) -> Raw:
    b = ctx.baseline()
    return Raw(DeepLift(ctx.f).attribute(_x(ctx), baselines=b, target=0), baselines=b)


@register(name="deeplift_shap", display="DeepLiftShap", library="captum", family="Shapley", stochastic=True,
          params=BackgroundParams, axiom=True, summary="DeepLift averaged over training digits as baselines")
def deeplift_shap(ctx: Context) -> Raw:
    bg = ctx.background()
    return Raw(DeepLiftShap(ctx.f).attribute(_x(ctx), baselines=bg, target=0), baselines=bg)


@register(name="gradient_shap", display="GradientShap", library="captum", family="Shapley", stochastic=True,
          params=GradientShapParams, axiom=True, fast=True,
          summary="expected gradients on random baseline→input points (complete in expectation)")
def gradient_shap(ctx: Context) -> Raw:
    bg = ctx.background()
    values = GradientShap(ctx.f).attribute(
        _x(ctx), baselines=bg, target=0, n_samples=ctx.params.n_samples, stdevs=ctx.params.stdevs
    )
    return Raw(values, baselines=bg)


@register(name="guided_backprop", display="Guided Backprop", library="captum", family="gradient",
          stochastic=False, params=NoParams, summary="gradient with negative signals zeroed at each ReLU")
def guided_backprop(ctx: Context) -> Raw:
    return Raw(GuidedBackprop(ctx.f).attribute(_x(ctx), target=0))


@register(name="deconvolution", display="Deconvolution", library="captum", family="gradient",
          stochastic=False, params=NoParams, summary="ReLU applied to the backward signal (Zeiler & Fergus)")
def deconvolution(ctx: Context) -> Raw:
    return Raw(Deconvolution(ctx.f).attribute(_x(ctx), target=0))


@register(name="smoothgrad", display="SmoothGrad", library="captum", family="gradient", stochastic=True,
          params=SmoothGradParams, summary="saliency averaged over noisy copies (NoiseTunnel)")
def smoothgrad(ctx: Context) -> Raw:
    p = ctx.params
    values = NoiseTunnel(Saliency(ctx.f)).attribute(
        _x(ctx), nt_type="smoothgrad", nt_samples=p.n_samples, nt_samples_batch_size=p.n_samples,
        stdevs=p.stdev, target=0, abs=p.absolute,
    )
    return Raw(values)


@register(name="lrp", display="LRP (ε)", library="captum", family="relevance", stochastic=False,
          params=NoParams, summary="layer-wise relevance propagation, epsilon rule (Bach et al. 2015)")
def lrp(ctx: Context) -> Raw:
    # The normalisation is a tensor op in forward(), so this is LRP-ε on the equivalent pixel-space
    # network (normalisation folded into fc1): relevance = pixel × modified gradient, in pixel units.
    return Raw(LRP(ctx.f).attribute(_x(ctx), target=0))
