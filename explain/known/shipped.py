"""The shipped known-answer results, so the app and the CLI answer at once: assets/known/shortcut_scores.json
(the planted-patch model and the bundled model: the same marked digits, no shortcut learnt) and
assets/known/border_scores.json (the border-watermark model, the second kind of planted shortcut)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from explain.known.scores import KnownConfig, KnownScores, shortcut_scores
from model.shortcut import BORDER, PATCH, Shortcut, reliance

SCORES_FILE = "known/shortcut_scores.json"
BORDER_FILE = "known/border_scores.json"  # the border watermark's model alone (its record needs no bundled model)
BORDER_MODEL = "border"  # the model trained with the border watermark (python -m model.shortcut --kind border)
TCAV_FILE = "known/tcav_builtin.json"  # every built-in concept on both models: the Concepts page opens on it
MODELS = ("shortcut", "bundled")  # the model with the planted shortcut, and the one without


def shortcut_checkpoint() -> Path:
    from model.paths import assets_dir

    return assets_dir() / "known" / "shortcut_mlp.safetensors"


def border_checkpoint() -> Path:
    from model.paths import assets_dir

    return assets_dir() / "known" / "border_mlp.safetensors"


def checkpoint_of(name: str) -> Path:
    """"shortcut", "border" or "bundled" → its shipped checkpoint."""
    from model.paths import bundled_checkpoint

    paths = {"shortcut": shortcut_checkpoint, BORDER_MODEL: border_checkpoint, "bundled": bundled_checkpoint}
    if name not in paths:
        raise ValueError(f"model must be one of {list(paths)} or a .safetensors path, got {name!r}")
    return paths[name]()


def load_model(name_or_path: str | Path):
    """A shipped model by name, or a checkpoint file; ready to explain (no weight gradients)."""
    from model.checkpoint import load_checkpoint

    path = checkpoint_of(name_or_path) if str(name_or_path) in (*MODELS, BORDER_MODEL) else Path(name_or_path)
    model, _ = load_checkpoint(path)
    model.requires_grad_(False)
    return model


def finite(obj: Any) -> Any:
    """NaN and ±inf → None, all the way down (JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def nan_back(raw: dict) -> dict:
    """None → NaN in a method row's numbers (the inverse of `finite` for `KnownScores.from_dict`)."""
    rows = [{k: (float("nan") if v is None and k not in ("error",) else v) for k, v in m.items()} for m in raw["methods"]]
    return {**raw, "methods": rows}


def model_record(model, shortcut: Shortcut, config: KnownConfig) -> dict:
    """One model's known-answer scores and reliance, as JSON-ready data."""
    from model.data import load_mnist

    test = load_mnist(train=False)
    scores = shortcut_scores(model, shortcut, config=config, test=test)
    return finite({"reliance": asdict(reliance(model, test, shortcut)), "scores": scores.to_dict()})


def build_record(config: KnownConfig, provenance: dict) -> dict:
    """Both shipped models on the same marked digits."""
    from model.digests import file_sha256

    models = {name: {**model_record(load_model(name), PATCH, config), "checkpoint_sha256": file_sha256(checkpoint_of(name))}
              for name in MODELS}
    return {**provenance, "shortcut": asdict(PATCH), "models": models}


def build_border_record(config: KnownConfig, provenance: dict) -> dict:
    """The border-watermark model's scores and reliance, on marked test digits of its class."""
    from model.digests import file_sha256

    model = {**model_record(load_model(BORDER_MODEL), BORDER, config),
             "checkpoint_sha256": file_sha256(checkpoint_of(BORDER_MODEL))}
    return {**provenance, "shortcut": asdict(BORDER), "models": {BORDER_MODEL: model}}


def load_shipped(file: str = SCORES_FILE) -> dict | None:
    """A shipped record (the patch's by default, BORDER_FILE the watermark's), or None when assets/ lacks it."""
    from model.paths import assets_dir

    if file not in (SCORES_FILE, BORDER_FILE):
        raise ValueError(f"file must be {SCORES_FILE!r} or {BORDER_FILE!r}, got {file!r}")
    path = assets_dir() / file
    return json.loads(path.read_text()) if path.is_file() else None


def scores_of(record: dict, model: str) -> KnownScores:
    return KnownScores.from_dict(nan_back(record["models"][model]["scores"]))


def build_tcav_record(examples: int, n_random: int, seed: int, provenance: dict) -> dict:
    """TCAV of every built-in concept on both shipped models (the Concepts page's first open)."""
    from explain.known.concepts import BUILT_IN, builtin_concept
    from explain.known.tcav import tcav
    from model.data import load_mnist
    from model.digests import file_sha256

    test = load_mnist(train=False)
    models = {}
    for name in MODELS:
        model = load_model(name)
        models[name] = {"checkpoint_sha256": file_sha256(checkpoint_of(name)),
                        "concepts": {c: finite(tcav(model, builtin_concept(c, test, examples, seed), n_random=n_random,
                                                    seed=seed).to_dict()) for c in BUILT_IN}}
    return {**provenance, "examples": examples, "n_random": n_random, "seed": seed, "models": models}


def load_shipped_tcav() -> dict | None:
    from model.paths import assets_dir

    path = assets_dir() / TCAV_FILE
    return json.loads(path.read_text()) if path.is_file() else None


@dataclass(frozen=True)
class Planted:
    """One kind of planted shortcut as shipped: the mark, the model that learnt it, its results file and builder."""

    shortcut: Shortcut
    model: str  # the model's shipped name (load_model)
    file: str  # the shipped record under assets/
    build: Callable[[KnownConfig, dict], dict]


# --kind → what is shipped for it (the CLI's choices, the app's cases).
PLANTED: dict[str, Planted] = {
    "patch": Planted(PATCH, "shortcut", SCORES_FILE, build_record),
    "border": Planted(BORDER, BORDER_MODEL, BORDER_FILE, build_border_record),
}
