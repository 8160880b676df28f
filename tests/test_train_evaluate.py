import json
import pytest
import subprocess
import sys

import torch

from model.data import Split
from model.evaluate import confusion_matrix, evaluate
from model.train import TrainConfig, train
from tests.cli import run_main


def _small(train_split, test_split, n_test=2000):
    return Split(test_split.images[:n_test], test_split.labels[:n_test])


def test_short_run_learns_and_is_bit_reproducible(train_split, test_split):
    cfg = TrainConfig(hidden=(32,), epochs=2, train_size=5000, seed=7)
    small_test = _small(train_split, test_split)
    torch.set_num_threads(1)  # bit-for-bit reproducibility is promised per thread count
    a = train(cfg, train_split, small_test)
    b = train(cfg, train_split, small_test)
    for (ka, va), (kb, vb) in zip(a.model.state_dict().items(), b.model.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb), ka
    assert a.test_accuracy > 0.8  # an untrained network scores ~0.1
    c = train(TrainConfig(hidden=(32,), epochs=1, train_size=1000, seed=8), train_split, small_test)
    assert not torch.equal(c.model.state_dict()["net.fc1.weight"], a.model.state_dict()["net.fc1.weight"])


def test_progress_and_stop(train_split, test_split):
    events = []
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] >= 60  # stop in the middle of epoch 2 (47 steps per epoch)

    cfg = TrainConfig(hidden=(16,), epochs=3, train_size=3000, seed=1)
    res = train(cfg, train_split, _small(train_split, test_split), on_progress=events.append,
                should_stop=stop, report_every=10)
    assert res.stopped and res.epochs_completed == 1
    assert events[-1].epoch == 2 and events[-1].step == 13
    epoch_ends = [e for e in events if e.step == e.steps_per_epoch]
    assert len(epoch_ends) == 1 and epoch_ends[0].test_accuracy is not None
    # the kept model is the completed epoch's snapshot
    assert abs(res.test_accuracy - epoch_ends[0].test_accuracy) < 1e-9


def test_confusion_and_per_class_known_answer():
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    preds = torch.tensor([0, 1, 1, 1, 2, 0])
    cm = confusion_matrix(labels, preds)
    assert cm[0].tolist()[:3] == [1, 1, 0] and cm[2].tolist()[:3] == [1, 0, 1]

    class Fixed(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.one_hot(preds[: x.shape[0]], 10).float()

    rep = evaluate(Fixed(), Split(torch.zeros(6, 28, 28), labels))
    assert abs(rep.accuracy - 4 / 6) < 1e-9
    assert abs(rep.per_class[1].precision - 2 / 3) < 1e-9 and rep.per_class[1].recall == 1.0
    assert abs(rep.per_class[0].f1 - 0.5) < 1e-9


def test_bundled_model_reaches_98_percent(model, test_split):
    rep = evaluate(model, test_split)
    assert rep.accuracy >= 0.98, rep.accuracy
    assert sum(map(sum, rep.confusion)) == 10_000


@pytest.mark.slow
def test_evaluate_cli_json():
    out = subprocess.run([sys.executable, "-m", "model.evaluate", "--json"], capture_output=True,
                         text=True, check=True, timeout=120)
    rep = json.loads(out.stdout)
    assert rep["accuracy"] >= 0.98 and len(rep["per_class"]) == 10
    assert {"precision", "recall", "f1"} <= set(rep["per_class"][0])
    assert len(rep["confusion"]) == 10 and all(len(r) == 10 for r in rep["confusion"])


def test_evaluate_cli_rejects_bad_checkpoint(tmp_path, capsys):
    from model.evaluate import main

    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"garbage")
    out = run_main(main, ["--checkpoint", str(bad)], capsys)
    assert out.one_error_line and "truncated" in out.err, out


def test_model_card_is_current():
    from model.card import render
    from model.paths import assets_dir

    assert (assets_dir() / "MODEL_CARD.md").read_text() == render(), "run `python -m model.card`"
