"""What every command line here shares: one-line errors (exit 2) and argument checks made before work.

The README promises "exit code 2 and a one-line message" for any misuse; argparse's own `error`
prints the usage block too, and a bad `--out` used to be found only after a whole training run.

Every command that writes files checks each one with `check_output_file` before any work (the same
rule everywhere: not a directory, the right suffix, its folder created if missing and writable, never
inside the shipped assets unless the command was given `--write-shipped`, which only `make
bundled-model` and `make assets` pass), then writes through `atomic_outputs`: temporary files beside
the targets, renamed into place only once all of them are complete.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


WRITE_SHIPPED = "--write-shipped"
_TMP_EXTRA = ".12345678.tmp"  # what a temporary name adds to the target's: "." + name + this


class OutputError(OSError, ValueError):
    """An output file that cannot be written; the message is one line naming the path. Both an OSError
    (what writing raises) and a ValueError (what a refused argument raises), so either handler takes it."""


def add_write_shipped(p: argparse.ArgumentParser) -> None:
    """The flag that lets a command write inside the shipped assets (only the Makefile passes it)."""
    p.add_argument(WRITE_SHIPPED, action="store_true",
                   help="allow writing inside the shipped assets/ folder (`make bundled-model` and `make assets` "
                        "pass it; without it such a path is refused)")


def shipped_root(path: Path) -> Path | None:
    """The shipped assets folder that `path` lies in (after following links), or None."""
    from model.paths import assets_dir, repo_assets_dir

    target = path.expanduser().resolve()
    for root in dict.fromkeys((assets_dir(), repo_assets_dir())):
        root = root.expanduser().resolve()
        if target == root or root in target.parents:
            return root
    return None


def _probe(folder: Path, label: str) -> None:
    """Create and remove a file in `folder`: permissions, read-only mounts and /proc all answer here."""
    probe = folder / f".digit-lens-probe-{secrets.token_hex(4)}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{label}: cannot create a file in {folder} ({exc.strerror or exc})") from None


def check_output_file(path: Path | str, option: str = "--out", suffixes: Sequence[str] = (),
                      write_shipped: bool = False, companion_of: Path | None = None) -> Path:
    """A file to (over)write, checked before any work; ValueError (OutputError) naming the problem.

    The rule for every command: its name ends in one of `suffixes` (when given) and fits the system's
    limits; it is not a directory nor a read-only file; the first folder that exists above it is a
    directory in which a file can be created (missing folders are created when writing); and it is not
    inside the shipped assets unless `write_shipped`. Creates nothing. `companion_of`: the main output
    this file is written beside (the message then names both)."""
    path = Path(path).expanduser()
    label = f"{option} {path}" if companion_of is None else f"{option} {companion_of}: its companion file {path}"
    _check_name_lengths(path)
    if path.is_dir() and companion_of is not None:
        raise OutputError(f"{label} is a directory in the way; move it or choose another {option}")
    if path.is_dir():
        raise OutputError(f"{label} is a directory; give a file name such as {path / ('out' + (suffixes or ('',))[0])}")
    if path.name in ("", ".", ".."):
        raise OutputError(f"{label} names no file")
    _check_name_lengths(path.with_name("." + path.name + _TMP_EXTRA))
    if suffixes and not any(path.name.endswith(s) and len(path.name) > len(s) for s in suffixes):
        raise OutputError(f"{label} must be a file name ending in {' or '.join(suffixes)}")
    root = shipped_root(path)
    if root is not None and not write_shipped:
        raise OutputError(f"{label} is inside the shipped assets ({root}); write somewhere else (only `make "
                          f"bundled-model` and `make assets` write there, passing {WRITE_SHIPPED})")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{label} is not writable")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{label}: {parent} is a file, not a directory")
    _probe(parent, label)
    return path


@contextmanager
def atomic_outputs(*paths: Path) -> Iterator[list[Path]]:
    """Temporary files beside `paths` (same folders, so renaming is atomic), renamed onto them only when
    the block ends without an error; on an error every temporary file is removed and the targets are
    untouched. Missing folders are created. An OSError becomes an OutputError naming the path.

    Write numpy arrays through an open file (`np.savez(fh, …)`): given a name, numpy appends `.npz`."""
    temps: list[Path] = []
    try:
        for path in paths:
            path = Path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
            temps.append(tmp)
        try:
            yield list(temps)
        except OSError as exc:
            named = {str(t): str(p) for t, p in zip(temps, paths, strict=True)}.get(str(exc.filename))
            raise OutputError(f"cannot write {named or ', '.join(map(str, paths))}: {exc.strerror or exc}") from None
        for tmp, path in zip(temps, paths, strict=True):
            try:
                tmp.replace(path)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """`atomic_outputs` for one file: yields its temporary path."""
    with atomic_outputs(path) as (tmp,):
        yield tmp
