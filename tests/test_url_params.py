"""A link can never crash a page (issue 24, item 5): every URL parameter goes through app.state.session's
`link_value`; a bad value is one warning naming it, and the page keeps its default."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from app.state import session
from app.state.session import LinkValueError, Partly, choice, flag, integer, layer_unit, names, number

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")
PAGES = ["home", "draw", "explore", "compare", "evaluate", "whatif", "inside", "map", "train"]
# Near misses of real values, beside Hypothesis's arbitrary text: the cases that crashed pages.
TRICKY = ["", " ", "²", "¹", "٣", "-1", "1e309", "nan", "inf", "all", "4,4", "1,2,3", "0", "1", "4", "2", "abc",
          "hidden1:²", "hidden2:¹", "hidden1:5", "hidden2:99999", "logits:12", "hidden1:", ":5", "saliency,saliency",
          "saliency,,deeplift", "integrated_gradients.steps=abc", "occlusion.window=6,foo", "umap", "pca", "l1",
          "linf", "pgd", "0.5", "3.5", "attack", "testset", "label", "x" * 600, "<script>alert(1)</script>", "\x00"]
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(TRICKY))
_APPS: dict[str, AppTest] = {}


def _open(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=300)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    return at


@pytest.mark.parametrize("page", PAGES)
@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(query=st.fixed_dictionaries({name: TEXT for name in session.URL}))
@pytest.mark.slow
def test_any_text_in_every_declared_parameter_never_raises(page, query):
    at = _APPS.get(page) or _APPS.setdefault(page, _open(page))  # one session per page, link after link
    at.query_params.clear()
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, (query, [e.value for e in at.exception])


@pytest.mark.parametrize("page, query, warned", [
    ("compare", {"methods": "saliency,saliency"}, None),  # StreamlitDuplicateElementKey
    ("whatif", {"pen": "2"}, "pen=2"),  # KeyError
    ("whatif", {"pen": "abc"}, "pen=abc"),
    ("inside", {"neuron": "hidden1:²"}, "hidden1"),  # '²'.isdigit() is true, int('²') fails
    ("map", {"neuron": "hidden2:¹"}, "hidden2"),
    ("inside", {"neuron": "hidden1:128"}, "hidden1 0–127"),  # out of range: the ranges are named
    ("explore", {"index": "٣"}, "does not exist"),
])
@pytest.mark.slow
def test_the_links_that_crashed_a_page_are_one_warning(page, query, warned):
    at = _open(page, query)
    assert not at.exception, [e.value for e in at.exception]
    if warned is None:
        assert not at.warning
    else:
        [warning] = [w.value for w in at.warning if "the link" in w.value]
        assert warned in warning.replace("\\", "")


def test_compare_methods_are_deduplicated_and_target_all_is_not_offered():
    at = _open("compare", {"methods": "saliency,saliency,deeplift", "target": "all"})
    assert at.multiselect[0].value == ["saliency", "deeplift"]
    [warning] = [w.value for w in at.warning]
    assert "target=all" in warning and "or all" not in warning  # Compare does not take all


def test_a_bad_value_warns_once_per_session():
    at = _open("whatif", {"pen": "2"})
    assert len(at.warning) == 1
    at.run()
    assert not at.warning and not at.exception


def test_parsers():
    for bad in ["²", "٣", "1.0", "", "10", "-1", "1" * 40]:
        with pytest.raises(ValueError):
            integer(0, 9)(bad)
    assert integer(0, 9)("7") == 7
    with pytest.raises(ValueError):
        number(0, 3)("nan")
    with pytest.raises(ValueError):
        number(0, 3)("1e309")
    assert number(0, 3)("2.5") == 2.5
    with pytest.raises(KeyError):
        flag("2")
    assert flag("1") is True and flag("0") is False
    assert choice([1, 2])("2") == 2
    with pytest.raises(LinkValueError):
        choice(["a"])("b")
    assert names(["a", "b"])("b,a,b") == ["b", "a"]
    part = names(["a", "b"])("a,zz")
    assert isinstance(part, Partly) and part.value == ["a"] and "zz" in part.dropped
    with pytest.raises(LinkValueError):
        names(["a"])("zz")
    sizes = {"hidden1": 128, "logits": 10}
    assert layer_unit(sizes)("hidden1:127") == ("hidden1", 127)
    for bad in ["hidden1:128", "hidden1:²", "hidden3:1", "logits", "logits:-1"]:
        with pytest.raises(ValueError):
            layer_unit(sizes)(bad)
