"""The "Download report" button of Draw, Compare and Evaluate: one self-contained HTML file (explain/report)."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from app.state.resources import LoadedModel
from explain.report import ReportRequest, build_report
from explain.types import Contrast


def _build(loaded: LoadedModel, req: ReportRequest) -> str:
    return build_report(loaded.model, req)


def report_button(loaded: LoadedModel, x: np.ndarray, methods: list[str], target, key: str, page: str,
                  index: int | None = None, true_label: int | None = None, params: dict | None = None,
                  seed: int = 0, replacement: str = "mean") -> None:
    """A download button; the report is built only when pressed (deferred: its score card explains again,
    seconds that a rerun should not pay). `target` "all" (all ten classes) reports the predicted class."""
    if not methods:
        return
    req = ReportRequest(np.asarray(x, dtype=np.float32).reshape(28, 28), tuple(methods),
                        target if isinstance(target, int | Contrast) else None, seed, index, true_label,
                        model_name=f"{loaded.name} (weights {loaded.key})", source=f"Digit Lens, {page} page",
                        params={m: p for m, p in (params or {}).items() if p and m in methods}, replacement=replacement)
    name = f"digit-lens-report-{index}.html" if index is not None else "digit-lens-report.html"
    st.download_button("Download report", partial(_build, loaded, req), name, "text/html", key=f"{key}-report",
                       icon=":material/summarize:", on_click="ignore",
                       help="One HTML file that opens offline: the digit, the prediction, these maps with their "
                            "colour bars, the score card, the settings, the fingerprint and the command that "
                            "reproduces it.")
