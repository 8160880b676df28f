"""Attribution maps of one input: method choice, colour scale, the grid of maps, fingerprint and export."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st

from app.components.heatmap_grid import grid_data, heatmap_grid
from app.components.image_strip import upscale
from app.figures.common import duration, symmetric_limit
from app.safe_text import plain
from app.sections.prediction import show_prediction
from app.sections.target import ALL_CLASSES, target_selector, target_text
from app.state.caches import all_classes_explanation, explanation, probabilities
from app.state.resources import LoadedModel
from app.state.session import CHOSEN_METHODS, CHOSEN_SCALE, link_value, names, set_query
from explain import Attribution, Contrast, drawing_methods, get_method, method_names, methods, preview_params
from explain.export import config_json, to_csv, to_npz, to_zip
from explain.fingerprint import fingerprint
from model.digests import input_digest


def methods_from_query(default: list[str], param: str = "methods") -> list[str]:
    """The `?methods=a,b` (or another `param`) of a shared link, each once; unknown names dropped with a warning."""
    return link_value(param, names(method_names(), "method name"), "no known method name (see the picker)") or default


def methods_help() -> str:
    """One line per method, from the registry's summaries: what each computes, and its library."""
    return "What each method computes:\n\n" + "\n".join(
        f"- **{m.display}** ({m.library}{', random: seeded' if m.stochastic else ''}): {m.summary}" for m in methods())


CARRIED = "methods"  # the pickers whose choice follows the visitor from page to page (their link parameter)


def method_selector(key: str, default: list[str] | None = None, param: str = "methods", why: str | None = None
                    ) -> list[str]:
    """Methods to show; starts from the link's `?{param}=`, else (for the main pickers, `param` "methods")
    the methods the visitor last chose on another page, else the page's `default`, whose reason `why` says
    (each page's default differs: fast ones while drawing, all of them to compare, …). Writes the choice back
    to the link for sharing. Each picker on a page owns its own `param`."""
    start = default or drawing_methods()
    if param == CARRIED:
        start = CHOSEN_METHODS.get() or start
    widget = f"{key}-methods"

    def carry() -> None:  # only a visitor's own change is carried, never a page's default
        if param == CARRIED:
            CHOSEN_METHODS.set(list(st.session_state[widget]))

    chosen = st.multiselect("Methods", method_names(), default=methods_from_query(start, param), key=widget,
                            format_func=lambda n: get_method(n).display, on_change=carry,
                            help=(f"{why} Your own choice follows you to the other pages.\n\n" if why else "") + methods_help())
    set_query(param, ",".join(chosen))
    return chosen


def run_methods(loaded: LoadedModel, x: np.ndarray, methods: list[str], target, params=None, seed: int = 0
                ) -> tuple[dict[str, Attribution], dict[str, str]]:
    """Each method through the cache; a failing one is reported, never takes the others down."""
    done: dict[str, Attribution] = {}
    errors: dict[str, str] = {}
    for name in methods:
        try:
            done[name] = explanation(loaded, x, name, target, (params or {}).get(name), seed)
        except Exception as exc:  # noqa: BLE001 - shown in that method's place
            errors[name] = f"{type(exc).__name__}: {exc}"
    return done, errors


def is_unsigned(a: Attribution) -> bool:
    """Maps of |gradient| (Saliency, SmoothGrad with absolute=True) say how much, never which way."""
    return bool(a.params.get("absolute"))


def sign_note(done: dict[str, Attribution]) -> str:
    """What the colours mean, per map: signed maps have a direction, unsigned ones only a strength."""
    names = {}
    for a in done.values():
        names.setdefault(is_unsigned(a), []).append(get_method(a.method).display)
    parts = []
    if names.get(False):
        parts.append(f"{', '.join(dict.fromkeys(names[False]))}: red pushes the score up, blue pushes it down")
    if names.get(True):
        parts.append(f"{', '.join(dict.fromkeys(names[True]))}: unsigned (how strongly each pixel matters, "
                     "not in which direction), on a scale from 0")
    return "; ".join(parts)


SCALES = {"One scale for all maps": True, "Each map its own scale": False}


def scale_selector(key: str) -> bool:
    """Shared colour scale (magnitudes compare across maps) or one per map (every map's pattern shows); the
    visitor's choice follows them to the other pages."""
    widget = f"{key}-scale"
    carried = CHOSEN_SCALE.get()
    choice = st.radio("Colour scale", list(SCALES), horizontal=True, key=widget,
                      index=list(SCALES).index(carried) if carried in SCALES else 0,
                      on_change=lambda: CHOSEN_SCALE.set(st.session_state[widget]),
                      help="One scale compares magnitudes across methods, but a method with large values "
                           "(e.g. LRP) washes the others out; per-map scales show each map's own pattern.")
    return SCALES[choice]


def _all_classes(loaded: LoadedModel, x: np.ndarray, methods: list[str], params: dict[str, dict]
                 ) -> tuple[dict[str, list[Attribution]], dict[str, str]]:
    rows: dict[str, list[Attribution]] = {}
    errors: dict[str, str] = {}
    for name in methods:
        try:
            rows[name] = all_classes_explanation(loaded, x, name, params.get(name))
        except Exception as exc:  # noqa: BLE001 - shown in that method's place
            errors[name] = f"{type(exc).__name__}: {exc}"
    return rows, errors


def preview_note(params: dict[str, dict]) -> str:
    """What a preview computed more cheaply than the full maps, in words."""
    said = [f"{get_method(n).display} with " + ", ".join(f"{k} = {v}" for k, v in p.items())
            for n, p in params.items() if p]
    return (" While you draw: " + "; ".join(said) + ". The full maps follow when you lift the pen.") if said else ""


def show_maps(loaded: LoadedModel, x: np.ndarray, methods: list[str], target, key: str,
              shared: bool = True, overlay: bool = True, cols: int = 4, preview: bool = False
              ) -> dict[str, Attribution]:
    """Compute and draw the maps: one mosaic, or for all 10 classes one mosaic per method.
    preview=True: each method's cheaper `quick` setting (while a stroke is still being drawn)."""
    if not methods:
        st.info("Pick at least one method.")
        return {}
    digit = x if overlay else None
    scale = "one colour scale for all maps" if shared else "each map on its own colour scale (÷ its max |value|)"
    params = {name: preview_params(name) for name in methods} if preview else {}
    scale += preview_note(params)
    with st.spinner(f"Explaining with {len(methods)} method{'s' * (len(methods) > 1)}…", show_time=True):
        if target == ALL_CLASSES:
            rows, errors = _all_classes(loaded, x, methods, params)
            done = {f"{name}@{t}": a for name, row in rows.items() for t, a in enumerate(row)}
        else:
            done, errors = run_methods(loaded, x, methods, target, params)
    # One shared scale spans every grid below (each method's 10 classes, or the signed and the unsigned maps).
    limit = symmetric_limit([a.values for a in done.values()]) if shared and done else None
    if target == ALL_CLASSES and done:
        predicted = int(probabilities(loaded.model, x).argmax())
        for name, row in rows.items():
            total = sum(a.runtime_ms for a in row)
            st.markdown(f"**{get_method(name).display}** · all 10 classes in {duration(total)}")
            panels = [(f"class {t}", "predicted" if t == predicted else "", a.values) for t, a in enumerate(row)]
            heatmap_grid(grid_data(panels, digit, shared, cols=5, px=110, limit=limit,
                                   signed=not is_unsigned(row[0])), key=f"{key}-grid-{name}")
        st.caption(f"Each map explains one class's score; {sign_note(done)}; {scale}. "
                   f"Fingerprint of these maps: `{fingerprint(done)}` (input `{input_digest(x)}`)")
    elif done:
        # Unsigned maps (|gradient|) get their own grid and a sequential colour bar from 0: on the signed
        # maps' diverging bar they would claim a direction they do not have.
        for signed, suffix in ((True, ""), (False, "-unsigned")):
            group = [a for a in done.values() if is_unsigned(a) != signed]
            if group:
                panels = [(get_method(a.method).display, duration(a.runtime_ms), a.values) for a in group]
                heatmap_grid(grid_data(panels, digit, shared, cols, limit=limit, signed=signed), key=f"{key}-grid{suffix}")
        what = "the predicted class" if target is None else f"target {target}"
        st.caption(f"Maps explain {what}. {sign_note(done)}; {scale}. "
                   f"Fingerprint of these maps: `{fingerprint(done)}` (input `{input_digest(x)}`)")
    for name, err in errors.items():
        st.error(f"{get_method(name).display} failed: {plain(err)}")
    return done


def export_buttons(done: dict[str, Attribution], x: np.ndarray, config: dict, key: str) -> None:
    """One row of downloads; the ZIP holds everything, with one PNG per map. Deferred (callables): the
    files are built only when a button is pressed, not on every rerun (Draw reruns per stroke), and four
    buttons in one row keep the per-stroke page light (one PNG button per map used to make 17 elements)."""
    if not done:
        return
    with st.expander("Export"), st.container(horizontal=True):
        st.download_button("Everything (ZIP: NPZ, CSV, JSON, a PNG per map)", partial(to_zip, done, x, config),
                           "digit-lens-maps.zip", "application/zip", key=f"{key}-zip")
        st.download_button("All maps (NPZ)", partial(to_npz, done, x), "digit-lens-maps.npz", key=f"{key}-npz")
        st.download_button("All maps (CSV)", partial(to_csv, done), "digit-lens-maps.csv", "text/csv", key=f"{key}-csv")
        st.download_button("Configuration (JSON)", partial(config_json, config), "digit-lens-config.json",
                           "application/json", key=f"{key}-json")


WHY_DRAWING_METHODS = ("Starts with the fast methods (the registry's `fast` ones): their maps follow the pen, "
                       "stroke by stroke.")


@dataclass(frozen=True)
class AttributionSettings:
    """What the maps explain, on which colour scale, with which methods."""

    target: int | Contrast | str | None
    shared: bool
    methods: list[str]


def attribution_settings(key: str, predicted: int, true_label: int | None = None, runner_up: int | None = None
                         ) -> AttributionSettings:
    """Target choice, colour scale, and method choice (full width: chips are never cut)."""
    a, b = st.columns([1.4, 1])
    with a:
        target = target_selector(key, predicted, true_label=true_label, runner_up=runner_up)
    with b:
        shared = scale_selector(key)
    return AttributionSettings(target, shared, method_selector(key, why=WHY_DRAWING_METHODS))


def maps_and_export(loaded: LoadedModel, x: np.ndarray, key: str, settings: AttributionSettings, predicted: int,
                    config: dict | None = None, preview: bool = False) -> None:
    """The maps for `settings`, then their export. preview=True (a stroke in progress): each method's
    cheaper setting until the pen lifts."""
    done = show_maps(loaded, x, settings.methods, settings.target, key, shared=settings.shared, preview=preview)
    export_buttons(done, x, {**(config or {}), "methods": settings.methods,
                             "target": target_text(settings.target, predicted), "model": loaded.key, "seed": 0}, key)


def explanation_view(loaded: LoadedModel, x: np.ndarray, key: str, true_label: int | None = None,
                     config: dict | None = None) -> None:
    """Prediction, then the explanations: the Explore page's view of one digit."""
    left, right = st.columns([1, 2], gap="large")
    with left:
        st.image(upscale(x), caption="the 28×28 input", width=168)
    with right:
        predicted = show_prediction(loaded, x, true_label)
    runner_up = int(np.argsort(probabilities(loaded.model, x))[-2])
    maps_and_export(loaded, x, key, attribution_settings(key, predicted, true_label, runner_up), predicted, config)
