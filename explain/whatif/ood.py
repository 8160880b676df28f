"""Does an input look like a handwritten digit at all? An out-of-distribution score.

The score is how much of the input the training digits cannot explain: its distance from the
subspace of their top 60 principal components (pixel space, after MNIST's own preprocessing). The
threshold is the training digits' own 99th percentile, so about 1 % of real digits are flagged; the
tests measure that rate on the 10,000 test digits and on made-up non-digits (noise, shapes, letters,
textures). Measured while building it: the Mahalanobis distance of the last hidden layer to the class
means flagged ~1 % of test digits too but only 0–33 % of those non-digits — the network's own
features see a letter as a confident digit — so the warning looks at the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from model.network import N_PIXELS

QUANTILE = 0.99  # of training digits below the threshold
COMPONENTS = 60
FIT_DIGITS = 20_000  # enough for the top components; the threshold uses every digit given


@dataclass(frozen=True)
class DigitLikeness:
    """The training digits' mean and top principal components, and the flagging threshold."""

    mean: np.ndarray  # (784,)
    components: np.ndarray  # (k, 784), orthonormal rows
    threshold: float

    def scores(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """One score per image (N, 1, 28, 28) or (N, 28, 28): the residual norm; higher is less digit-like."""
        z = np.asarray(x, dtype=np.float64).reshape(-1, N_PIXELS) - self.mean
        return np.linalg.norm(z - (z @ self.components.T) @ self.components, axis=1)

    def flags(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        return self.scores(x) > self.threshold

    def save(self, path: Path) -> Path:
        """Write exactly `path` (atomically; missing folders are created)."""
        from model.cli import atomic_output

        path = Path(path)
        with atomic_output(path) as tmp, open(tmp, "wb") as fh:  # given a name, numpy would append .npz
            np.savez(fh, mean=self.mean, components=self.components, threshold=np.float64(self.threshold))
        return path

    @classmethod
    def load(cls, path: Path) -> DigitLikeness:
        """A fit written by `save` (no pickles); ValueError when the arrays have the wrong shapes."""
        with np.load(path, allow_pickle=False) as f:
            mean, components, threshold = f["mean"], f["components"], float(f["threshold"])
        if mean.shape != (N_PIXELS,) or components.ndim != 2 or components.shape[1] != N_PIXELS:
            raise ValueError(f"{path}: not a digit-likeness fit (mean {mean.shape}, components {components.shape})")
        return cls(mean, components, threshold)


def fit_digit_likeness(images: torch.Tensor, quantile: float = QUANTILE, components: int = COMPONENTS
                       ) -> DigitLikeness:
    """Fit on training digits: the mean, the top `components` directions, the threshold at `quantile`."""
    if not 0.5 <= quantile < 1:
        raise ValueError(f"quantile must be in [0.5, 1), got {quantile!r}")
    x = np.asarray(images, dtype=np.float64).reshape(-1, N_PIXELS)
    if not 1 <= components < min(len(x), N_PIXELS):
        raise ValueError(f"components must be in 1..{min(len(x), N_PIXELS) - 1}, got {components!r}")
    mean = x.mean(axis=0)
    # The top eigenvectors of the 784×784 scatter matrix are the top right singular vectors of the
    # centred data (up to sign, which the residual ignores): ~10× faster than an SVD of 20,000 × 784,
    # and this fit sits in front of the app's first prediction.
    z = x[:FIT_DIGITS] - mean
    _, vectors = np.linalg.eigh(z.T @ z)  # ascending eigenvalues
    fitted = DigitLikeness(mean, np.ascontiguousarray(vectors[:, ::-1][:, :components].T), float("inf"))
    return DigitLikeness(mean, fitted.components, float(np.quantile(fitted.scores(x), quantile)))


def shipped_path() -> Path:
    """Where `make assets` puts the fit of the bundled MNIST training digits (the app loads it at once:
    fitting took seconds in front of a fresh server's first prediction)."""
    from model.paths import assets_dir

    return assets_dir() / "ood" / "digit_likeness.npz"
