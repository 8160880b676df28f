"""The What-if page's attacks on the test set: accuracy under FGSM and PGD against ε, and the smallest
flipping ε per digit. Each is a long request with a Cancel button and a time budget (app.sections.long_request).

The settings sit in fragments, so changing them reruns only the settings; a press starts the
request in a full-page run, outside any fragment, because a click inside a fragment does not stop
a running script: there a Cancel button could not cancel anything.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.sections import long_request
from app.figures.whatif import accuracy_curves_figure, min_eps_histogram
from app.state.session import ATTACK_CURVES_RUN, MIN_EPS_RUN
from app.state.resources import LoadedModel
from app.safe_text import plain
from app.state.whatif import attack_curve, min_eps_chunk
from explain.whatif.attacks import AttackConfig, AttackCurve

ATTACKS_BUDGET_S = 120.0  # one press: stop between attacks or radii after this, and say what was cut
MIN_EPS_BUDGET_S = 120.0  # one press: stop between chunks of digits after this
CURVES_KEY, MIN_EPS_KEY = ATTACK_CURVES_RUN.key, MIN_EPS_RUN.key  # long_request.py keeps each request under its key
CHUNK = 25  # digits per minimal-ε step (captum searches one digit at a time)
CURVE_CHUNK = 1000  # digits per attack step: a Cancel click or the budget stops between these
EPS_MAX = 0.5


@st.fragment
def _curve_settings(loaded: LoadedModel) -> None:
    a, b, c = st.columns([1, 1.4, 1])
    n = a.selectbox("Test digits", [500, 1000, 2000, 5000, 10000], index=1, key="whatif-ts-n")
    eps_text = b.text_input("ε values (L∞, comma separated)", "0, 0.05, 0.1, 0.15, 0.2", key="whatif-ts-eps")
    try:
        eps = tuple(sorted({float(t) for t in eps_text.split(",") if t.strip()}))
        if not eps or not all(0 <= e <= 1 for e in eps):
            raise ValueError
    except ValueError:
        st.error("Give ε values between 0 and 1, separated by commas.")
        return
    if c.button("Run both attacks", icon=":material/bolt:", type="primary", key="whatif-ts-run"):
        long_request.start(CURVES_KEY, (loaded.key, n, eps),
                    [f"{a}:{s}" for a in ("fgsm", "pgd") for s in range(0, n, CURVE_CHUNK)])
        st.rerun(scope="app")


def _combined(chunks: list[AttackCurve]) -> tuple[list[float], list[float], int, float]:
    """Chunks of digits → (ε, accuracy over all their digits, digits, seconds)."""
    n = sum(c.n for c in chunks)
    acc = np.sum([np.asarray(c.accuracy) * c.n for c in chunks], axis=0) / n
    return chunks[0].eps, acc.tolist(), n, sum(c.runtime_ms for c in chunks) / 1000


def _curves(loaded: LoadedModel) -> None:
    run = long_request.current(CURVES_KEY)
    if run is None or run.settings[0] != loaded.key:
        return
    _, n, eps = run.settings

    def span(unit: str) -> tuple[str, int, int]:
        attack, start = unit.split(":")
        return attack, int(start), min(int(start) + CURVE_CHUNK, n)

    long_request.drive(CURVES_KEY, run, ATTACKS_BUDGET_S,
                lambda u, _: attack_curve(loaded, *span(u)[1:], eps, AttackConfig(span(u)[0])),
                lambda u: f"{span(u)[0].upper()} on test digits {span(u)[1] + 1:,}–{span(u)[2]:,} of {n:,}")
    curves: dict[str, tuple[list[float], list[float]]] = {}
    for attack in ("fgsm", "pgd"):
        units = [u for u in run.units if u.startswith(f"{attack}:")]
        for u in units:
            if isinstance(run.done.get(u), long_request.Failed):
                st.error(f"{attack.upper()} failed: {plain(run.done[u].error)}")
        chunks = [run.done[u] for u in units if isinstance(run.done.get(u), AttackCurve)]
        if chunks:
            e, acc, digits, seconds = _combined(chunks)
            part = "" if digits == n else f", {digits:,} of {n:,} digits"
            curves[f"{attack.upper()} ({seconds:.1f} s{part})"] = (e, acc)
    left = {a: sum(span(u)[2] - span(u)[1] for u in run.remaining if u.startswith(f"{a}:")) for a in ("fgsm", "pgd")}
    cut = [f"{a.upper()} on {d:,} of the {n:,} digits" for a, d in left.items() if d]
    long_request.report(run, "the chart", cut, ATTACKS_BUDGET_S)
    if curves:
        st.plotly_chart(accuracy_curves_figure(curves, "L∞", n), key="whatif-ts-curves")
        st.caption("PGD (random start, 40 steps of 2.5·ε/40) keeps FGSM's result for any digit FGSM fooled and PGD "
                   "did not, so it is never reported weaker than FGSM. Digits are attacked in batches of "
                   f"{CURVE_CHUNK:,}; a stopped request shows the accuracy over the digits it finished.")


@st.fragment
def _min_eps_settings(loaded: LoadedModel) -> None:
    d, e, f = st.columns([1, 1, 1])
    count = d.selectbox("Digits for the minimal-ε histogram", [100, 200, 300], key="whatif-me-n")
    attack = e.radio("Attack", ["fgsm", "pgd"], key="whatif-me-attack", horizontal=True, format_func=str.upper,
                     help="captum's MinParamPerturbation, binary search, one digit at a time; PGD is ~20× slower.")
    if f.button("Find minimal ε", icon=":material/search:", key="whatif-me-run"):
        long_request.start(MIN_EPS_KEY, (loaded.key, count, attack), [str(s) for s in range(0, count, CHUNK)])
        st.rerun(scope="app")


def _min_eps(loaded: LoadedModel) -> None:
    run = long_request.current(MIN_EPS_KEY)
    if run is None or run.settings[0] != loaded.key:
        return
    _, count, attack = run.settings

    def digits(unit: str) -> str:
        return f"digits {int(unit) + 1}–{min(int(unit) + CHUNK, count)}"

    long_request.drive(MIN_EPS_KEY, run, MIN_EPS_BUDGET_S,
                lambda u, _: min_eps_chunk(loaded, int(u), min(int(u) + CHUNK, count), AttackConfig(attack), EPS_MAX),
                lambda u: f"{attack.upper()}: {digits(u)} of {count}")
    parts = [run.done[u] for u in run.units if isinstance(run.done.get(u), np.ndarray)]
    for u in run.units:
        if isinstance(run.done.get(u), long_request.Failed):
            st.error(f"{digits(u).capitalize()} failed: {plain(run.done[u].error)}")
    long_request.report(run, "the histogram", [digits(u) for u in run.remaining], MIN_EPS_BUDGET_S)
    if parts:
        values = np.concatenate(parts)
        st.plotly_chart(min_eps_histogram(values, attack.upper(), EPS_MAX), key="whatif-me-hist")
        st.caption(f"Median minimal ε over {len(values)} digits: {np.nanmedian(values):.3f} "
                   "(0 for digits the model already gets wrong).")


def test_set_section(loaded: LoadedModel) -> None:
    _curve_settings(loaded)
    _curves(loaded)
    st.divider()
    _min_eps_settings(loaded)
    _min_eps(loaded)
