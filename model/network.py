"""The MLP: 784 → hidden… → 10, with pixel-space input.

Normalisation happens inside `forward`, so every caller (app, explainers, metrics) feeds pixels in
[0, 1] and a "zero baseline" really is MNIST's black background. It is a tensor op, not a module,
because Captum's LRP needs a rule for every leaf module and has none for normalisation or Flatten.
Each hidden layer gets its own `nn.ReLU` module: Captum DeepLift and shap.DeepExplainer override
gradients per module and break on a reused or functional ReLU.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from model.constants import IMAGE_SIDE, MNIST_MEAN, MNIST_STD, N_CLASSES, N_PIXELS  # noqa: F401 (re-exported)
ARCHITECTURE = "mlp"
MAX_PARAMETERS = 4_000_000  # 16 MB of float32: what a checkpoint upload may hold


@dataclass(frozen=True)
class MLPConfig:
    hidden: tuple[int, ...] = (128, 64)
    mean: float = MNIST_MEAN
    std: float = MNIST_STD

    def __post_init__(self) -> None:
        hidden = tuple(self.hidden)
        if not hidden or len(hidden) > 4:
            raise ValueError(f"hidden must have 1 to 4 layers, got {hidden!r}")
        for h in hidden:
            if not isinstance(h, int) or isinstance(h, bool) or not 1 <= h <= 4096:
                raise ValueError(f"hidden sizes must be integers in 1..4096, got {hidden!r}")
        sizes = (N_PIXELS, *hidden, N_CLASSES)
        params = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
        if params > MAX_PARAMETERS:
            raise ValueError(f"{'-'.join(map(str, sizes))} has {params:,} parameters; the limit is {MAX_PARAMETERS:,}")
        if not self.std > 0:
            raise ValueError(f"std must be positive, got {self.std!r}")
        object.__setattr__(self, "hidden", hidden)

    @property
    def name(self) -> str:
        return "-".join(str(n) for n in (N_PIXELS, *self.hidden, N_CLASSES))


@dataclass(frozen=True)
class LayerSpec:
    """A readable layer: its name in the network and its width."""

    name: str
    width: int


# Layer names, in one place. The public name of hidden layer i is "hidden{i}" (its post-ReLU output),
# shown as "hidden i"; inside the network it is module "relu{i}" after linear "fc{i}"; the logits are
# "logits", module "out".
def hidden_name(i: int) -> str:
    return f"hidden{i}"


def hidden_index(layer: str) -> int:
    """1 for "hidden1"; ValueError for anything else."""
    if not (isinstance(layer, str) and layer.startswith("hidden") and layer[6:].isascii() and layer[6:].isdigit()):
        raise ValueError(f"not a hidden layer name: {layer!r}")
    return int(layer[6:])


def module_of(layer: str) -> str:
    """The module whose output is the named layer: "hidden2" → "relu2", "logits" → "out"."""
    return "out" if layer == "logits" else f"relu{hidden_index(layer)}"


def linear_of(i: int) -> str:
    """The linear module into hidden layer i (or, with i = len(hidden) + 1, the logits)."""
    return f"fc{i}"


def layer_display_name(layer: str) -> str:
    """"hidden2" → "hidden 2"; "pixels" → "input pixels"; anything else as it is."""
    if layer.startswith("hidden") and layer[6:].isdigit():
        return f"hidden {layer[6:]}"
    return {"pixels": "input pixels"}.get(layer, layer)


def randomised_display_name(step: str) -> str:
    """A sanity-check step as the cascade names it, for people: "out+fc2" → "output + hidden 2" (the
    weights into the logits and into hidden 2), "random logit (3)" as it is."""
    def one(module: str) -> str:
        if module == "out":
            return "output"
        if module.startswith("fc") and module[2:].isdigit():
            return layer_display_name(hidden_name(int(module[2:])))
        return module

    return " + ".join(one(m) for m in step.split("+"))


class MLP(nn.Module):
    def __init__(self, config: MLPConfig | None = None) -> None:
        super().__init__()
        if config is None:
            config = MLPConfig()
        if not isinstance(config, MLPConfig):
            raise TypeError(f"config must be an MLPConfig, got {type(config).__name__}")
        self.config = config
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        width = N_PIXELS
        for i, h in enumerate(config.hidden, start=1):
            layers[linear_of(i)] = nn.Linear(width, h)
            layers[module_of(hidden_name(i))] = nn.ReLU()
            width = h
        layers["out"] = nn.Linear(width, N_CLASSES)
        self.net = nn.Sequential(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for pixels in [0, 1], shaped (N, 784), (N, 28, 28) or (N, 1, 28, 28)."""
        z = (x.reshape(x.shape[0], -1) - self.config.mean) / self.config.std
        return self.net(z)

    @torch.no_grad()
    def forward_layers(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every named layer's output for pixels x, in order (no hooks: we walk the layers)."""
        z = (x.reshape(x.shape[0], -1) - self.config.mean) / self.config.std
        out: dict[str, torch.Tensor] = {}
        for name, layer in self.net.named_children():
            z = layer(z)
            out[name] = z
        return out

    def hidden_layers(self) -> list[LayerSpec]:
        """The post-ReLU hidden layers, first to last."""
        return [LayerSpec(module_of(hidden_name(i)), h) for i, h in enumerate(self.config.hidden, start=1)]

    def layer(self, name: str) -> nn.Module:
        try:
            return getattr(self.net, name)
        except AttributeError:
            known = [n for n, _ in self.net.named_children()]
            raise ValueError(f"unknown layer {name!r}; this network has {known}") from None

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        return {k: tuple(v.shape) for k, v in self.state_dict().items()}


def check_model(model: object) -> nn.Module:
    """Raise TypeError / ValueError naming what makes `model` unusable as a 28×28 → 10 digit classifier.

    Without this, a float64 or 5-output model fails deep inside an explainer with torch's
    "mat1 and mat2 …" RuntimeError. Checked: it is a Module; every floating parameter and buffer is
    float32; it maps one (1, 1, 28, 28) image to (1, 10) logits. A Digit Lens MLP is checked from its
    layers; any other module is probed with one forward pass of a black image (its hooks see that call).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for name, t in (*model.named_parameters(), *model.named_buffers()):
        if t.is_floating_point() and t.dtype != torch.float32:
            raise TypeError(f"model weight {name!r} is {t.dtype}; Digit Lens needs float32 "
                            "(convert with model.float())")
    if isinstance(model, MLP):
        linears = [m for m in model.net if isinstance(m, nn.Linear)]
        if linears and linears[0].in_features == N_PIXELS and linears[-1].out_features == N_CLASSES:
            return model
        outputs = linears[-1].out_features if linears else 0
        inputs = linears[0].in_features if linears else 0
        raise ValueError(f"model takes {inputs} inputs and gives {outputs} outputs; "
                         f"Digit Lens needs {N_PIXELS} inputs (28×28 pixels) and {N_CLASSES} outputs (digits 0–9)")
    try:
        with torch.no_grad():
            out = model(torch.zeros(1, 1, IMAGE_SIDE, IMAGE_SIDE))
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ValueError(f"model cannot take one 1×28×28 image: {exc}") from None
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1, N_CLASSES):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"model gives {shape} for one image; Digit Lens needs (1, {N_CLASSES}) logits, "
                         f"one per digit 0–9")
    return model
