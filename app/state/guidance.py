"""The shipped results behind Evaluate's verdicts, loaded once per server, and dates in words."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from explain.evaluation.sanity import CascadeSummary
from explain.evaluation.verdicts import TrustAdvice, load_sanity, sanity_verdicts, trust_advice

SANITY_FILE = "sanity/cascade_n100.json"  # written by `make assets` (python -m explain.sanity)


@st.cache_data(show_spinner=False, max_entries=1)
def shipped_sanity() -> tuple[dict[str, CascadeSummary], dict] | None:
    """The bundled model's sanity checks over 100 test digits (method → summary, provenance), or None."""
    from model.paths import assets_dir

    path = assets_dir() / SANITY_FILE
    return load_sanity(path) if path.is_file() else None


def shipped_trust(rows: list[dict[str, str]]) -> TrustAdvice | None:
    """Which methods to trust on the bundled model, from its shipped leaderboard rows and sanity checks."""
    sanity = shipped_sanity()
    return None if sanity is None else trust_advice(rows, sanity_verdicts(sanity[0]))


def human_date(iso: object) -> str:
    """'2026-11-29T04:48:10+00:00' → '29 Nov 2026'; anything else as it is (or 'unknown')."""
    try:
        return datetime.fromisoformat(str(iso)).strftime("%-d %b %Y")
    except ValueError:
        return str(iso) if iso else "unknown"
