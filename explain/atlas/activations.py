"""Inside the network: activations of every layer, first-layer weights, neuron-level attribution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from captum.attr import LayerConductance, NeuronConductance

from explain.baselines import make_baseline
from explain.context import private_head
from explain.core import as_input, resolve_target
from explain.params import BASELINES
from explain.types import Target
from model.network import IMAGE_SIDE, MLP, hidden_name, linear_of, module_of


@dataclass(frozen=True)
class Activations:
    """Post-ReLU activations of each hidden layer, then logits and softmax, for one digit."""

    layers: dict[str, np.ndarray]  # "hidden1": (128,), "hidden2": (64,), "logits": (10,), "softmax": (10,)


def _check_mlp(model: Any) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a model.network.MLP, got {type(model).__name__}")
    return model


def activations(model: MLP, x: Any) -> Activations:
    model = _check_mlp(model)
    outs = model.forward_layers(as_input(x))
    layers = {hidden_name(i): outs[spec.name][0].numpy().copy() for i, spec in enumerate(model.hidden_layers(), 1)}
    logits = outs["out"][0]
    layers["logits"] = logits.numpy().copy()
    layers["softmax"] = torch.softmax(logits, dim=0).numpy()
    return Activations(layers)


def first_layer_weights(model: MLP) -> np.ndarray:
    """The first layer's incoming weights as images, (units, 28, 28), in normalised-input units."""
    w = _check_mlp(model).net.fc1.weight.detach()
    return w.reshape(-1, IMAGE_SIDE, IMAGE_SIDE).numpy().copy()


def _hidden_layer_name(model: MLP, layer: int) -> str:
    n = len(model.config.hidden)
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= n:
        raise ValueError(f"layer must be a hidden layer 1..{n}, got {layer!r}")
    return module_of(hidden_name(layer))


def _baseline(x: torch.Tensor, baseline: str) -> torch.Tensor:
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {list(BASELINES)}, got {baseline!r}")
    return make_baseline(baseline, x, seed=0)


def neuron_conductance(model: MLP, x: Any, layer: int, unit: int, target: Target = None,
                       baseline: str = "zero", steps: int = 64) -> np.ndarray:
    """How much each pixel flows through hidden `unit` of `layer` into the target (28×28)."""
    model = _check_mlp(model)
    xt = as_input(x)
    name = _hidden_layer_name(model, layer)
    width = model.config.hidden[layer - 1]
    if isinstance(unit, bool) or not isinstance(unit, int) or not 0 <= unit < width:
        raise ValueError(f"unit must be in 0..{width - 1} for hidden layer {layer}, got {unit!r}")
    _, w = resolve_target(model, xt, target)
    f = private_head(model, w)
    nc = NeuronConductance(f, f.model.layer(name))
    values = nc.attribute(xt.clone().requires_grad_(True), neuron_selector=unit, baselines=_baseline(xt, baseline),
                          target=0, n_steps=steps, method="gausslegendre", internal_batch_size=steps)
    return values.detach().reshape(IMAGE_SIDE, IMAGE_SIDE).numpy().astype(np.float64)


def layer_conductance(model: MLP, x: Any, layer: int, target: Target = None, baseline: str = "zero",
                      steps: int = 64) -> np.ndarray:
    """Each hidden unit's contribution to the target (Captum LayerConductance), shape (units,)."""
    model = _check_mlp(model)
    xt = as_input(x)
    name = _hidden_layer_name(model, layer)
    _, w = resolve_target(model, xt, target)
    f = private_head(model, w)
    lc = LayerConductance(f, f.model.layer(name))
    values = lc.attribute(xt.clone().requires_grad_(True), baselines=_baseline(xt, baseline), target=0,
                          n_steps=steps, method="gausslegendre", internal_batch_size=steps)
    return values.detach().reshape(-1).numpy().astype(np.float64)


def dataset_activations(model: MLP, images: torch.Tensor, batch: int = 4096) -> dict[str, np.ndarray]:
    """Post-ReLU activations of every hidden layer for many digits: "hidden1" → (N, units), …"""
    model = _check_mlp(model)
    outs: dict[str, list[torch.Tensor]] = {}
    for i in range(0, images.shape[0], batch):
        layers = model.forward_layers(images[i : i + batch])
        for k, spec in enumerate(model.hidden_layers(), 1):
            outs.setdefault(hidden_name(k), []).append(layers[spec.name])
    return {k: torch.cat(v).numpy() for k, v in outs.items()}


def class_means(acts: np.ndarray, labels: np.ndarray | torch.Tensor) -> np.ndarray:
    """Mean activation of each unit per class: (10, units)."""
    labels = np.asarray(labels)
    if acts.shape[0] != labels.shape[0]:
        raise ValueError(f"{acts.shape[0]} activations but {labels.shape[0]} labels")
    return np.stack([acts[labels == c].mean(axis=0) for c in range(10)])


def top_exciting(acts: np.ndarray, unit: int, k: int = 12) -> np.ndarray:
    """Indices of the k digits on which `unit` fires most, strongest first."""
    if not 0 <= unit < acts.shape[1]:
        raise ValueError(f"unit must be in 0..{acts.shape[1] - 1}, got {unit}")
    return np.argsort(-acts[:, unit], kind="stable")[:k]


def incoming_weights(model: MLP, layer: int, unit: int) -> np.ndarray:
    """The weights into one hidden unit: 28×28 for layer 1, a vector over the previous layer otherwise."""
    model = _check_mlp(model)
    _hidden_layer_name(model, layer)
    w = model.layer(linear_of(layer)).weight.detach()
    if not 0 <= unit < w.shape[0]:
        raise ValueError(f"unit must be in 0..{w.shape[0] - 1}, got {unit}")
    row = w[unit].numpy().copy()
    return row.reshape(IMAGE_SIDE, IMAGE_SIDE) if layer == 1 else row
