"""Batched surrogate fits over superpixel coalitions: one set of coalitions from the seed, every
digit evaluated on it, one weighted least-squares solve for all digits.

Captum's Lime and KernelShap explain a batch one example at a time, each with its own random
coalitions (~24–74 ms per digit here). The estimators are the same as Captum's: LIME samples each
superpixel on with probability ½, weights samples by lime_image's kernel and fits a ridge
regression; Kernel SHAP samples coalition sizes from the Shapley kernel distribution, fits plain
least squares and pins the all-on / all-off coalitions with a large weight. Sharing the coalitions
between digits means a digit's map depends on the seed, never on its batch-mates.
"""

from __future__ import annotations

import torch

from explain.context import Context

INF_WEIGHT = 1e6  # Captum's KernelShap weight for the all-on and all-off coalitions
LIME_KERNEL_WIDTH = 0.25  # lime_image's default, so the two LIMEs are the same estimator
ROWS_PER_EVAL = 1 << 16  # model rows per forward pass while evaluating coalitions


def lime_coalitions(m: int, n_samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(S, m) on/off samples, the first all on (as lime_image), and their kernel weights."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randint(0, 2, (n_samples, m), generator=gen).double()
    z[0] = 1.0
    cos = z.sum(1) / (z.norm(dim=1) * m**0.5 + 1e-12)
    d = 1.0 - cos
    return z, torch.sqrt(torch.exp(-(d**2) / LIME_KERNEL_WIDTH**2))


def kernel_shap_coalitions(m: int, n_samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(S, m) coalitions: all on, all off, then sizes k ~ (m−1) / (k (m−k)), members uniform."""
    gen = torch.Generator().manual_seed(seed)
    k = torch.arange(1, m, dtype=torch.float64)
    sizes = torch.multinomial((m - 1) / (k * (m - k)), max(n_samples - 2, 0), replacement=True, generator=gen) + 1
    ranks = torch.rand((sizes.numel(), m), generator=gen).argsort(dim=1).argsort(dim=1)
    z = torch.cat([torch.ones(1, m), torch.zeros(1, m), (ranks < sizes[:, None]).double()])[:n_samples]
    w = torch.ones(z.shape[0], dtype=torch.float64)
    w[:2] = INF_WEIGHT
    return z.double(), w


def coalition_outputs(ctx: Context, mask: torch.Tensor, z: torch.Tensor, refs: torch.Tensor) -> torch.Tensor:
    """(S, N): digit n's output with the superpixels of coalition s kept and the rest from its reference."""
    x, b = ctx.x.reshape(ctx.n, -1), refs.reshape(ctx.n, -1)
    on = z.float()[:, mask.reshape(-1)]  # (S, 784)
    step = max(1, ROWS_PER_EVAL // ctx.n)
    rows = [ctx.outputs_per_digit(on[i : i + step, None] * x[None] + (1 - on[i : i + step, None]) * b[None])
            for i in range(0, z.shape[0], step)]
    return torch.cat(rows).double()


def fit_linear(z: torch.Tensor, y: torch.Tensor, w: torch.Tensor, alpha: float) -> torch.Tensor:
    """Weighted ridge regression with an intercept, as scikit-learn fits it, for every column of
    y at once: (S, m), (S, N), (S,) → coefficients (m, N)."""
    share = w / w.sum()
    zc = z - share @ z  # weighted centring: the intercept is fitted, not penalised
    yc = y - share @ y
    gram = zc.T @ (w[:, None] * zc)
    rhs = zc.T @ (w[:, None] * yc)
    if alpha > 0:
        return torch.linalg.solve(gram + alpha * torch.eye(z.shape[1], dtype=z.dtype), rhs)
    return torch.linalg.lstsq(gram, rhs).solution
