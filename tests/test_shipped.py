"""Shipped results know what they belong to, and the documents say what those files say."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from explain import method_names
from explain.cli.leaderboard import read_scores
from model.digests import file_sha256 as sha256
from model.manifest import RESULTS, WITH_CHECKPOINT
from model.paths import assets_dir, bundled_checkpoint

ROOT = assets_dir().parent


def test_manifest_matches_every_shipped_result():
    manifest = json.loads((assets_dir() / "manifest.json").read_text())
    checkpoint = sha256(bundled_checkpoint())
    assert manifest["checkpoint"]["sha256"] == checkpoint, "the checkpoint changed: run make assets"
    made = {**WITH_CHECKPOINT, **RESULTS}
    assert set(manifest["results"]) == set(made)
    for name, entry in manifest["results"].items():
        assert entry["checkpoint_sha256"] == checkpoint, f"{name} belongs to another checkpoint"
        assert entry["sha256"] == sha256(assets_dir() / name), f"{name} changed without make assets"
        assert entry["command"] == made[name]


@pytest.mark.slow
def test_readme_blocks_are_what_the_files_say():
    r = subprocess.run([sys.executable, "-m", "explain.readme", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_bundled_leaderboard_covers_the_whole_test_set():
    path = assets_dir() / "leaderboard" / "leaderboard_n10000.csv"
    meta = json.loads(path.with_name(path.name + ".meta.json").read_text())
    assert meta["n"] == 10_000 and meta["subsample"]["max_sensitivity"] >= 1000
    with path.open() as fh:
        rows = {r["method"]: r for r in csv.DictReader(fh)}
    assert set(method_names()) <= set(rows) and all(r["error"] == "" for r in rows.values())
    indices, scores = read_scores(path.with_suffix(".scores.npz"))
    assert sorted(indices.tolist()) == list(range(10_000))
    for method, per in scores.items():  # the CSV's means are the per-digit scores' means
        assert abs(np.nanmean(per["deletion_mean"]) - float(rows[method]["deletion_mean"])) < 1e-4
        assert np.isfinite(per["deletion_mean"]).all()
    # Under the zero replacement every method deletes evidence faster than the random control.
    worst = max(rows.values(), key=lambda r: float(r["deletion_zero"]))
    assert worst["method"] == "control_random"
    assert float(rows["deeplift"]["deletion_zero"]) < float(rows["control_sobel"]["deletion_zero"])
