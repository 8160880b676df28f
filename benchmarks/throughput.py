"""Batched throughput: `explain_batch` against the raw library's own batched call on the same N
digits (same head, per-digit targets, baselines, backgrounds and sample counts). The raw call is
the floor; the ratio is the wrapper's cost amortised over a batch."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
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
    NoiseTunnel,
    Occlusion,
    Saliency,
    ShapleyValueSampling,
)

from explain.baselines import background, grid_mask
from explain.context import private_head
from model.network import IMAGE_SIDE

INTERNAL_BATCH = 8192


def raw_batch_calls(model: torch.nn.Module, x: torch.Tensor) -> dict[str, Callable[[], object]]:
    """name → a zero-argument call of the library's batched API on (N, 1, 28, 28) digits, each
    explained for its predicted class (one head with the ten logits, Captum's per-example target)."""
    f = private_head(model, torch.eye(10))
    with torch.no_grad():
        target = model(x).argmax(dim=1)
    zero, bg20, mask = torch.zeros_like(x), background(20, 0), grid_mask(4)
    xg = lambda: x.clone().requires_grad_(True)  # noqa: E731
    return {
        "saliency": lambda: Saliency(f).attribute(xg(), target=target, abs=True),
        "input_x_gradient": lambda: InputXGradient(f).attribute(xg(), target=target),
        "integrated_gradients": lambda: IntegratedGradients(f).attribute(
            xg(), baselines=zero, target=target, n_steps=128, method="gausslegendre", internal_batch_size=INTERNAL_BATCH),
        "deeplift": lambda: DeepLift(f).attribute(xg(), baselines=zero, target=target),
        "deeplift_shap": lambda: DeepLiftShap(f).attribute(xg(), baselines=bg20, target=target),
        "gradient_shap": lambda: GradientShap(f).attribute(xg(), baselines=bg20, target=target, n_samples=20),
        "guided_backprop": lambda: GuidedBackprop(f).attribute(xg(), target=target),
        "deconvolution": lambda: Deconvolution(f).attribute(xg(), target=target),
        "smoothgrad": lambda: NoiseTunnel(Saliency(f)).attribute(
            xg(), nt_type="smoothgrad", nt_samples=20, nt_samples_batch_size=20, stdevs=0.15, target=target, abs=True),
        "lrp": lambda: LRP(f).attribute(xg(), target=target),
        "occlusion": lambda: Occlusion(f).attribute(
            x, sliding_window_shapes=(1, 4, 4), strides=(1, 2, 2), baselines=zero, target=target,
            perturbations_per_eval=169),
        "feature_ablation": lambda: FeatureAblation(f).attribute(
            x, baselines=zero, target=target, feature_mask=mask, perturbations_per_eval=49),
        "shapley_value_sampling": lambda: ShapleyValueSampling(f).attribute(
            x, baselines=zero, target=target, feature_mask=mask, n_samples=25, perturbations_per_eval=49),
    }


def bench_throughput(model: torch.nn.Module, images: torch.Tensor, methods: list[str], n: int, reps: int
                     ) -> list[dict]:
    """Digits per second, ours and the raw batched call (where the library has one), interleaved."""
    from explain import explain_batch

    x = images[:n].reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE)
    raw = raw_batch_calls(model, x)
    rows = []
    for name in methods:
        def ours(name=name):
            return explain_batch(model, x, name)

        calls = [("ours", ours)] + ([("raw", raw[name])] if name in raw else [])
        times: dict[str, list[float]] = {k: [] for k, _ in calls}
        for _, fn in calls:
            fn()  # warm
        # Without a raw batched call there is no ratio to steady: one timed run is the figure.
        for _ in range(reps if name in raw else 1):
            for k, fn in calls:
                t = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - t)
        row = {"method": name, "n": n, "ours_digits_per_s": n / statistics.median(times["ours"])}
        if "raw" in times:
            row["raw_digits_per_s"] = n / statistics.median(times["raw"])
            row["ratio"] = statistics.median(times["ours"]) / statistics.median(times["raw"])
        rows.append(row)
    return rows
