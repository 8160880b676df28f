"""Where the bundled assets and the MNIST cache live.

Both can be moved with environment variables so a container or a read-only install still works:
DIGIT_LENS_ASSETS points at the folder holding `mnist/` and `mnist_mlp.safetensors`;
DIGIT_LENS_DATA at a writable folder for torchvision's `MNIST/raw` layout (the reference benchmark).
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO_ASSETS = Path(__file__).resolve().parents[1] / "assets"


def assets_dir() -> Path:
    """The folder with the bundled checkpoint, model card and MNIST files."""
    env = os.environ.get("DIGIT_LENS_ASSETS")
    if env:
        return Path(env)
    if _REPO_ASSETS.is_dir():
        return _REPO_ASSETS
    return Path.cwd() / "assets"  # a non-editable install run from the project folder


def repo_assets_dir() -> Path:
    """The project's own assets folder (shipped files), wherever DIGIT_LENS_ASSETS points."""
    return _REPO_ASSETS


def bundled_mnist_dir() -> Path:
    return assets_dir() / "mnist"


def bundled_checkpoint() -> Path:
    return assets_dir() / "mnist_mlp.safetensors"


def data_cache_dir() -> Path:
    """A writable folder for torchvision's MNIST layout, for the reference benchmark (never the assets)."""
    env = os.environ.get("DIGIT_LENS_DATA")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "digit-lens"


def user_models_dir() -> Path:
    """Where `python -m model.train` writes by default: the user's cache, never the shipped assets."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "digit-lens" / "models"


def user_data_dir() -> Path:
    """The user's data folder for what must outlive a cache clean (the workspace database)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "digit-lens"
