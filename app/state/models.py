"""This session's models: the bundled one plus any trained or uploaded here (st.session_state)."""

from __future__ import annotations

from app.state.resources import LoadedModel, bundled_model
from app.state.session import ACTIVE_MODEL, MODELS


def session_models() -> dict[str, LoadedModel]:
    """This session's models by name: always the bundled one, plus any trained or uploaded here."""
    models = MODELS.setdefault({})
    if "bundled" not in models:
        models["bundled"] = bundled_model()
    return models


def add_model(loaded: LoadedModel, activate: bool = True) -> None:
    models = session_models()
    models[loaded.name] = loaded
    if len(models) > 6:  # bound per-session memory: drop the oldest non-bundled model
        oldest = next(n for n in models if n != "bundled" and n != loaded.name)
        del models[oldest]
    if activate:
        ACTIVE_MODEL.set(loaded.name)


def active_model() -> LoadedModel:
    """This session's model: the bundled one unless the user trained or uploaded another."""
    models = session_models()
    return models.get(ACTIVE_MODEL.get("bundled"), models["bundled"])
