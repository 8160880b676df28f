"""Where the workspace database lives and the limits it enforces, from the environment or given."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from model.paths import user_data_dir

URL_ENV = "DIGIT_LENS_DATABASE_URL"
RETENTION_ENV = "DIGIT_LENS_WORKSPACE_DAYS"
DEFAULT_RETENTION_DAYS = 30.0


def default_url() -> str:
    """DIGIT_LENS_DATABASE_URL, else an SQLite file in the user's data folder."""
    env = os.environ.get(URL_ENV)
    if env:
        return env
    return f"sqlite:///{user_data_dir() / 'workspaces.sqlite3'}"


def default_retention_days() -> float:
    raw = os.environ.get(RETENTION_ENV)
    if raw is None:
        return DEFAULT_RETENTION_DAYS
    try:
        days = float(raw)
    except ValueError:
        raise ValueError(f"{RETENTION_ENV} must be a number of days, got {raw!r}") from None
    if not 0 < days <= 36_500:
        raise ValueError(f"{RETENTION_ENV} must be in (0, 36500] days, got {raw!r}")
    return days


# Per kind: how many items one workspace may hold. Generous for a person's work, small enough that one
# workspace cannot fill a shared server's disk (the byte quota bounds the total).
DEFAULT_KIND_LIMITS = {"drawing": 200, "model": 20, "checkpoints": 20, "concepts": 50, "labels": 50, "view": 100}


@dataclass(frozen=True)
class Quotas:
    max_items: int = 400
    max_bytes: int = 64 * 2**20
    per_kind: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_KIND_LIMITS))

    def __post_init__(self) -> None:
        if self.max_items < 1 or self.max_bytes < 1:
            raise ValueError(f"quotas must be positive, got {self.max_items} items and {self.max_bytes} bytes")


@dataclass(frozen=True)
class StoreConfig:
    url: str = field(default_factory=default_url)
    quotas: Quotas = field(default_factory=Quotas)
    retention_days: float = field(default_factory=default_retention_days)
    busy_timeout_s: float = 30.0  # SQLite: how long a writer waits for another's lock before giving up
