"""Every command that writes: outputs checked before the work, written atomically, exactly where asked,
and never inside the shipped assets without `--write-shipped` (issue 24, items 1–3 and 8)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from explain.cli import leaderboard as explain_evaluate
from explain.cli import main as explain_main
from explain.cli import ood, pictures, sanity
from explain.cli import train as train_cli
from model import card, cli, manifest
from model import train as model_train
from model.paths import assets_dir
from tests.cli import run_main
from tests.conftest import ROOT

ASSETS = ROOT / "assets"


def _refused(capsys, main, argv: list[str], *needles: str) -> str:
    """Run a CLI in-process: exit 2 and exactly one `error:` line on stderr that contains `needles`."""
    ran = run_main(main, argv, capsys)
    err = ran.err.strip()
    assert ran.code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    for needle in needles:
        assert needle in err, err
    return err


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def _no_work(monkeypatch) -> None:
    """Fail the test if a command starts its work before refusing its output."""
    def boom(*args, **kwargs):
        raise AssertionError("the work started before the outputs were checked")

    monkeypatch.setattr(explain_evaluate, "run_leaderboard", boom)
    monkeypatch.setattr(model_train, "train", boom)
    monkeypatch.setattr(ood, "fit_digit_likeness", boom)
    monkeypatch.setattr(explain_main, "explain_batch", boom)
    monkeypatch.setattr(card, "render", boom)
    monkeypatch.setattr(manifest, "regenerate", boom)


def _writers(out: str) -> list[tuple[Callable, list[str]]]:
    """Every writing command with `out` as its output (each file it writes derives from `out`)."""
    stem = out.rsplit(".", 1)[0]
    return [
        (explain_main.main, ["run", "--index", "0", "--method", "saliency", "--out", f"{stem}.npz"]),
        (explain_main.main, ["project", "--layer", "all", "--method", "pca", "--out", f"{stem}.npz"]),
        (explain_main.main, ["project", "--layer", "hidden1", "--method", "pca", "--out", f"{stem}.csv"]),
        (explain_evaluate.main, ["--n", "10", "--out", f"{stem}.csv"]),
        (model_train.main, ["--epochs", "1", "--train-size", "200", "--out", f"{stem}.safetensors"]),
        (train_cli.main, ["--epochs", "1", "--out", "/tmp/ok.safetensors", "--record", f"{stem}.npz"]),
        (ood.main, ["--out", f"{stem}.npz"]),
        (card.main, ["--out", f"{stem}.md"]),
        (sanity.main, ["--n", "2", "--out", f"{stem}.json"]),
        (pictures.main, ["--out", str(Path(out).parent)]),
    ]


SHIPPED_OUTS = ["assets/leaderboard/leaderboard_n10000.scores.npz", "assets/map/umap_bundled.npz",
                "assets/leaderboard/leaderboard_n10000.csv", "assets/mnist_mlp.safetensors",
                "assets/ood/digit_likeness.npz", "assets/MODEL_CARD.md", "assets/map/training_record.npz",
                "assets/new/deeper/file.npz", "assets/x.csv", "assets/../assets/ood/x.npz"]


def test_no_command_writes_a_byte_inside_assets_without_the_flag(capsys, monkeypatch, tmp_path):
    _no_work(monkeypatch)
    monkeypatch.chdir(ROOT)  # the paths as a user types them, relative to the project
    link = tmp_path / "link.npz"
    link.symlink_to(ASSETS / "ood" / "digit_likeness.npz")
    before = _snapshot(ASSETS)
    for out in [*SHIPPED_OUTS, str(ASSETS / "map" / "umap_bundled.npz")]:
        for main, argv in _writers(out):
            _refused(capsys, main, argv, "inside the shipped assets", "--write-shipped", argv[-1])
    for main, argv in [(ood.main, ["--out", str(link)]),
                       (explain_main.main, ["run", "--index", "0", "--out", str(link)])]:
        _refused(capsys, main, argv, "inside the shipped assets")  # a link into assets/ is assets/
    _refused(capsys, ood.main, [], "--out")  # no default into assets/ any more
    monkeypatch.setattr(card, "render", lambda: "the card\n")
    assert card.main([]) == 0 and capsys.readouterr().out == "the card\n"  # printed, not written
    for argv in [[], ["--bogus"], ["--regenerate"]]:  # the manifest: printed, or refused; never rewritten
        assert run_main(manifest.main, argv, capsys).code == (0 if not argv else 2)
    with pytest.raises(SystemExit) as stop:
        manifest.main(["--help"])
    assert stop.value.code == 0 and "--write-shipped" in capsys.readouterr().out
    assert _snapshot(ASSETS) == before


def test_an_overridden_assets_folder_is_protected_too(capsys, monkeypatch, tmp_path):
    _no_work(monkeypatch)
    other = tmp_path / "assets"
    other.mkdir()
    monkeypatch.setenv("DIGIT_LENS_ASSETS", str(other))
    for main, argv in _writers(str(other / "x.npz")) + _writers(str(ASSETS / "x.npz")):
        _refused(capsys, main, argv, "inside the shipped assets")
    assert list(other.iterdir()) == []


def test_write_shipped_lets_the_make_targets_write_there(capsys, monkeypatch, tmp_path):
    """What `make assets` does last: the manifest of the files as they are, written with the flag."""
    fake = tmp_path / "assets"
    fake.mkdir()
    (fake / "mnist_mlp.safetensors").symlink_to(ASSETS / "mnist_mlp.safetensors")
    (fake / "MODEL_CARD.md").write_text("card\n")
    monkeypatch.setenv("DIGIT_LENS_ASSETS", str(fake))
    assert manifest.main([]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert not (fake / "manifest.json").exists()  # without the flag it only prints
    assert manifest.main(["--write-shipped"]) == 0
    assert json.loads((fake / "manifest.json").read_text()) == printed
    assert printed["results"]["MODEL_CARD.md"]["command"] == "python -m model.card --write-shipped"
    assert sorted(p.name for p in fake.iterdir()) == ["MODEL_CARD.md", "manifest.json", "mnist_mlp.safetensors"]


def test_the_manifest_commands_and_the_makefile_pass_the_flag():
    for name, cmd in manifest.RESULTS.items():  # each writes into assets/
        assert "--write-shipped" in cmd.split(), name
    make = (ROOT / "Makefile").read_text()
    assert "--record assets/map/training_record.npz --write-shipped" in make
    assert "model.manifest --regenerate --write-shipped" in make


def test_a_missing_assets_folder_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_ASSETS", "/nonexistent")
    _refused(capsys, manifest.main, [], "no bundled checkpoint at /nonexistent/mnist_mlp.safetensors")
    _refused(capsys, manifest.main, ["--write-shipped"], "no bundled checkpoint")


def test_outputs_are_checked_before_the_work(capsys, monkeypatch, tmp_path):
    _no_work(monkeypatch)
    _refused(capsys, explain_evaluate.main, ["--n", "10", "--out", "/proc/x.csv"], "/proc", "cannot create a file")
    _refused(capsys, model_train.main, ["--out", "/proc/x.safetensors"], "cannot create a file in /proc")
    _refused(capsys, explain_main.main, ["run", "--index", "0", "--out", "/proc/x.npz"], "cannot create a file")
    _refused(capsys, ood.main, ["--out", "/proc/fit.npz"], "cannot create a file")
    d = tmp_path / "d"
    (d / "x.scores.npz").mkdir(parents=True)
    _refused(capsys, explain_evaluate.main, ["--n", "10", "--out", str(d / "x.csv")], "x.scores.npz is a directory")
    (d / "y.csv.meta.json").mkdir()
    _refused(capsys, explain_evaluate.main, ["--n", "10", "--out", str(d / "y.csv")], "y.csv.meta.json")
    _refused(capsys, explain_main.main, ["project", "--layer", "all", "--method", "pca", "--out", str(d / "y.csv")],
             "a CSV holds one layer")
    (d / "m.npz.meta.json").mkdir()
    _refused(capsys, explain_main.main, ["project", "--layer", "all", "--method", "pca", "--out", str(d / "m.npz")],
             "m.npz.meta.json is a directory")
    (d / "r.npz.meta.json").mkdir()
    _refused(capsys, train_cli.main, ["--out", str(d / "m.safetensors"), "--record", str(d / "r.npz")],
             "--record", "r.npz.meta.json")
    afile = tmp_path / "afile"
    afile.write_text("")
    _refused(capsys, ood.main, ["--out", str(afile / "x.npz")], "afile is a file, not a directory")
    _refused(capsys, explain_evaluate.main, ["--n", "10", "--out", str(afile / "x.csv")], "not a directory")
    assert sorted(p.name for p in d.iterdir()) == ["m.npz.meta.json", "r.npz.meta.json", "x.scores.npz",
                                                    "y.csv.meta.json"]  # nothing half-written


def test_out_must_have_the_suffix_that_is_written(capsys, monkeypatch, tmp_path):
    _no_work(monkeypatch)
    d = tmp_path / "d"
    _refused(capsys, explain_main.main, ["run", "--index", "0", "--out", str(d / "maps.txt")], "maps.txt", ".npz")
    _refused(capsys, ood.main, ["--out", str(d / "fit.txt")], "fit.txt", "ending in .npz")
    d.mkdir()
    _refused(capsys, ood.main, ["--out", str(d)], "is a directory")
    _refused(capsys, explain_evaluate.main, ["--n", "10", "--out", str(d / "board.txt")], "ending in .csv")
    _refused(capsys, model_train.main, ["--out", str(d / "m.pt")], "ending in .safetensors")
    _refused(capsys, train_cli.main, ["--out", str(d / "m.safetensors"), "--record", str(d / "r.txt")],
             "--record", ".npz")
    _refused(capsys, card.main, ["--out", str(d / "card.txt")], ".md")
    assert list(d.iterdir()) == [] and not any(p.name.endswith(".npz") for p in tmp_path.iterdir())


def test_explain_run_writes_exactly_the_path_given_creating_its_folders(capsys, tmp_path):
    out = tmp_path / "missing" / "dir" / "x.npz"
    assert explain_main.main(["run", "--index", "0", "--method", "saliency", "--out", str(out)]) == 0
    assert f"maps → {out}" in capsys.readouterr().out
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.npz"]  # no temporary file left
    with np.load(out) as z:
        assert z["saliency/values"].shape == (1, 28, 28)
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_cosmetic_one_liners(capsys, monkeypatch):
    _no_work(monkeypatch)
    _refused(capsys, ood.main, ["--bogus"])
    _refused(capsys, model_train.main, ["--hidden", "abc"], "--hidden", "'abc'")
    _refused(capsys, manifest.main, ["--bogus"], "--bogus")


def test_atomic_outputs_replace_all_or_nothing(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "sub" / "b.txt"
    a.write_text("old")
    with pytest.raises(RuntimeError), cli.atomic_outputs(a, b) as (ta, tb):
        ta.write_text("new")
        tb.write_text("new")
        raise RuntimeError("the work failed at the last step")
    assert a.read_text() == "old" and not b.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.txt", "sub"]
    with cli.atomic_outputs(a, b) as (ta, tb):
        assert ta.parent == a.parent and tb.parent == b.parent  # same folder: the rename is atomic
        ta.write_text("new")
        tb.write_text("new")
    assert a.read_text() == b.read_text() == "new"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.txt", "b.txt", "sub"]
    with pytest.raises(cli.OutputError, match="cannot write"), cli.atomic_output(a) as t:
        raise OSError(28, "No space left on device", str(t))
    assert a.read_text() == "new"


def test_one_real_run_of_the_manifest_entry_point_prints_help_and_writes_nothing():
    before = _snapshot(assets_dir())
    r = subprocess.run([sys.executable, "-m", "model.manifest", "--help"], cwd=ROOT, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "--write-shipped" in r.stdout
    assert _snapshot(assets_dir()) == before
