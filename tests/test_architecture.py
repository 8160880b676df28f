"""The house's floors, read from the source with `ast` (nothing is imported): model <- explain <- app.

Every `import` / `from ... import` in app/, explain/ and model/ is an arrow wherever it stands (in a function,
under `if TYPE_CHECKING:`). Fails on a cycle (strongly connected modules) and on an arrow up a floor.
"""

from __future__ import annotations

import ast
import functools
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {"model": 0, "explain": 1, "app": 2, "app_pages": 2}  # a module may import its own floor or lower

Graph = dict[str, set[str]]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _known(name: str, modules: set[str]) -> str | None:
    """The project module `name` lands in: itself, or its longest known prefix (a name inside a module)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node: ast.Import | ast.ImportFrom, module: str, package: str, modules: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {t for alias in node.names if (t := _known(alias.name, modules))}
    source = node.module or ""
    if node.level:  # relative: from this module's package, up level - 1 packages
        base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        source = f"{base}.{source}".rstrip(".")
    # `from package import submodule` is an arrow to the submodule, `from module import name` to the module
    found = {sub if (sub := f"{source}.{alias.name}") in modules else _known(source, modules) for alias in node.names}
    return {t for t in found if t}


@functools.cache
def import_graph() -> Graph:
    files = {_module_name(p): p for top in FLOORS if (ROOT / top).is_dir() for p in (ROOT / top).rglob("*.py")}
    assert files, "no project modules found"
    graph: Graph = {m: set() for m in files}
    names = set(files)
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[module] |= _targets(node, module, package, names) - {module}
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = stack[stack.index(v):]
            del stack[stack.index(v):]
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def one_loop(graph: Graph, component: list[str]) -> list[str]:
    """A shortest way from the component's first module back to itself: how the circle closes."""
    start, inside = component[0], set(component)
    came: dict[str, str] = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph[v] & inside):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(came[path[-1]])
                return [*reversed(path), start]
            if w not in came:
                came[w] = v
                queue.append(w)
    raise AssertionError(f"{component} is not a cycle")


def _floor(module: str) -> int:
    return FLOORS[module.partition(".")[0]]


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = cycles(graph)
    lines = [f"- {', '.join(c)}\n    e.g. {' -> '.join(one_loop(graph, c))}" for c in found]
    assert not found, f"{len(found)} import cycle(s):\n" + "\n".join(lines)


def test_no_arrow_up_a_floor() -> None:
    graph = import_graph()
    up = sorted(f"- {a} -> {b}" for a, targets in graph.items() for b in targets if _floor(a) < _floor(b))
    assert not up, f"{len(up)} import(s) up a floor (model <- explain <- app):\n" + "\n".join(up)
