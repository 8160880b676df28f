"""Explanations across training: recording never changes training, the record replays exactly, and the
shipped record belongs to the bundled weights."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from explain import explain_batch, drawing_methods
from explain.atlas.features import all_layer_features
from explain.atlas.projection import fit_pca
from explain.atlas.record_stats import probe_accuracy, rank_agreement_with_final, rank_correlation_rows
from explain.atlas.training_record import NO_INDEX, TrainingRecorder, default_probes, load_record
from model.checkpoint import load_checkpoint
from model.data import load_mnist
from model.digests import file_sha256 as sha256
from model.digests import weights_sha256
from model.manifest import WITH_CHECKPOINT
from model.paths import assets_dir, bundled_checkpoint
from model.train import TrainConfig, train
from tests.cli import run_main
from tests.numeric import assert_close_at_scale

SMALL = TrainConfig(hidden=(32, 16), epochs=2, train_size=2000)
SHIPPED = assets_dir() / "map" / "training_record.npz"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    plain = train(SMALL)
    drawing = np.zeros((28, 28), np.float32)
    drawing[6:22, 13:16] = 1.0  # a "1"
    recorder = TrainingRecorder(default_probes(extra=drawing))
    recorded = train(SMALL, on_epoch=recorder)
    path = recorder.finish({"note": "test"}).save(tmp_path_factory.mktemp("rec") / "r.npz")
    return plain, recorded, load_record(path)


@pytest.mark.slow
def test_recording_leaves_training_bit_identical(runs):
    plain, recorded, _ = runs
    a, b = plain.model.state_dict(), recorded.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert weights_sha256(plain.model) == weights_sha256(recorded.model)
    assert plain.test_accuracy == recorded.test_accuracy


def test_recorder_draws_nothing_from_the_global_generators():
    model = train(TrainConfig(hidden=(16,), epochs=1, train_size=200)).model.train()
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    recorder = TrainingRecorder(background_n=50)
    recorder(1, model)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert model.training  # the recorder read a private eval-mode copy; the caller's mode is untouched


@pytest.mark.slow
def test_record_shapes_and_probes(runs):
    _, _, rec = runs
    assert rec.epochs.tolist() == [0, 1, 2]
    assert rec.methods == tuple(drawing_methods()) and rec.layer == "hidden2"
    assert rec.maps.shape == (len(rec.methods), 3, 11, 28, 28) and rec.probs.shape == (3, 11, 10)
    test = load_mnist(train=False)
    for i in range(10):  # the first test digit of each class, in class order
        idx = rec.probe_indices[i]
        assert rec.probe_labels[i] == i == int(test.labels[idx])
        assert (test.labels[:idx] != i).all()
    assert rec.probe_labels[10] == rec.probe_indices[10] == NO_INDEX
    assert (rec.targets[:, :10] == np.arange(10)).all()  # test digits: their true class every epoch
    assert rec.meta["note"] == "test"
    assert rec.test_accuracy[0] < 0.3 and rec.test_accuracy[-1] > rec.test_accuracy[0] + 0.25  # it learnt


@pytest.mark.slow
def test_record_replays_the_final_model_exactly(runs):
    _, recorded, rec = runs
    model, x = recorded.model, torch.from_numpy(rec.probe_images)
    with torch.no_grad():
        probs = torch.softmax(model(x), dim=1).numpy()
    np.testing.assert_allclose(rec.probs[-1], probs, atol=1e-6)
    assert rec.test_accuracy[-1] == pytest.approx(recorded.test_accuracy, abs=1e-6)  # float32 mean
    for i, name in enumerate(rec.methods):
        expected = explain_batch(model, x, name, [int(t) for t in rec.targets[-1]]).values
        np.testing.assert_allclose(rec.maps[i, -1], expected, rtol=1e-5, atol=1e-6)
    test = load_mnist(train=False)
    feats = all_layer_features(model, test.images, with_pixels=False)["hidden2"]
    pca = fit_pca(feats)  # the fixed basis: the last epoch's layer over the 10,000 test digits
    np.testing.assert_allclose(rec.pca_components, pca.components, atol=1e-9)
    probe_feats = all_layer_features(model, x, with_pixels=False)["hidden2"]
    np.testing.assert_allclose(rec.probe_xy[-1], pca.transform(probe_feats), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rec.background_xy[-1], pca.transform(feats[:1000]), rtol=1e-5, atol=1e-5)


def test_rank_correlation_is_spearman():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 784)), rng.normal(size=(5, 784))
    b[0] = a[0] * 3 + 1  # same order: rho 1
    b[1] = np.round(a[1])  # many ties
    got = rank_correlation_rows(a, b)
    expected = [spearmanr(a[i], b[i]).statistic for i in range(5)]
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert got[0] == pytest.approx(1.0)
    assert np.isnan(rank_correlation_rows(np.ones((1, 9)), a[:1, :9]))[0]


@pytest.mark.slow
def test_agreement_with_final_ends_at_one(runs):
    _, _, rec = runs
    agree = rank_agreement_with_final(rec)
    assert set(agree) == set(rec.methods)
    for rho in agree.values():
        assert rho.shape == (3,) and rho[-1] == pytest.approx(1.0) and rho[0] < 0.9
    assert probe_accuracy(rec).shape == (3,)


def test_load_record_rejects_other_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a training record"):
        load_record(path)


def test_default_probes_rejects_a_bad_extra():
    with pytest.raises(ValueError, match="extra probe"):
        default_probes(extra=np.zeros((5, 5)))


@pytest.mark.parametrize("bad", ["out.txt", "."])
def test_cli_bad_record_path_is_one_line_exit_2(bad, tmp_path, capsys, monkeypatch):
    from explain.cli.train import main

    monkeypatch.chdir(tmp_path)
    r = run_main(main, ["--record", bad], capsys)
    assert r.one_error_line and r.err.startswith("error: --record"), r


def test_shipped_record_is_the_bundled_models_own_training():
    """`make bundled-model` trains once with recording on and writes both the checkpoint and the record
    (12–16 min on this shared machine, far too slow for the suite): the record must end at the shipped
    weights bit for bit, and its last epoch must replay against them (at the maps' scale: the record was
    computed on another CPU)."""
    assert "map/training_record.npz" in WITH_CHECKPOINT
    meta = json.loads(SHIPPED.with_name(SHIPPED.name + ".meta.json").read_text())
    model, ckpt = load_checkpoint(bundled_checkpoint())
    assert meta["bundled_checkpoint_sha256"] == sha256(bundled_checkpoint())
    assert meta["weights_sha256"] == weights_sha256(model) and meta["bundled_weights_match"] is True
    rec = load_record(SHIPPED)
    assert rec.epochs.tolist() == list(range(ckpt.epochs + 1))
    assert rec.test_accuracy[-1] == pytest.approx(ckpt.test_accuracy, abs=1e-6)
    x = torch.from_numpy(rec.probe_images)
    for i, name in enumerate(rec.methods):  # recomputed here, shipped from another CPU: at the maps' scale
        expected = explain_batch(model, x, name, [int(t) for t in rec.targets[-1]]).values
        assert_close_at_scale(rec.maps[i, -1], expected, err_msg=name)


def test_seed_spread_mean_and_std_across_models():
    from explain.evaluation.seed_spread import seed_spread

    models = [train(TrainConfig(hidden=(16,), epochs=1, train_size=500, seed=s)).model for s in range(3)]
    x = load_mnist(train=False).images[0]
    spread = seed_spread(models, x, "saliency", target=7)
    maps = np.stack([explain_batch(m, x[None], "saliency", [7]).values[0] for m in models])
    np.testing.assert_allclose(spread.maps, maps)
    np.testing.assert_allclose(spread.mean, maps.mean(axis=0))
    np.testing.assert_allclose(spread.std, maps.std(axis=0))
    assert spread.target == 7 and spread.std.max() > 0  # different seeds, different maps
    same = seed_spread([models[0], models[0]], x, "saliency")
    assert same.std.max() == 0 and same.relative_spread == 0  # one model twice: no spread at all
    assert same.target == int(same.predictions[0])
    with pytest.raises(ValueError, match="at least 2 models"):
        seed_spread(models[:1], x, "saliency")


def test_save_with_meta_names_the_weights_and_compares_them_with_the_bundled_ones(tmp_path):
    from explain.cli.train import save_with_meta

    recorder = TrainingRecorder(background_n=20)
    result = train(TrainConfig(hidden=(16,), epochs=1, train_size=200), on_epoch=recorder)
    out = tmp_path / "m.safetensors"
    out.write_bytes(b"stand-in checkpoint")
    meta = save_with_meta(recorder, result, tmp_path / "r.npz", out, ["--record", "r.npz"])
    assert json.loads(json.dumps(meta)) == json.loads((tmp_path / "r.npz.meta.json").read_text())
    assert meta["command"] == "python -m explain.cli.train --record r.npz"
    assert meta["weights_sha256"] == weights_sha256(result.model)
    assert meta["bundled_weights_match"] is False and meta["same_recipe_as_bundled"] is False
    assert meta["checkpoint_sha256"] == sha256(out)  # not the bundled file: these are other weights
    assert load_record(tmp_path / "r.npz").meta["weights_sha256"] == meta["weights_sha256"]


def test_cli_keeps_checkpoints_along_the_same_run(tmp_path, capsys):
    """`--checkpoints DIR` writes epochs spread over the run, the last of them the very weights of `--out`,
    each with the learning-rate factor TracIn weighs it by."""
    from explain.cli.train import main
    from model.checkpoint_set import CheckpointSet

    out, folder = tmp_path / "m.safetensors", tmp_path / "ckpts"
    assert main(["--hidden", "16", "--epochs", "3", "--train-size", "300", "--out", str(out),
                 "--record", str(tmp_path / "r.npz"), "--checkpoints", str(folder)]) == 0
    cset = CheckpointSet.read(folder / "index.json")
    assert cset.epochs == (1, 2, 3) and {c.source for c in cset.checkpoints} == {"this run"}
    assert weights_sha256(cset.checkpoints[-1].load()) == weights_sha256(load_checkpoint(out)[0])
    assert weights_sha256(cset.checkpoints[0].load()) != weights_sha256(cset.checkpoints[-1].load())
    lrs = [c.lr for c in cset.checkpoints]
    assert lrs == sorted(lrs, reverse=True)  # cosine decay: later epochs weigh less


def test_shipped_checkpoint_set_is_from_the_bundled_models_own_run():
    """The Data page's TracIn sums over checkpoints of the run that made the bundled model (issue 29): the
    set's last epoch is the shipped checkpoint's weights bit for bit, and every file says it is from that run."""
    from explain.trainingdata.influence import bundled_checkpoint_set

    cset = bundled_checkpoint_set()
    assert len(cset.epochs) >= 5 and {c.source for c in cset.checkpoints} == {"this run"}
    assert weights_sha256(cset.checkpoints[-1].load()) == weights_sha256(load_checkpoint(bundled_checkpoint())[0])
    assert all(f"data/checkpoints/{c.path.name}" in WITH_CHECKPOINT for c in cset.checkpoints)
