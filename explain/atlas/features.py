"""One layer (or every layer) of many digits as plain arrays: what the Map page projects and searches.

A leaf of explain/atlas: projection and neighbours both read features through it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from model.network import MLP, N_PIXELS, hidden_name, module_of


def projectable_layers(model: MLP) -> list[str]:
    """Every layer a map can show for this network: pixels, each hidden layer, logits."""
    return ["pixels", *[hidden_name(i) for i in range(1, len(model.config.hidden) + 1)], "logits"]


def check_layer(model: MLP, layer: Any) -> str:
    known = projectable_layers(model)
    if not isinstance(layer, str) or layer not in known:
        raise ValueError(f"layer must be one of {known}, got {layer!r}")
    return layer


@torch.no_grad()
def layer_features(model: MLP, images: torch.Tensor | np.ndarray, layer: str, batch: int = 8192) -> np.ndarray:
    """One layer's values for many digits, (N, width) float32, in batches of `batch` digits."""
    layer = check_layer(model, layer)
    x = torch.as_tensor(np.asarray(images, dtype=np.float32) if isinstance(images, np.ndarray) else images)
    if x.ndim < 2 or x[0].numel() != N_PIXELS:
        raise ValueError(f"images must be (N, 28, 28), (N, 1, 28, 28) or (N, 784), got {tuple(x.shape)}")
    flat = x.reshape(x.shape[0], N_PIXELS).to(torch.float32)
    if layer == "pixels":
        return flat.numpy().copy()
    name = module_of(layer)
    parts = [model.forward_layers(flat[i : i + batch])[name] for i in range(0, flat.shape[0], batch)]
    return torch.cat(parts).numpy()


@torch.no_grad()
def all_layer_features(model: MLP, images: torch.Tensor | np.ndarray, batch: int = 8192,
                       with_pixels: bool = True) -> dict[str, np.ndarray]:
    """Every projectable layer for many digits in one forward pass: {"pixels": (N, 784), "hidden1": …}
    (`with_pixels=False` leaves out the pixel copy, 188 MB for the training split)."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32) if isinstance(images, np.ndarray) else images)
    flat = x.reshape(x.shape[0], -1).to(torch.float32)
    if flat.shape[1] != N_PIXELS:
        raise ValueError(f"images must be (N, 28, 28), (N, 1, 28, 28) or (N, 784), got {tuple(x.shape)}")
    names = {module_of(layer): layer for layer in projectable_layers(model) if layer != "pixels"}
    parts: dict[str, list[torch.Tensor]] = {layer: [] for layer in names.values()}
    for i in range(0, flat.shape[0], batch):
        outs = model.forward_layers(flat[i : i + batch])
        for module, layer in names.items():
            parts[layer].append(outs[module])
    out = {"pixels": flat.numpy().copy()} if with_pixels else {}
    return out | {layer: torch.cat(v).numpy() for layer, v in parts.items()}
