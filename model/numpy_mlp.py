"""The bundled network's forward pass in numpy, for the first prediction after a server start.

Why: importing torch takes 1.5–2.7 s of one core here, and the first visitor should not wait for it to
see what the network answers: the MLP's forward pass is two or three matrix products. The app uses this
only until torch is in (app/startup.py); tests/test_numpy_mlp.py checks it equals `MLP.forward`.
The bundled checkpoint is our own file; uploaded ones still go through model.checkpoint's validation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import safe_open

from model.constants import META_KEY, N_PIXELS


@dataclass(frozen=True)
class NumpyMLP:
    """Weights and biases per linear layer (input to output), and the input normalisation."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    mean: float
    std: float

    @classmethod
    def load(cls, path: Path | str) -> NumpyMLP:
        with safe_open(str(path), framework="np") as f:
            meta = json.loads(f.metadata()[META_KEY])
            layers = [f"net.fc{i}" for i in range(1, len(meta["hidden"]) + 1)] + ["net.out"]
            weights = tuple(f.get_tensor(f"{n}.weight").astype(np.float32) for n in layers)
            biases = tuple(f.get_tensor(f"{n}.bias").astype(np.float32) for n in layers)
        return cls(weights, biases, float(meta["mean"]), float(meta["std"]))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Softmax over the ten classes for pixels in [0, 1] shaped (28, 28) → (10,) or (N, 28, 28) → (N, 10)."""
        x = np.asarray(x, dtype=np.float32)
        if x.size % N_PIXELS or x.ndim not in (2, 3):
            raise ValueError(f"expected 28×28 pixels or a batch of them, got shape {x.shape}")
        h = (x.reshape(-1, N_PIXELS) - self.mean) / self.std
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w.T + b
            if i < len(self.weights) - 1:
                h = np.maximum(h, 0)
        e = np.exp(h - h.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        return p[0] if x.ndim == 2 else p
