"""One provenance for every written result: command, UTC date and library versions."""

from __future__ import annotations

import datetime as dt
import platform
from importlib.metadata import version

import numpy as np
import torch

from explain.provenance import library_version, provenance, versions


def test_versions_are_the_installed_ones_and_torch_names_its_build():
    v = versions("python", "numpy", "torch", "umap-learn", "no-such-library-here")
    assert list(v) == ["python", "numpy", "torch", "umap-learn", "no-such-library-here"]
    assert v["python"] == platform.python_version() and v["numpy"] == np.__version__
    assert v["torch"] == torch.__version__  # with its build (+cpu, +cu…) even where the metadata leaves it out
    assert v["umap-learn"] == version("umap-learn") and v["no-such-library-here"] == "not installed"
    assert library_version("lime") == version("lime")  # lime has no __version__


def test_provenance_is_the_command_the_date_and_the_versions():
    p = provenance("python -m explain.evaluate", ["--n", "10", "--methods", "saliency,deeplift", "--out", "a b.csv"])
    assert p["command"] == "python -m explain.evaluate --n 10 --methods saliency,deeplift --out 'a b.csv'"
    when = dt.datetime.fromisoformat(p["date"])
    assert p["date"].endswith("+00:00") and abs((dt.datetime.now(dt.UTC) - when).total_seconds()) < 60
    assert "versions" not in p
    named = provenance("python -m explain", [], ("numpy",))
    assert list(named) == ["command", "date", "versions"] and named["versions"] == {"numpy": np.__version__}
