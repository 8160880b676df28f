"""Every `from app|model|explain… import name` in the repository names something that exists: a moved module
or a renamed function fails here, at once, instead of in the one test that happens to reach that line."""

from __future__ import annotations

import ast
import importlib
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("app", "model", "explain")


def _imports() -> list[tuple[str, int, str, str | None]]:
    """(file, line, module, name or None) for every absolute import of our packages, in functions too."""
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = []
    for f in files.split():
        if not (ROOT / f).exists():
            continue
        for node in ast.walk(ast.parse((ROOT / f).read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in OURS:
                found += [(f, node.lineno, node.module, a.name) for a in node.names if a.name != "*"]
            elif isinstance(node, ast.Import):
                found += [(f, node.lineno, a.name, None) for a in node.names if a.name.split(".")[0] in OURS]
    return found


@pytest.mark.slow  # imports the whole project once (the explainer libraries included)
def test_every_import_of_our_packages_resolves():
    missing = []
    for f, line, module, name in _imports():
        try:
            mod = importlib.import_module(module)
            if name is not None and not hasattr(mod, name):
                importlib.import_module(f"{module}.{name}")  # a submodule
        except ImportError as exc:
            missing.append(f"{f}:{line}: {module}{'.' + name if name else ''} ({exc})")
    assert not missing, "imports that do not resolve:\n" + "\n".join(missing)
