"""Which class the maps explain: predicted, another, all ten, or "why A and not B" (also from the link)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.state.session import LinkValueError, integer, link_value, query_value, set_query
from explain import Contrast

ALL_CLASSES = "all"
_MODES = ["Predicted class", "Another class", "All 10 classes", "Why A and not B"]


def _parse_target(allow_all: bool) -> Callable[[str], int | Contrast | str]:
    """A link's `target`: a class 0–9, two different classes "a,b", or (where the page takes it) "all"."""
    def parse(raw: str) -> int | Contrast | str:
        if raw == ALL_CLASSES and allow_all:
            return ALL_CLASSES
        digits = [integer(0, 9)(part) for part in raw.split(",")]
        if len(digits) == 1:
            return digits[0]
        if len(digits) == 2 and digits[0] != digits[1]:
            return Contrast(*digits)
        raise LinkValueError(raw)
    return parse


def _target_from_query(key: str, modes: list[str]) -> None:
    """Apply a shared link's `?target=` once per value (a bad one is a warning and the default)."""
    raw = query_value("target")
    if raw is None or st.session_state.get(f"{key}-query") == raw:
        return
    st.session_state[f"{key}-query"] = raw
    allow_all = "All 10 classes" in modes
    target = link_value("target", _parse_target(allow_all), "use a class 0–9 or two different classes like 4,9"
                        + (", or all" if allow_all else ""))
    if target == ALL_CLASSES:
        st.session_state[f"{key}-mode"] = "All 10 classes"
    elif isinstance(target, Contrast):
        st.session_state[f"{key}-mode"] = "Why A and not B"
        st.session_state[f"{key}-a"], st.session_state[f"{key}-b"] = target.a, target.b
    elif target is not None:
        st.session_state[f"{key}-mode"], st.session_state[f"{key}-class"] = "Another class", target


def target_selector(key: str, predicted: int, allow_all: bool = True, true_label: int | None = None,
                    runner_up: int | None = None) -> int | Contrast | str | None:
    """Predicted class, another class, all 10, or "why A and not B" (for a mistake: why the prediction
    and not the true label, by default); mirrored in `?target=`. "Another class" and B start at the
    runner-up (the class the model came closest to saying instead), never at the predicted class."""
    if runner_up is None or runner_up == predicted:
        runner_up = (predicted + 1) % 10
    modes = _MODES if allow_all else [m for m in _MODES if m != "All 10 classes"]
    _target_from_query(key, modes)
    mode = st.radio("Explain", modes, horizontal=True, key=f"{key}-mode")
    # A default index only when the link has not already set the widget (Streamlit warns about both).
    def first(k: str, index: int) -> dict:
        return {} if k in st.session_state else {"index": index}

    # Every mode shows one row of class pickers (disabled where the mode fixes the class): the row's height
    # never changes with the mode, so what is below (Draw's pad) does not jump.
    a, b = st.columns(2)
    target: int | Contrast | str | None = None
    if mode == "Another class":
        target = int(a.selectbox("Class", range(10), key=f"{key}-class", **first(f"{key}-class", runner_up)))
    elif mode == "All 10 classes":
        target = ALL_CLASSES
        a.selectbox("Classes", ["all 10"], disabled=True)
    elif mode == "Why A and not B":
        ca = int(a.selectbox("Why", range(10), key=f"{key}-a", **first(f"{key}-a", predicted)))
        others = [d for d in range(10) if d != ca]
        # For a mistake, why the prediction and not the true label; otherwise not the runner-up.
        rival = true_label if true_label in others else runner_up if runner_up in others else others[0]
        cb = int(b.selectbox("and not", others, key=f"{key}-b", **first(f"{key}-b", others.index(rival))))
        target = Contrast(ca, cb)
    else:
        a.selectbox("Class", ["the predicted one"], disabled=True)
    set_query("target", None if target is None else
              f"{target.a},{target.b}" if isinstance(target, Contrast) else str(target))
    st.session_state[f"{key}-query"] = query_value("target")
    return target


def target_text(target: int | Contrast | str | None, predicted: int) -> str:
    """What an export says was explained: 'predicted (7)', '3', '4,9' or 'all'."""
    if target is None:
        return f"predicted ({predicted})"
    return f"{target.a},{target.b}" if isinstance(target, Contrast) else str(target)
