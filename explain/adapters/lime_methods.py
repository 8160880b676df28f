"""The original LIME (`lime_image`) with a grid segmentation that suits 28×28 digits.

Its default quickshift finds 1–2 segments on a digit, which makes the explanation useless; a 4×4
grid is deterministic and as faithful as the best measured alternative (shared notes).
"""

from __future__ import annotations

import numpy as np
import torch

from explain.adapters.captum_perturbation import per_pixel
from explain.adapters.surrogates import coalition_outputs
from explain.baselines import grid_mask
from explain.context import Context, Raw
from explain.imports import ensure_imported
from explain.params import LimeImageParams
from explain.registry import register
from model.network import IMAGE_SIDE


class _Quiet:
    """lime 0.2.0.1 always wraps its sampling loop in a tqdm bar on stderr; keep batch logs clean."""

    def __new__(cls, iterable, *args, **kwargs):
        return iterable


def _lime_image():
    """lime_image, imported on first use through the one importer, with its progress bar silenced."""
    ensure_imported("lime")
    from lime import lime_image

    lime_image.tqdm = _Quiet
    return lime_image


@register(name="lime_image", chunk=512, display="LIME (lime)", library="lime", family="surrogate", stochastic=True, own_rng=True,
          params=LimeImageParams, summary="lime_image.LimeImageExplainer on a superpixel grid, black fill")
def lime_image_method(ctx: Context) -> Raw:
    # lime samples on/off vectors from its random state alone and fits one surrogate per label, so
    # a whole batch is one call: the image lime perturbs is the segment map itself (segment s has
    # value s + 1, hidden segments become 0), which tells `classify` each sample's coalition, and
    # label n is digit n's output under that coalition (black where a segment is off).
    mask = grid_mask(ctx.params.cell)
    segments = mask.reshape(IMAGE_SIDE, IMAGE_SIDE).numpy()
    n_seg = int(segments.max()) + 1
    first_pixel = np.array([np.flatnonzero(segments.reshape(-1) == s)[0] for s in range(n_seg)])
    zero = torch.zeros_like(ctx.x)

    def classify(batch: np.ndarray) -> np.ndarray:
        z = torch.from_numpy((batch[..., 0].reshape(len(batch), -1)[:, first_pixel] > 0).astype(np.float64))
        return coalition_outputs(ctx, mask, z, zero).numpy()

    # A new explainer per call: lime fixes its random state when the explainer is made.
    explainer = _lime_image().LimeImageExplainer(random_state=ctx.seed)
    exp = explainer.explain_instance(
        (segments + 1).astype(np.float64), classify, labels=tuple(range(ctx.n)), top_labels=None, hide_color=0,
        num_features=n_seg, num_samples=ctx.params.n_samples, batch_size=ctx.params.n_samples,
        segmentation_fn=lambda img: segments,
    )
    seg = torch.zeros((ctx.n, n_seg), dtype=torch.float64)
    for label in range(ctx.n):
        for s, w in exp.local_exp[label]:
            seg[label, s] = w
    return Raw(per_pixel(seg[:, mask.reshape(-1)].reshape(ctx.x.shape), mask))
