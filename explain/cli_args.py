"""Argument checks shared by the `python -m explain …` commands: every argument is validated
before any work starts, and a misuse ends in exit code 2 with one line on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from torch import nn

MAX_SEED = 2**32 - 1


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`prog: error: …`) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"seed must be in 0..{MAX_SEED}, got {text}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _name_lengths(path: Path) -> None:
    limit = os.pathconf("/", "PC_NAME_MAX") if hasattr(os, "pathconf") else 255
    for part in path.parts:
        if len(part.encode()) > limit:
            raise argparse.ArgumentTypeError(f"file name too long ({len(part)} characters; the limit is {limit})")


def existing_file(text: str) -> Path:
    path = Path(text)
    _name_lengths(path)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} does not exist or is not a file")
    return path


def output_file(text: str) -> Path:
    """A path a result can be written to: not a directory, its folder a folder (made if missing)."""
    path = Path(text)
    _name_lengths(path)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(f"{text}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK):
                raise argparse.ArgumentTypeError(f"{text}: {parent} is not writable")
            break
    return path


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
