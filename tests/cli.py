"""Running a command line in-process: `main(argv)` as the console would, without a new interpreter.

A subprocess pays 3–8 s of imports on this machine; each entry point keeps one real subprocess test
(that `python -m …` works at all), and every other case runs here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def one_error_line(self) -> bool:
        """Exit 2 and exactly one `error: …` line on stderr, no traceback."""
        lines = self.err.strip().splitlines()
        return self.code == 2 and len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in self.err


def run_main(main: Callable[[list[str]], int], argv: list[str], capsys) -> Ran:
    """`main(argv)`'s exit status (a `SystemExit` from argparse counts) and what it printed."""
    capsys.readouterr()  # drop what earlier steps of the test printed
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    out, err = capsys.readouterr()
    return Ran(int(code or 0), out, err)
