"""Hostile inputs to the model side: command lines, checkpoints that load but overflow, odd models."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
import torch
from torch import nn

from model import evaluate as model_evaluate
from model import train as model_train
from model.checkpoint import CheckpointMeta, checkpoint_bytes, load_checkpoint_bytes, load_uploaded_checkpoint, save_checkpoint
from model.network import MLP, MLPConfig, check_model
from model.paths import bundled_checkpoint
from tests.conftest import ROOT
from tests.test_network_checkpoint import _good, _rewrite_header

LONG = "x" * 300 + ".safetensors"


def _cli(capsys, main, argv: list[str]) -> str:
    """Run a CLI's main in-process; it must exit 2 with exactly one `error:` line on stderr."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize("seed", ["-1", "4294967296", "18446744073709551616", "x"])
def test_train_cli_seed_out_of_range(capsys, seed):
    assert "seed" in _cli(capsys, model_train.main, ["--seed", seed])


def test_train_cli_bad_out_is_refused_before_training_and_leaves_nothing(capsys, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    assert "is a directory" in _cli(capsys, model_train.main, ["--out", str(folder)])
    assert "not a directory" in _cli(capsys, model_train.main, ["--out", "/etc/passwd/x.safetensors"])
    assert "longer than" in _cli(capsys, model_train.main, ["--out", str(tmp_path / LONG)])
    assert list(tmp_path.rglob("*")) == [folder]  # no `<dir>.tmp`, nothing half-written


def test_save_checkpoint_to_a_directory_or_a_failed_rename_leaves_no_tmp(tmp_path, monkeypatch):
    net, _ = _good()
    with pytest.raises(ValueError, match="directory"):
        save_checkpoint(net, tmp_path, CheckpointMeta(hidden=(16, 8)))

    def refuse(self, target):
        raise OSError("disk full")

    monkeypatch.setattr(type(tmp_path), "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(net, tmp_path / "m.safetensors", CheckpointMeta(hidden=(16, 8)))
    assert list(tmp_path.iterdir()) == []


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_train_cli_default_out_is_the_user_cache_not_the_shipped_model(tmp_path, monkeypatch):
    before = _digest(bundled_checkpoint())
    env = {"XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "model.train", "--hidden", "16", "--epochs", "1",
                          "--train-size", "500", "--seed", "3"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    written = tmp_path / "digit-lens" / "models" / "mlp-784-16-10-e1-seed3.safetensors"
    assert written.is_file()
    _, meta = load_checkpoint_bytes(written.read_bytes())
    assert (meta.hidden, meta.seed, meta.train_size) == ((16,), 3, 500)
    assert _digest(bundled_checkpoint()) == before
    makefile = (ROOT / "Makefile").read_text()
    assert "bundled-model:" in makefile and "--out assets/mnist_mlp.safetensors" in makefile


def _nan_checkpoint(tmp_path):
    net, _ = _good()
    with torch.no_grad():
        net.net.fc1.weight.fill_(3e38)
    path = tmp_path / "overflow.safetensors"
    path.write_bytes(checkpoint_bytes(net, CheckpointMeta(hidden=(16, 8))))
    return path


def test_evaluate_cli_bad_checkpoints(capsys, tmp_path):
    assert "longer than" in _cli(capsys, model_evaluate.main, ["--checkpoint", LONG])
    assert "directory" in _cli(capsys, model_evaluate.main, ["--checkpoint", str(tmp_path)])
    assert "NaN or infinite outputs" in _cli(capsys, model_evaluate.main, ["--checkpoint", str(_nan_checkpoint(tmp_path))])
    assert "error:" in _cli(capsys, model_evaluate.main, ["--no-such-flag"])


def _with_meta(**changes) -> bytes:
    _, data = _good()

    def edit(h):
        h["__metadata__"]["digit_lens"] = json.dumps({**json.loads(h["__metadata__"]["digit_lens"]), **changes})

    return _rewrite_header(data, edit)


@pytest.mark.parametrize("field, value", [("std", 1e-300), ("std", 0.0), ("mean", 1e308), ("lr", -1.0),
                                          ("test_accuracy", 1e308), ("test_accuracy", -0.1), ("epochs", 10**30),
                                          ("batch_size", 0), ("seed", 2**64), ("train_size", 10**9)])
def test_metadata_out_of_range_is_refused(field, value):
    with pytest.raises(ValueError, match=field):
        load_checkpoint_bytes(_with_meta(**{field: value}))


def test_finite_weights_that_overflow_are_refused(tmp_path):
    with pytest.raises(ValueError, match="NaN or infinite outputs"):
        load_checkpoint_bytes(_nan_checkpoint(tmp_path).read_bytes())


def test_a_renamed_text_file_is_named_not_a_safetensors_file():
    text = b"These are my notes about the model.\nNothing here is a tensor.\n" * 3
    with pytest.raises(ValueError) as err:
        load_uploaded_checkpoint("notes.safetensors", text)
    assert str(err.value).startswith("this is not a safetensors file")


def _five_outputs() -> MLP:
    net = MLP(MLPConfig(hidden=(16,)))
    net.net.out = nn.Linear(16, 5)
    return net


def test_check_model_names_the_problem():
    ok = MLP(MLPConfig(hidden=(16,)))
    assert check_model(ok) is ok
    with pytest.raises(ValueError, match="5 outputs"):
        check_model(_five_outputs())
    with pytest.raises(TypeError, match="float64"):
        check_model(MLP(MLPConfig(hidden=(16,))).double())
    with pytest.raises(ValueError, match=r"\(1, 5\)"):
        check_model(nn.Sequential(nn.Flatten(), nn.Linear(784, 5)))
    with pytest.raises(ValueError, match="cannot take"):
        check_model(nn.Sequential(nn.Flatten(), nn.Linear(100, 10)))
    with pytest.raises(TypeError, match="Module"):
        check_model("model.safetensors")
    plain = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    assert check_model(plain) is plain


def test_the_largest_model_the_train_page_allows_downloads_and_uploads_again():
    import tomllib

    from model.checkpoint import MAX_CHECKPOINT_BYTES
    from model.network import MAX_PARAMETERS
    from model.train_job import MAX_HIDDEN

    # the widest first layer the Train page accepts, then the widest second one under the parameter bound
    second = (MAX_PARAMETERS - (784 * MAX_HIDDEN + MAX_HIDDEN) - 10) // (MAX_HIDDEN + 1 + 10)
    net = MLP(MLPConfig(hidden=(MAX_HIDDEN, second)))
    data = checkpoint_bytes(net, CheckpointMeta(hidden=(MAX_HIDDEN, second)))
    server_mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert len(data) <= MAX_CHECKPOINT_BYTES <= server_mb * 2**20, (len(data), server_mb)
    assert len(data) > 5 * 2**20  # the case the old 5 MB server limit refused with HTTP 413
    loaded, meta = load_uploaded_checkpoint("digit-lens-trained.safetensors", data)
    assert meta.hidden == (MAX_HIDDEN, second)
    assert torch.equal(loaded.net.out.weight, net.net.out.weight)
