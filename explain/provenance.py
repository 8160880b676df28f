"""Where a written result came from: the command that made it, when (UTC), and the versions of the
libraries it ran on. Every `*.meta.json` the command-line tools write starts from `provenance`."""

from __future__ import annotations

import datetime as dt
import platform
import shlex
import sys
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version


def library_version(name: str) -> str:
    """The installed distribution's version ("python": the interpreter's; "not installed" when absent).
    An imported module's own `__version__` wins where it says more: torch's names its build (2.14.1+cpu,
    2.14.1+cu130), which the package metadata may leave out."""
    if name == "python":
        return platform.python_version()
    try:
        found = version(name)
    except PackageNotFoundError:
        return "not installed"
    own = getattr(sys.modules.get(name), "__version__", None)
    return own if isinstance(own, str) and own.startswith(found + "+") else found


def versions(*names: str) -> dict[str, str]:
    """Library → installed version, for each name in order."""
    return {name: library_version(name) for name in names}


def utc_now() -> str:
    """Now, to the second, as ISO 8601 with the UTC offset (2026-11-29T04:24:27+00:00)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def provenance(prog: str, argv: list[str] | None = None, libraries: Iterable[str] = ()) -> dict[str, object]:
    """{"command", "date"} of a result written now by `prog argv` (argv: sys.argv[1:] when None), and
    "versions" (library → version) when `libraries` are named."""
    out: dict[str, object] = {"command": f"{prog} " + shlex.join(sys.argv[1:] if argv is None else argv),
                              "date": utc_now()}
    names = tuple(libraries)
    if names:
        out["versions"] = versions(*names)
    return out
