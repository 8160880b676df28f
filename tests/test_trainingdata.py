"""The Data page's library: TracIn (known answers, Captum agreement), label issues, cross-validation, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from explain.trainingdata.crossval import crossval_probs, fold_of, start_crossval
from explain.trainingdata.influence import influence
from explain.trainingdata.label_issues import rank
from explain.trainingdata.tracin import TracInIndex, self_influence_of
from model.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from model.checkpoint_set import CheckpointSet, EpochCheckpoint, cosine_lr_means
from model.data import Split, load_mnist
from model.jobs import JobRunner
from model.network import MLP, MLPConfig
from model.train import TrainConfig, train
from tests.cli import run_main

HIDDEN = (16, 8)


def _sgd_checkpoints(folder: Path, x: torch.Tensor, y: torch.Tensor, epochs: int = 3) -> list[str]:
    torch.manual_seed(0)
    m = MLP(MLPConfig(hidden=HIDDEN))
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    paths = []
    for e in range(epochs):
        for i in range(0, len(y), 20):
            opt.zero_grad()
            nn.functional.cross_entropy(m(x[i : i + 20]), y[i : i + 20]).backward()
            opt.step()
        path = folder / f"e{e}.safetensors"
        save_checkpoint(m, path, CheckpointMeta(hidden=HIDDEN))
        paths.append(str(path))
    return paths


@pytest.mark.slow  # ~7 s: Captum's per-example gradients
def test_tracin_equals_captum_tracincp_over_all_layers(tmp_path):
    """Our factorised scores are Captum's TracInCP (every layer, per-example gradients, lr-weighted checkpoints
    loaded by our safetensors loader), and so is the self-influence."""
    from captum.influence import TracInCP

    gen = torch.Generator().manual_seed(1)
    x, y = torch.rand(120, 28, 28, generator=gen), torch.randint(0, 10, (120,), generator=gen)
    paths = _sgd_checkpoints(tmp_path, x, y)
    lrs = {p: 0.1 * (i + 1) for i, p in enumerate(paths)}

    def load(model: nn.Module, path: str) -> float:
        model.load_state_dict(load_checkpoint(path)[0].state_dict())
        return lrs[path]

    ref = TracInCP(MLP(MLPConfig(hidden=HIDDEN)), torch.utils.data.TensorDataset(x.reshape(120, -1), y), paths,
                   checkpoints_load_func=load, loss_fn=nn.CrossEntropyLoss(reduction="sum"), batch_size=40,
                   sample_wise_grads_per_batch=True)
    xt, yt = torch.rand(3, 28, 28, generator=gen), torch.tensor([1, 5, 9])
    index = TracInIndex([load_checkpoint(p)[0] for p in paths], [lrs[p] for p in paths], x, y)
    expected = ref.influence((xt.reshape(3, -1), yt))
    scale = expected.abs().max()
    assert torch.allclose(index.scores(xt, yt), expected, atol=1e-5 * scale, rtol=0)
    si = ref.self_influence()
    assert torch.allclose(index.self_influence(), si, atol=1e-5 * si.abs().max(), rtol=0)
    models = [load_checkpoint(p)[0] for p in paths]
    assert torch.allclose(self_influence_of(models, [lrs[p] for p in paths], x, y), si, atol=1e-5 * si.abs().max())


@pytest.mark.slow  # ~5 s: a short training
def test_duplicated_training_digit_is_the_top_proponent_of_its_test_copy():
    """A small model trained with one test digit copied into its training set: TracIn finds the copy first."""
    train_split, test = load_mnist(train=True), load_mnist(train=False)
    images, labels = train_split.images[:1500].clone(), train_split.labels[:1500].clone()
    probe = 8  # a test digit (a 5) that a short training gets wrong or barely right: its gradient is large
    images[700], labels[700] = test.images[probe], test.labels[probe]
    kept: dict[int, MLP] = {}

    def on_epoch(epoch: int, model: MLP) -> None:
        if epoch:
            kept[epoch] = MLP(model.config)
            kept[epoch].load_state_dict(model.state_dict())

    result = train(TrainConfig(hidden=(32, 16), epochs=3, seed=0), Split(images, labels), Split(images[:64], labels[:64]),
                   on_epoch=on_epoch)
    index = TracInIndex([kept[e] for e in (1, 2, 3)], [1e-3] * 3, images, labels)
    found = influence(result.model, test.images[probe], k=5, target=int(test.labels[probe]), index=index)
    assert found.proponents[0] == 700
    assert found.proponent_scores[0] > 0 > found.opponent_scores[0]
    assert labels[found.opponents].ne(test.labels[probe]).any()  # opponents: digits of other classes among them


def test_influence_refuses_bad_arguments_and_a_model_the_checkpoints_do_not_end_at(tmp_path):
    model = MLP(MLPConfig(hidden=HIDDEN))
    path = tmp_path / "a.safetensors"
    save_checkpoint(model, path, CheckpointMeta(hidden=HIDDEN))
    from model.digests import file_sha256

    cset = CheckpointSet((EpochCheckpoint(1, path, 1.0, file_sha256(path), "test"),))
    other = MLP(MLPConfig(hidden=HIDDEN))
    x = torch.rand(28, 28)
    with pytest.raises(ValueError, match="other weights"):
        influence(other, x, checkpoints=cset)
    for bad, match in [({"k": 0}, "k must"), ({"target": 10}, "target must"), ({"k": True}, "k must")]:
        with pytest.raises(ValueError, match=match):
            influence(model, x, checkpoints=cset, **bad)
    with pytest.raises(ValueError, match="one 28×28"):
        influence(model, torch.rand(27, 28), checkpoints=cset)
    with pytest.raises(TypeError):
        influence(nn.Linear(2, 2), x, checkpoints=cset)


def test_checkpoint_set_digest_and_verification(tmp_path):
    model = MLP(MLPConfig(hidden=HIDDEN))
    path = tmp_path / "e1.safetensors"
    save_checkpoint(model, path, CheckpointMeta(hidden=HIDDEN))
    from model.digests import file_sha256

    one = CheckpointSet((EpochCheckpoint(1, path, 0.5, file_sha256(path), "test"),))
    (tmp_path / "index.json").write_text(one.index_json(tmp_path))
    again = CheckpointSet.read(tmp_path / "index.json")
    assert again.digest == one.digest
    assert CheckpointSet((EpochCheckpoint(1, path, 0.25, file_sha256(path), "test"),)).digest != one.digest
    save_checkpoint(MLP(MLPConfig(hidden=HIDDEN)), path, CheckpointMeta(hidden=HIDDEN))  # the file changes
    with pytest.raises(ValueError, match="does not match its digest"):
        CheckpointSet.read(tmp_path / "index.json")


def test_learning_rate_factors_follow_the_schedule():
    assert cosine_lr_means(1e-3, 10, 4, (2, 4), cosine=False) == pytest.approx([1e-3, 1e-3])
    first, second = cosine_lr_means(1e-3, 100, 2, (1, 2))
    assert first + second == pytest.approx(1e-3, rel=1e-2)  # cosine to zero: the run's mean rate is half the start
    assert first > 0.8e-3 > 0.2e-3 > second > 0
    with pytest.raises(ValueError):
        cosine_lr_means(1e-3, 10, 4, (3, 2))


def test_confident_learning_finds_planted_flips_on_a_toy_set():
    """cleanlab on out-of-sample probabilities that favour the true class: the flipped labels rank first."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    n = 2000
    true = rng.integers(0, 10, n)
    logits = rng.normal(0, 1, (n, 10))
    logits[np.arange(n), true] += 4.0
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    given = true.copy()
    flipped = rng.choice(n, 40, replace=False)
    given[flipped] = (true[flipped] + rng.integers(1, 10, 40)) % 10
    truth = np.zeros(n, bool)
    truth[flipped] = True
    issues = rank("train", given, probs, None, rank_by="combined")  # no self-influence: falls back
    assert issues.rank_by == "confident_learning"
    suspicion = np.empty(n)
    suspicion[issues.index] = issues.suspicion
    assert roc_auc_score(truth, suspicion) > 0.95
    assert truth[issues.index[:40]].mean() > 0.8
    assert (issues.suggested[:40] == true[issues.index[:40]]).mean() > 0.8
    noise = rng.random(n)  # a useless second signal halves nothing: the combination is the mean of percentiles
    both = rank("train", given, probs, noise)
    assert both.rank_by == "combined"
    cl = rank("train", given, probs, noise, rank_by="confident_learning")
    si = rank("train", given, probs, noise, rank_by="self_influence")
    combined = {i: s for i, s in zip(both.index, both.suspicion)}
    a = {i: s for i, s in zip(cl.index, cl.suspicion)}
    b = {i: s for i, s in zip(si.index, si.suspicion)}
    assert all(abs(combined[i] - (a[i] + b[i]) / 2) < 1e-12 for i in range(0, n, 97))
    filtered = both.where(given=3, suggested=5)
    assert ((filtered.given == 3) & (filtered.suggested == 5)).all()


def test_crossval_is_out_of_sample_and_cancels():
    data = load_mnist(train=True)
    split = Split(data.images[:400], data.labels[:400])
    fold = fold_of(400, 4, 0)
    assert np.bincount(fold).tolist() == [100] * 4
    probs = crossval_probs(split, folds=2, config=TrainConfig(hidden=(32,), epochs=3, batch_size=16, lr=3e-3))
    assert probs.shape == (400, 10) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (probs.argmax(1) == split.labels.numpy()).mean() > 0.5  # learnt something out of sample (chance: 0.1)
    runner = JobRunner()
    job = start_crossval(runner, split, folds=2, config=TrainConfig(hidden=(16,), epochs=50, batch_size=16))
    job.cancel()
    job.wait(30)
    assert job.result is None and not job.running


def test_cli_contract_bad_arguments_exit_2_with_one_line(capsys):
    from explain.cli.main import main

    for argv in (["influence", "--index", "10000"], ["influence", "--index", "3", "--split", "valid"],
                 ["influence", "--index", "3", "--top", "0"], ["suspects", "--split", "dev"],
                 ["suspects", "--top", "x"], ["influence"]):
        ran = run_main(main, argv, capsys)
        assert ran.code == 2, argv
        assert len(ran.err.strip().splitlines()) == 1 and "Traceback" not in ran.err, (argv, ran.err)


@pytest.mark.slow
def test_cli_suspects_and_influence_on_the_bundled_model(capsys):
    """One JSON object per row; the shipped checkpoint set matches the bundled model."""
    from explain.cli.main import main

    ran = run_main(main, ["suspects", "--split", "test", "--top", "5", "--json"], capsys)
    assert ran.code == 0, ran.err
    rows = [json.loads(line) for line in ran.out.strip().splitlines()]
    assert len(rows) == 5 and {"index", "given", "suggested", "score"} <= set(rows[0])
    assert rows[0]["score"] >= rows[-1]["score"]
    ran = run_main(main, ["influence", "--index", str(rows[0]["index"]), "--top", "3", "--json"], capsys)
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    assert len(out["proponents"]) == 3 and out["proponents"][0]["score"] > 0 > out["opponents"][0]["score"]


def test_data_randomisation_is_one_for_the_same_model_and_lower_for_another(model, test_split):
    from explain.evaluation.sanity import linear_layers_top_down, randomised
    from explain.trainingdata.data_randomisation import data_randomisation

    x = test_split.images[:6].reshape(6, 1, 28, 28)
    same = data_randomisation(model, model, x, ["saliency"])["saliency"]
    assert same["mean"] == pytest.approx(1.0, abs=1e-9) and same["n"] == 6
    other = randomised(model, linear_layers_top_down(model), seed=3).requires_grad_(False)
    assert data_randomisation(model, other, x, ["saliency"])["saliency"]["mean"] < 0.5
