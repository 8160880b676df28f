"""Argument checks shared by the `python -m explain …` commands: every argument is validated
before any work starts, and a misuse ends in exit code 2 with one line on stderr."""

from __future__ import annotations

import argparse
from pathlib import Path

from torch import nn

# One-line errors, seeds, file checks and atomic writes are shared with the model/ commands.
from model.cli import (  # noqa: F401
    OneLineParser,
    OutputError,
    add_write_shipped,
    atomic_output,
    atomic_outputs,
    check_input_file,
    check_output_file,
    seed,
)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _as_type(check):
    """A model.cli check (raises ValueError) as an argparse `type=`."""

    def convert(text: str) -> Path:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


existing_file = _as_type(check_input_file)


def load_model(checkpoint: Path | None) -> nn.Module:
    """The checkpoint's model (or the bundled one), refused if it computes non-finite outputs."""
    import torch

    from model.checkpoint import load_checkpoint
    from model.data import load_mnist
    from model.paths import bundled_checkpoint

    model, _ = load_checkpoint(checkpoint or bundled_checkpoint())
    model.requires_grad_(False)
    with torch.no_grad():
        if not torch.isfinite(model(load_mnist(train=False).images[:64])).all():
            raise ValueError(f"checkpoint {checkpoint} computes NaN or infinite outputs on test digits")
    return model


def indices(text: str) -> list[int]:
    """'0-999', '3,17,42' or a mix ('0-9,100') → test-set indices, checked against 0..9999."""
    out: list[int] = []
    for part in text.split(","):
        lo, sep, hi = part.strip().partition("-")
        try:
            a, b = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise argparse.ArgumentTypeError(f"indices must look like 0-999 or 3,17,42; got {text!r}") from None
        if not 0 <= a <= b <= 9999:
            raise argparse.ArgumentTypeError(f"indices must be in 0..9999 and ranges ascending; got {part!r}")
        out.extend(range(a, b + 1))
    if len(out) > 10_000:
        raise argparse.ArgumentTypeError(f"at most 10000 indices, got {len(out)}")
    return out
