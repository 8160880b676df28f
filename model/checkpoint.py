"""Checkpoints in safetensors with metadata, validated before a single weight is trusted.

There is deliberately no pickle path: `torch.load` on a user's file can run their code. Loading
checks the file size, the header size it declares, the metadata, then every tensor's name, dtype,
shape, byte range and finiteness against the architecture the metadata names.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from model.cli import atomic_output
from model.constants import META_KEY
from model.data import MNIST_MD5
from model.network import ARCHITECTURE, IMAGE_SIDE, MLP, MLPConfig

MAX_CHECKPOINT_BYTES = 16 * 1024 * 1024  # float32: room for the largest MLPConfig allows
MAX_HEADER_BYTES = 64 * 1024



def _number(v: Any) -> bool:
    return type(v) in (int, float) and math.isfinite(v)


# Allowed ranges of the numeric metadata: (kind, low, high, low is exclusive). Pixels are in [0, 1],
# so the normalisation mean lies there too and std cannot be tiny; the rest bounds what Home shows.
META_RANGES: dict[str, tuple[type, float, float, bool]] = {
    "mean": (float, 0.0, 1.0, False),
    "std": (float, 1e-6, 1.0, True),
    "seed": (int, 0, 2**32 - 1, False),
    "epochs": (int, 0, 10_000, False),
    "batch_size": (int, 1, 60_000, False),
    "train_size": (int, 1, 60_000, False),
    "lr": (float, 0.0, 10.0, True),
    "test_accuracy": (float, 0.0, 1.0, False),
}


def _check_range(key: str, v: Any, required: bool) -> None:
    if v is None and not required:
        return
    kind, low, high, exclusive = META_RANGES[key]
    ok_type = type(v) is int if kind is int else _number(v)
    if not ok_type:
        noun = "an integer" if kind is int else "a finite number"
        raise ValueError(f"checkpoint metadata {key!r} must be {noun}, got {v!r}")
    if not ((low < v) if exclusive else (low <= v)) or v > high:
        bracket = "(" if exclusive else "["
        raise ValueError(f"checkpoint metadata {key!r} is {v!r}; it must be in {bracket}{low:g}, {high:g}]")


@dataclass(frozen=True)
class CheckpointMeta:
    architecture: str = ARCHITECTURE
    hidden: tuple[int, ...] = (128, 64)
    mean: float = 0.1307
    std: float = 0.3081
    seed: int | None = None
    epochs: int | None = None
    lr: float | None = None
    lr_schedule: str | None = None
    batch_size: int | None = None
    train_size: int | None = None
    test_accuracy: float | None = None
    torch_version: str = field(default_factory=lambda: torch.__version__)
    mnist_md5: dict[str, str] = field(default_factory=lambda: dict(MNIST_MD5))
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))

    @classmethod
    def from_dict(cls, raw: Any) -> CheckpointMeta:
        if not isinstance(raw, dict):
            raise ValueError("checkpoint metadata is not a JSON object")
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"checkpoint metadata has unknown fields {sorted(unknown)}")
        if raw.get("architecture") != ARCHITECTURE:
            raise ValueError(
                f"checkpoint architecture is {raw.get('architecture')!r}; Digit Lens loads {ARCHITECTURE!r}"
            )
        hidden = raw.get("hidden")
        if not isinstance(hidden, list | tuple) or not all(type(h) is int for h in hidden):
            raise ValueError(f"checkpoint metadata 'hidden' must be a list of integers, got {hidden!r}")
        # Uploaded metadata is shown in the app and used for normalisation: every field must have the
        # type it claims and a value in a sane range (std 1e-300 or mean 1e308 overflow every output).
        for key in ("mean", "std", "seed", "epochs", "batch_size", "train_size", "lr", "test_accuracy"):
            _check_range(key, raw.get(key), required=key in ("mean", "std"))
        for key in ("lr_schedule", "torch_version", "created"):
            if raw.get(key) is not None and (not isinstance(raw[key], str) or len(raw[key]) > 64):
                raise ValueError(f"checkpoint metadata {key!r} must be a short string")
        md5 = raw.get("mnist_md5", {})
        if not isinstance(md5, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in md5.items()):
            raise ValueError("checkpoint metadata 'mnist_md5' must map file names to strings")
        return cls(**{**raw, "hidden": tuple(hidden)})

    def network_config(self) -> MLPConfig:
        return MLPConfig(hidden=self.hidden, mean=float(self.mean), std=float(self.std))


def checkpoint_bytes(model: MLP, meta: CheckpointMeta) -> bytes:
    tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in model.state_dict().items()}
    return st_save(tensors, metadata={META_KEY: json.dumps(asdict(meta))})


def save_checkpoint(model: MLP, path: Path | str, meta: CheckpointMeta) -> None:
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory, not a checkpoint file name")
    data = checkpoint_bytes(model, meta)
    with atomic_output(path) as tmp:  # never a half-written checkpoint, nor a temporary file left behind
        tmp.write_bytes(data)


def _looks_like_pickle(data: bytes) -> bool:
    # Raw pickle (protocol ≥ 2 starts with 0x80 and the protocol number) or torch's zip container.
    return (data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")) or data[:4] == b"PK\x03\x04"


_PICKLE_MESSAGE = ("this looks like a PyTorch pickle (.pt/.pth); Digit Lens only loads .safetensors, "
                   "because unpickling a file can run arbitrary code")


def _parse_header(data: bytes) -> tuple[dict[str, Any], int]:
    """The safetensors JSON header and where the tensor bytes start. A file that fails as safetensors
    and looks like a pickle is named a pickle (a valid header length can begin with 0x80 too)."""
    if len(data) == 0:
        raise ValueError("checkpoint file is empty")
    try:
        return _safetensors_header(data)
    except ValueError:
        if _looks_like_pickle(data):
            raise ValueError(_PICKLE_MESSAGE) from None
        raise


def _safetensors_header(data: bytes) -> tuple[dict[str, Any], int]:
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise ValueError(f"checkpoint is {len(data):,} bytes; the limit is {MAX_CHECKPOINT_BYTES:,}")
    if len(data) < 8:
        raise ValueError(f"checkpoint is truncated: {len(data)} bytes, not even a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    # A safetensors file is an 8-byte length, then a JSON object: anything else is another kind of
    # file (a text file renamed, say), and the user should hear that before any byte count.
    if len(data) > 8 and data[8:9] != b"{":
        raise ValueError(f"this is not a safetensors file (it does not start with a safetensors header; "
                         f"read as one, its header would be {n:,} bytes)")
    if n > MAX_HEADER_BYTES:
        raise ValueError(f"this is not a safetensors file, or a corrupt one: its header declares {n:,} bytes; "
                         f"the limit is {MAX_HEADER_BYTES:,}")
    if 8 + n > len(data):
        raise ValueError(f"checkpoint is truncated: header declares {n:,} bytes, file has {len(data) - 8:,}")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not a safetensors file: its header is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise ValueError("not a safetensors file: its header is not a JSON object")
    return header, 8 + n


def _check_tensors(header: dict[str, Any], expected: dict[str, tuple[int, ...]], data_len: int) -> None:
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    missing, extra = sorted(set(expected) - set(entries)), sorted(set(entries) - set(expected))
    if missing or extra:
        raise ValueError(f"checkpoint tensors do not match the architecture: missing {missing}, unexpected {extra}")
    for name, shape in expected.items():
        e = entries[name]
        if not isinstance(e, dict) or e.get("dtype") != "F32":
            raise ValueError(f"tensor {name!r} must be float32 (F32), got {e.get('dtype') if isinstance(e, dict) else e!r}")
        got = e.get("shape")
        if not isinstance(got, list) or tuple(got) != shape:
            raise ValueError(f"tensor {name!r} has shape {got!r}, expected {list(shape)}")
        offsets = e.get("data_offsets")
        begin, end = offsets if isinstance(offsets, list) and len(offsets) == 2 else (None, None)
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= data_len):
            raise ValueError(f"tensor {name!r} points outside the file (truncated?)")
        if end - begin != 4 * math.prod(shape):
            raise ValueError(f"tensor {name!r} has {end - begin} bytes of data, expected {4 * math.prod(shape)}")


def has_digit_lens_metadata(header_or_data: dict[str, Any] | bytes) -> bool:
    """Whether a safetensors file (its header, or its bytes) carries Digit Lens' metadata; without it a
    file is read as a plain state dict, with MNIST's normalisation assumed (`_plain_state_dict`)."""
    header = header_or_data if isinstance(header_or_data, dict) else _parse_header(bytes(header_or_data))[0]
    raw = header.get("__metadata__") or {}
    return isinstance(raw, dict) and isinstance(raw.get(META_KEY), str)


def _plain_state_dict(header: dict[str, Any]) -> tuple[dict[str, str], tuple[int, ...]]:
    """A state dict without Digit Lens metadata, as saved from any 784 → … → 10 stack of Linear layers:
    its `<name>weight` / `<name>bias` pairs chained by shape (784 in, each layer's output the next one's
    input, 10 out) → (its names → ours, the hidden sizes). ValueError naming what does not fit."""
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    shape = {k: tuple(v.get("shape") or ()) if isinstance(v, dict) else () for k, v in entries.items()}
    weights = {k: shape[k] for k in entries if k.endswith("weight") and len(shape[k]) == 2}
    chain, width = [], IMAGE_SIDE * IMAGE_SIDE
    while width != 10 or not chain:
        nxt = [k for k, s in weights.items() if s[1] == width and k not in chain]
        if len(nxt) != 1 or len(chain) > 4:
            raise ValueError(
                f"checkpoint has no {META_KEY!r} metadata, and its tensors are not one chain of Linear layers "
                f"784 → … → 10 (at width {width}: {len(nxt)} weights take it). Save it from Digit Lens, or as "
                "safetensors.torch.save_file(model.state_dict(), 'model.safetensors') of such a model")
        chain.append(nxt[0])
        width = weights[nxt[0]][0]
    hidden = tuple(weights[k][0] for k in chain[:-1])
    ours = list(MLP(MLPConfig(hidden=hidden)).expected_shapes())  # fc1.weight, fc1.bias, …, out.bias
    names = [n for k in chain for n in (k, k[: -len("weight")] + "bias")]
    unused = sorted(set(entries) - set(names))
    if unused or any(n not in entries for n in names):
        raise ValueError(f"checkpoint has no {META_KEY!r} metadata, and its tensors are not only the Linear "
                         f"layers' weights and biases: {sorted(set(names) - set(entries)) or unused}")
    return dict(zip(names, ours, strict=True)), hidden


def load_checkpoint_bytes(data: bytes) -> tuple[MLP, CheckpointMeta]:
    """Validate and load a checkpoint from memory. Raises ValueError naming what is wrong."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"checkpoint data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    header, data_start = _parse_header(data)
    if not isinstance(header.get("__metadata__", {}), dict):
        raise ValueError("checkpoint metadata is malformed: '__metadata__' must be a JSON object")
    renamed: dict[str, str] = {}
    if has_digit_lens_metadata(header):
        try:
            meta = CheckpointMeta.from_dict(json.loads(header["__metadata__"][META_KEY]))
            net_config = meta.network_config()
        except (json.JSONDecodeError, TypeError, RecursionError) as exc:
            raise ValueError(f"checkpoint metadata is malformed: {exc}") from None
    else:  # a plain state dict (e.g. safetensors.torch.save_file(model.state_dict(), …)): read its layers
        renamed, hidden = _plain_state_dict(header)
        meta = CheckpointMeta(hidden=hidden, torch_version="unknown", mnist_md5={}, created="unknown")
        net_config = meta.network_config()
        header = {renamed[k]: v for k, v in header.items() if k in renamed}
    model = MLP(net_config)
    _check_tensors(header, model.expected_shapes(), len(data) - data_start)
    try:
        tensors = st_load(data)
    except Exception as exc:  # safetensors raises its own error type for corrupt files
        raise ValueError(f"checkpoint could not be decoded: {exc}") from None
    if renamed:
        tensors = {renamed[k]: v for k, v in tensors.items() if k in renamed}
    for name, t in tensors.items():
        if not torch.isfinite(t).all():
            raise ValueError(f"tensor {name!r} contains NaN or infinite values")
    model.load_state_dict(tensors, strict=True)
    model.eval()
    _check_outputs(model)
    return model, meta


def _probe_images() -> torch.Tensor:
    """Inputs every model must map to finite logits: a black and a white image and a few test digits."""
    from model.data import load_mnist

    extremes = torch.stack([torch.zeros(IMAGE_SIDE, IMAGE_SIDE), torch.ones(IMAGE_SIDE, IMAGE_SIDE)])
    try:
        digits = load_mnist(train=False).images[:8]
    except (OSError, RuntimeError):  # no MNIST files (a bare install): the extremes still catch overflow
        return extremes
    return torch.cat([extremes, digits])


@torch.no_grad()
def _check_outputs(model: MLP) -> None:
    """Finite weights can still overflow (weights 3e38, std 1e-300): refuse what computes NaN or ±inf."""
    logits = model(_probe_images())
    if not torch.isfinite(logits).all():
        raise ValueError("this model computes NaN or infinite outputs on ordinary digits "
                         "(overflowing weights or normalisation); it was not loaded")


def load_checkpoint(path: Path | str) -> tuple[MLP, CheckpointMeta]:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {path} does not exist")
    size = path.stat().st_size
    if size > MAX_CHECKPOINT_BYTES:
        raise ValueError(f"checkpoint {path} is {size:,} bytes; the limit is {MAX_CHECKPOINT_BYTES:,}")
    try:
        return load_checkpoint_bytes(path.read_bytes())
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None


PICKLE_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".pkl", ".pickle")


def load_uploaded_checkpoint(filename: str, data: bytes) -> tuple[MLP, CheckpointMeta]:
    """A user's upload: refuse pickle by name and by content, bound the size, then validate fully."""
    suffix = Path(str(filename)).suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        raise ValueError(
            f"{suffix} files are PyTorch pickles; Digit Lens only loads .safetensors, because unpickling a file "
            "can run any code its author put in it. Convert it where you trust it with "
            "safetensors.torch.save_file(model.state_dict(), 'model.safetensors') (a 784 → … → 10 stack of "
            "Linear layers; its input is taken to be normalised with MNIST's mean 0.1307 and std 0.3081)"
        )
    if suffix != ".safetensors":
        raise ValueError(f"expected a .safetensors file, got {filename!r}")
    return load_checkpoint_bytes(data)
