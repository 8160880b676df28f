"""Training jobs end on their own (budget, owner gone), groups are one job, Train-page runs validate on
held-out training digits, and the Train page tells the truth about all of it (issues 13 and 14)."""

from __future__ import annotations

import threading
import time

import pytest
import torch
from streamlit.testing.v1 import AppTest

from app.figures.training import accuracy_axis, cell_from_selection, clickable_confusion, training_curves
from model import jobs
from model.checkpoint import CheckpointMeta, checkpoint_bytes
from model.data import Split
from model.jobs import JobRefused, JobRunner
from model.network import MLP, MLPConfig
from model.train import Progress, TrainConfig, train
from model.train_job import JobLimits, TrainJob
from tests.test_inside_train import ENTRY


def wait_until(condition, timeout: float = 60.0, every: float = 0.05) -> None:
    """Poll a condition instead of sleeping a fixed time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(every)


@pytest.fixture(scope="module")
def small(test_split):
    return Split(test_split.images[:500], test_split.labels[:500])


LONG = TrainConfig(hidden=(16,), epochs=100, train_size=5000)  # minutes if nothing ends it


@pytest.mark.slow
def test_a_job_ends_at_its_wall_clock_budget(train_split, small):
    job = TrainJob(LONG, train_split, small, budget_s=1.0).start()
    assert job.wait(60) and job.error is None
    assert job.end_reason == "budget" and job.result.stopped and job.result.epochs_completed < 100
    assert job.remaining_s() == 0.0


def test_a_job_ends_when_its_owner_is_gone(train_split, small, monkeypatch):
    monkeypatch.setattr(jobs, "OWNER_GRACE_S", 0.3)
    monkeypatch.setattr(jobs, "OWNER_CHECK_EVERY_S", 0.02)
    connected = threading.Event()
    connected.set()
    job = TrainJob(LONG, train_split, small, alive=connected.is_set).start()
    wait_until(lambda: len(job.snapshot()) >= 2)  # training for a while with the owner there
    assert job.running
    connected.clear()  # the tab is closed
    assert job.wait(60) and job.end_reason == "owner gone" and job.result.stopped


def test_runs_started_together_are_one_job_in_one_slot(train_split, small):
    runner = JobRunner({"train": 1})
    group = TrainJob(TrainConfig(hidden=(16,), epochs=1, train_size=1000, seed=0), train_split, small,
                     more=(TrainConfig(hidden=(16,), epochs=1, train_size=1000, seed=1),), budget_s=300).start(runner)
    other = TrainJob(TrainConfig(hidden=(16,), epochs=1, train_size=1000), train_split, small)
    with pytest.raises(JobRefused) as refused:
        other.start(runner)
    assert not other.running and refused.value.cap == 1 and 0 < refused.value.next_free_in_s <= 300
    assert 0 < runner.next_free_in_s("train") <= 300
    assert group.wait(120) and group.error is None and group.end_reason == "finished"
    assert [r.config.seed for r in group.results] == [0, 1]
    assert not torch.equal(group.results[0].model.net.fc1.weight, group.results[1].model.net.fc1.weight)
    assert runner.busy("train") == 0  # released when the whole group ended, before wait() returned
    assert other.start(runner).wait(120)


def test_a_stopped_job_says_so_and_keeps_what_it_trained(train_split, small):
    job = TrainJob(LONG, train_split, small).start(JobRunner())
    wait_until(lambda: len(job.snapshot()) >= 2)
    job.stop()
    assert job.wait(60) and job.end_reason == "cancelled" and job.result.stopped and job.error is None
    state = job.progress()
    assert state.results == (job.result,) and state.run == 0 and len(state.hooks) == 1


@pytest.mark.parametrize("configs, message", [
    ([TrainConfig(hidden=(4096,))], "at most 1024 units"),
    ([TrainConfig(epochs=30)], "at most 20 epochs"),
    ([TrainConfig(batch_size=8)], "at least 16"),
    ([TrainConfig()] * 4, "1 to 3 runs"),
])
def test_train_page_settings_are_bounded(configs, message):
    with pytest.raises(ValueError, match=message):
        JobLimits().check(configs)


def test_validation_split_drives_curves_and_the_best_epoch(train_split, small):
    steps = []

    def stop_late() -> bool:  # stop in the middle of the third epoch
        steps.append(1)
        return len(steps) > 2 * 32 + 10

    cfg = TrainConfig(hidden=(16,), epochs=5, train_size=2000, validation_size=1000, batch_size=64, lr=0.05)
    r = train(cfg, train_split, small, should_stop=stop_late, report_every=10)
    ends = [e for e in r.history if e.step == e.steps_per_epoch]
    assert all(e.test_accuracy is None and e.val_accuracy is not None for e in ends)
    assert r.stopped and r.epochs_completed == 2
    best = max(ends, key=lambda e: e.val_accuracy)
    assert r.best_epoch == best.epoch
    assert r.history[0].steps_per_epoch == 32  # 2,000 training digits, none of them held out for validation


def test_the_cli_recipe_is_unchanged(train_split, test_split):
    """Measured with the code before the validation split was added (same seed, same subset)."""
    r = train(TrainConfig(hidden=(16,), epochs=2, train_size=3000, seed=0), train_split, test_split)
    assert r.test_accuracy == pytest.approx(0.7979, abs=1e-4) and r.best_epoch is None
    assert float(r.model.net.fc1.weight.detach().abs().sum()) == pytest.approx(260.2341, abs=1e-3)


def test_accuracy_axis_has_round_ticks_covering_the_data():
    rng, step = accuracy_axis([0.955, 0.968, 0.9731])
    assert step in (0.005, 0.01) and rng[0] <= 0.955 and rng[1] >= 0.9731 and rng[1] <= 1.01
    fig = training_curves([Progress(1, 2, 10, 10, 0.4, None, 0.961), Progress(2, 2, 10, 10, 0.2, None, 0.973)], 2,
                          "validation accuracy")
    axis = fig.layout.yaxis2
    assert axis.dtick == step or axis.dtick <= 0.02
    assert axis.range[0] <= 0.961 and axis.range[1] >= 0.973 and axis.tickmode == "linear"


def test_confusion_cells_are_selectable_points():
    cm = [[(i * 10 + j) for j in range(10)] for i in range(10)]
    fig = clickable_confusion(cm)
    scatter = fig.data[1]
    assert scatter.type == "scatter" and len(scatter.x) == 100
    k = 4 * 10 + 9
    assert (scatter.y[k], scatter.x[k]) == ("4", "9") and list(scatter.customdata[k]) == [4, 9, 49]
    assert fig.data[0].colorbar.title.text == "test digits"
    assert cell_from_selection([{"x": "9", "y": "4", "customdata": [4, 9, 49]}]) == (4, 9)
    assert cell_from_selection([]) is None


def _train_page() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=180)
    at.run()
    at.switch_page("app_pages/train.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _number(at: AppTest, label: str):
    return next(n for n in at.number_input if n.label == label)


@pytest.mark.slow
def test_returning_to_a_running_job_shows_its_settings_and_a_full_server_says_how_long(monkeypatch):
    at = _train_page()
    at.text_input[0].set_value("32")
    _number(at, "Epochs").set_value(5)
    at.button[0].click().run()
    job = at.session_state["train_job"]
    try:
        assert job.running and job.config.epochs == 5 and job.config.validation_size == 5000
        at.switch_page("app_pages/home.py").run()
        at.switch_page("app_pages/train.py").run()
        assert _number(at, "Epochs").value == 5 and at.text_input[0].value == "32"
        busy = JobRunner({"train": 1})
        blocker = TrainJob(TrainConfig(hidden=(16,), epochs=100), budget_s=240).start(busy)
        import app.state.resources

        monkeypatch.setattr(app.state.resources, "job_runner", lambda: busy)
        fresh = _train_page()
        fresh.button[0].click().run()
        text = " ".join(w.value for w in fresh.warning)
        assert "A slot frees within 3 min" in text or "A slot frees within 4 min" in text, text
        blocker.stop()
        blocker.wait(60)
    finally:
        job.stop()
        job.wait(120)


@pytest.mark.slow
def test_finished_banner_only_while_that_model_is_active_and_uploads_say_so():
    at = _train_page()
    at.text_input[0].set_value("16")
    _number(at, "Epochs").set_value(2)
    next(s for s in at.selectbox if s.label == "Training digits").set_value(1000)
    at.button[0].click().run()
    job = at.session_state["train_job"]
    assert job.wait(180) and job.result is not None
    at.run()
    done = " ".join(s.value for s in at.success)
    assert "now this session's active model" in done and "finished" in done
    switcher = next(s for s in at.sidebar.selectbox if s.label == "Model (test accuracy)")
    switcher.set_value("bundled").run()
    assert not any("active model" in s.value for s in at.success)  # no stale banner under "bundled"
    long_name = "digit-lens-trained-784-16-10-seed-0-with-a-rather-long-name.safetensors"
    data = checkpoint_bytes(MLP(MLPConfig(hidden=(8,))), CheckpointMeta(hidden=(8,)))
    at.file_uploader[0].set_value((long_name, data, "application/octet-stream")).run()
    assert not at.exception
    assert any("Loaded" in s.value and "active model" in s.value for s in at.success)
    assert at.session_state["active_model_name"] == f"uploaded {long_name}"  # whole, not cut at 40 characters
