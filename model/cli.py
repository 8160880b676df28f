"""What every command line here shares: one-line errors (exit 2) and argument checks made before work.

The README promises "exit code 2 and a one-line message" for any misuse; argparse's own `error`
prints the usage block too, and a bad `--out` used to be found only after a whole training run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

MAX_SEED = 2**32 - 1  # what numpy's legacy seeding accepts; torch would take more, but one range for all
NAME_MAX = 255  # bytes in one path component on every file system we run on
PATH_MAX = 4096


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose every error is one `error: …` line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        fail(message)


def fail(message: str) -> NoReturn:
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)
    sys.exit(2)


def seed(text: str) -> int:
    """argparse `type=` for a seed: an integer in 0..2**32-1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"seed must be in 0..{MAX_SEED}, got {text}")
    return value


def _check_name_lengths(path: Path) -> None:
    if len(os.fsencode(str(path))) > PATH_MAX:
        raise ValueError(f"path is longer than {PATH_MAX} bytes: {str(path)[:60]}…")
    for part in path.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise ValueError(f"file name longer than {NAME_MAX} bytes: {part[:40]}…")


def check_input_file(path: Path | str, what: str = "file") -> Path:
    """A file to read: exists, is a regular file, and its name is not over the system's limits."""
    path = Path(path)
    _check_name_lengths(path)
    if path.is_dir():
        raise ValueError(f"{what} {path} is a directory")
    if not path.is_file():
        raise ValueError(f"{what} {path} does not exist")
    return path


def check_output_file(path: Path | str) -> Path:
    """A file to (over)write, checked before any work: not a directory, its folder creatable and writable.

    Creates nothing: the first folder that exists above it must be a writable directory.
    """
    path = Path(path).expanduser()
    _check_name_lengths(path)
    _check_name_lengths(path.with_name(path.name + ".tmp"))
    if path.is_dir():
        raise ValueError(f"--out {path} is a directory; give a file name such as {path / 'model.safetensors'}")
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"--out {path} is not writable")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"--out {path}: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"--out {path}: cannot write in {parent}")
    return path
