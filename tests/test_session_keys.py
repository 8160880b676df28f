"""app/state/session.py owns every session key and URL parameter: no string key elsewhere but a module's own
widget keys, no page writing another page's keys, no undeclared URL parameter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.state import session

APP = Path(__file__).resolve().parents[1] / "app"
# Besides the pages (session.WIDGET_PREFIXES), the modules that lay out a page's widgets.
MODULE_PREFIXES = {**session.WIDGET_PREFIXES, "app/components/drawing_pad/__init__.py": ("pad", "draw"),
                   "app/state/atlas.py": ("map",), "app/state/training_records.py": ("map",),
                   "app/sections/atlas_training.py": ("map",), "app/sections/atlas_seeds.py": ("map",),
                   "app/sections/recompute.py": ("leaderboard", "sanity"),
                   "app/sections/whatif.py": ("whatif",), "app/state/whatif.py": ("whatif",),
                   "app/sections/whatif_testset.py": ("whatif",), "app/sections/tcav_run.py": ("concepts",)}
SLOT_KEYS = {v.key for v in vars(session).values() if isinstance(v, session.Slot)}


def _modules() -> list[Path]:
    return sorted(p for p in APP.rglob("*.py") if p.name != "session.py")


def _is_session_state(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "session_state"


def _literal_keys(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, key) of every string-constant key read or written through st.session_state."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_session_state(node.value):
            keys = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            found += [(node.lineno, k.value) for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_session_state(node.func.value):
            args = node.args[:1]
            if node.func.attr == "update" and args and isinstance(args[0], ast.Dict):
                args = [k for k in args[0].keys if k is not None]
            found += [(node.lineno, a.value) for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        elif isinstance(node, ast.Compare) and any(_is_session_state(c) for c in node.comparators):
            found += [(node.lineno, node.left.value)] if isinstance(node.left, ast.Constant) else []
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(APP.parent)))
def test_string_keys_are_only_a_modules_own_widget_keys(path):
    rel = str(path.relative_to(APP.parent))
    prefixes = MODULE_PREFIXES.get(rel, ())
    bad = [(line, key) for line, key in _literal_keys(ast.parse(path.read_text()))
           if key in SLOT_KEYS or not key.split("-")[0] in prefixes]
    assert not bad, f"{rel}: use a Slot from app/state/session.py, or this module's own widget prefix {prefixes}: {bad}"


def test_slots_have_one_key_each_and_widget_prefixes_do_not_overlap():
    slots = [v for v in vars(session).values() if isinstance(v, session.Slot)]
    assert len({s.key for s in slots}) == len(slots)
    owners = {}
    for module, prefixes in session.WIDGET_PREFIXES.items():
        for prefix in prefixes:
            assert owners.setdefault(prefix, module) == module, f"prefix {prefix!r} is used by two pages"


def test_url_parameters_are_declared():
    used = set()
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "query_value", "set_query", "link_value") and node.args and isinstance(node.args[0], ast.Constant):
                used.add(node.args[0].value)
            if isinstance(node, ast.keyword) and node.arg == "query_params" and isinstance(node.value, ast.Dict):
                used |= {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
            if isinstance(node, ast.Attribute) and node.attr == "query_params" and not isinstance(node.ctx, ast.Store):
                assert not (isinstance(node.value, ast.Name) and node.value.id == "st"), \
                    f"{path.name}:{node.lineno}: read and write URL parameters through app.state.session"
    assert used and used <= set(session.URL), used - set(session.URL)


def test_query_value_refuses_an_undeclared_parameter():
    with pytest.raises(ValueError, match="undeclared URL parameter 'nope'"):
        session.query_value("nope")
