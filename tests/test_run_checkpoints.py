"""Train-page runs keep their own checkpoints (issue 29): the set ends at the model's weights, the Data page's
state picks a trained model's own set (never the bundled one's, and the bundled model never gets the run's),
and proponents are chosen among the digits the run trained on."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from explain.trainingdata.influence import build_index, check_model_matches, influence
from model.data import Split
from model.epoch_checkpoints import spread_epochs
from model.jobs import JobRunner
from model.run_checkpoints import run_checkpoints
from model.train import TrainConfig, train, training_rows
from model.train_job import TrainJob
from tests.test_inside_train import ENTRY

TINY = TrainConfig(hidden=(16,), epochs=5, batch_size=32, train_size=300, validation_size=100, seed=7)


@pytest.fixture(scope="module")
def tiny(train_split, test_split):
    return Split(train_split.images[:600], train_split.labels[:600]), Split(test_split.images[:200],
                                                                            test_split.labels[:200])


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope="module")
def finished(tiny):
    """A Train-style job (the Train page's code path) with keep_checkpoints, on 600 digits."""
    job = TrainJob(TINY, *tiny, keep_checkpoints=True).start(JobRunner())
    assert job.wait(120) and job.error is None and job.end_reason == "finished"
    return job


def test_a_train_job_keeps_a_set_that_ends_at_the_models_weights(finished):
    kept = finished.checkpoints[0]
    cset = kept.checkpoints
    assert cset is not None, kept.note
    assert cset.epochs == spread_epochs(TINY.epochs) and len(cset.epochs) == 5
    assert same_weights(cset.checkpoints[-1].load(), finished.result.model)
    assert not same_weights(cset.checkpoints[0].load(), finished.result.model)  # epochs along the run, not copies
    check_model_matches(finished.result.model, cset)  # what the Data page checks before TracIn
    assert all(c.data is not None for c in cset.checkpoints) and cset.nbytes == sum(len(c.data) for c in
                                                                                    cset.checkpoints)
    assert np.array_equal(kept.rows, training_rows(TINY, 600).numpy()) and len(kept.rows) == TINY.train_size


def test_training_rows_are_the_rows_the_run_trained_on(tiny):
    rows = training_rows(TINY, 600)
    gen = torch.Generator().manual_seed(TINY.seed)
    held = torch.randperm(600, generator=gen)[: TINY.validation_size]  # train()'s first draw: the validation rows
    assert len(set(rows.tolist())) == TINY.train_size and not set(rows.tolist()) & set(held.tolist())
    assert torch.equal(training_rows(TrainConfig(hidden=(16,)), 600), torch.arange(600))  # the CLI recipe: all


def test_a_stopped_run_ends_its_set_at_the_epoch_it_kept(tiny):
    from model.epoch_checkpoints import keep_epochs

    steps = {"n": 0}

    def stop_in_epoch_four() -> bool:  # 300 digits / 32 = 10 steps per epoch
        steps["n"] += 1
        return steps["n"] > 35

    hook, kept = keep_epochs(spread_epochs(TINY.epochs))
    result = train(TINY, *tiny, should_stop=stop_in_epoch_four, on_epoch=hook)
    assert result.stopped and result.best_epoch is not None
    cset = run_checkpoints(result, kept, 600).checkpoints
    assert cset.epochs[-1] == result.best_epoch and max(cset.epochs) <= 3
    assert same_weights(cset.checkpoints[-1].load(), result.model)
    early = run_checkpoints(train(TINY, *tiny, should_stop=lambda: True), {}, 600)
    assert early.checkpoints is None and "before its first epoch" in early.note


def test_proponents_come_only_from_the_rows_the_run_trained_on(finished, tiny):
    kept = finished.checkpoints[0]
    index = build_index(kept.checkpoints, tiny[0])
    x = tiny[1].images[0]
    everywhere = influence(finished.result.model, x, k=20, checkpoints=kept.checkpoints, index=index)
    among = influence(finished.result.model, x, k=20, checkpoints=kept.checkpoints, index=index, among=kept.rows)
    assert set(among.proponents) <= set(kept.rows.tolist()) and set(among.opponents) <= set(kept.rows.tolist())
    assert set(everywhere.proponents) - set(kept.rows.tolist())  # without `among`, held-out digits come up
    scores = index.scores(x[None], torch.tensor([among.target]))[0].numpy()
    best = kept.rows[np.argmax(scores[kept.rows])]
    assert among.proponents[0] == best and among.proponent_scores[0] == pytest.approx(scores[best])
    with pytest.raises(ValueError, match="among must be"):
        influence(finished.result.model, x, checkpoints=kept.checkpoints, index=index, among=np.array([600]))


def _data_state(trained, kept) -> None:
    """An app run: the session holds a trained model with its run's checkpoints; say which set each model gets."""
    import streamlit as st

    from app.state.models import add_model, session_models
    from app.state.resources import bundled_model, make_loaded
    from app.state.trainingdata import keep_run_checkpoints, tracin_source
    from model.checkpoint import CheckpointMeta

    loaded = make_loaded("trained test", trained, CheckpointMeta(hidden=trained.config.hidden))
    add_model(loaded)
    keep_run_checkpoints(loaded.key, kept)
    other = make_loaded("uploaded other", type(trained)(trained.config), CheckpointMeta(hidden=trained.config.hidden))
    add_model(other)
    out = {}
    for name, m in (("trained", loaded), ("bundled", bundled_model()), ("uploaded", other)):
        s = tracin_source(m)
        out[name] = (None if s.checkpoints is None else s.checkpoints.digest, s.own, s.why_not, s.key)
    for i in range(6):  # the session keeps six models: the trained one is dropped, its checkpoints with it
        add_model(make_loaded(f"uploaded {i}", type(trained)(trained.config), CheckpointMeta(hidden=(16,))))
    keep_run_checkpoints(other.key, None)
    out["kept after eviction"] = loaded.key in st.session_state["run-checkpoints"]
    out["models"] = len(session_models())
    st.session_state["result"] = out


def test_the_data_page_state_picks_the_runs_set_for_the_trained_model_and_the_shipped_one_for_bundled(finished):
    from explain.trainingdata.influence import bundled_checkpoint_set

    kept = finished.checkpoints[0]
    trained = finished.result.model
    at = AppTest.from_function(_data_state, args=(trained, kept), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    out = at.session_state["result"]
    bundled = bundled_checkpoint_set().digest
    assert out["trained"][:2] == (kept.checkpoints.digest, True) and kept.checkpoints.digest != bundled
    assert out["bundled"][:2] == (bundled, False)
    assert out["uploaded"][0] is None and "no checkpoints" in out["uploaded"][2]
    assert len({out[n][3] for n in ("trained", "bundled", "uploaded")}) == 3  # three cache keys
    assert out["kept after eviction"] is False and out["models"] <= 6
    with pytest.raises(ValueError, match="other weights"):  # and the run's set never answers for the bundled model
        from app.state.resources import bundled_model

        check_model_matches(bundled_model.__wrapped__().model, kept.checkpoints)


def test_a_runs_checkpoints_round_trip_through_a_workspace_and_bad_ones_are_refused(finished, tmp_path):
    import base64
    import json

    from model.workspaces import Store, StoreConfig
    from model.workspaces.kinds import CheckpointsItem, decode_item

    kept = finished.checkpoints[0]
    store = Store(StoreConfig(url=f"sqlite:///{tmp_path / 'ws.sqlite3'}"))
    try:
        ws = store.create_workspace()
        info = store.save(ws, "trained test", CheckpointsItem(kept))
        _, back = store.load(ws, info.id)
    finally:
        store.close()
    assert back.run.checkpoints.digest == kept.checkpoints.digest and back.run.checkpoints.epochs == (1, 2, 3, 4, 5)
    assert np.array_equal(back.run.rows, kept.rows) and back.run.config == TINY
    assert same_weights(back.run.checkpoints.checkpoints[-1].load(), finished.result.model)
    data, meta = CheckpointsItem(kept).encode()
    body = json.loads(data)
    for change, match in [(lambda b: b["checkpoints"][0].update(lr=-1.0), "factor must be > 0"),
                          (lambda b: b["checkpoints"][0].update(epoch=99), "epoch must be"),
                          (lambda b: b["checkpoints"][0].update(data=base64.b64encode(b"\x80\x04junk").decode()),
                           "pickle|checkpoint"),
                          (lambda b: b["recipe"].update(epochs=0), "recipe"),
                          (lambda b: b["checkpoints"].reverse(), "ascending")]:
        bad = json.loads(data)
        change(bad)
        with pytest.raises(ValueError, match=match):
            decode_item("checkpoints", json.dumps(bad).encode(), meta)
    assert body["n_train"] == 600


@pytest.mark.slow  # two app sessions: ~5 s
def test_saving_a_trained_model_to_the_workspace_takes_its_checkpoints_and_reopening_brings_them_back(
        finished, tmp_path, monkeypatch):
    from app.state import workspace
    from app.state.resources import make_loaded
    from model.train import checkpoint_meta
    from model.workspaces import Store, StoreConfig

    monkeypatch.setenv("DIGIT_LENS_DATABASE_URL", f"sqlite:///{tmp_path / 'ws.sqlite3'}")
    workspace._store.clear()
    workspace.unavailable.clear()
    kept = finished.checkpoints[0]
    loaded = make_loaded("trained test", finished.result.model, checkpoint_meta(finished.result))
    try:
        at = AppTest.from_file(ENTRY, default_timeout=120)
        at.run()
        at.switch_page("app_pages/train.py")
        at.session_state["models"] = {"trained test": loaded}
        at.session_state["active_model_name"] = "trained test"
        at.session_state["run-checkpoints"] = {loaded.key: kept}
        at.run()
        at.button(key="ws-model-save").click().run()
        assert not at.exception, [e.value for e in at.exception]
        ws = at.query_params["ws"][0] if isinstance(at.query_params["ws"], list) else at.query_params["ws"]
        store = Store(StoreConfig(url=f"sqlite:///{tmp_path / 'ws.sqlite3'}"))
        try:
            kinds = sorted((i.kind, i.name) for i in store.list_items(ws))
            model_id = next(i.id for i in store.list_items(ws, "model"))
        finally:
            store.close()
        assert kinds == [("checkpoints", "trained test"), ("model", "trained test")]
        fresh = AppTest.from_file(ENTRY, default_timeout=120)
        fresh.query_params["ws"] = ws
        fresh.run()
        picker = next(s for s in fresh.sidebar.selectbox if s.label == "Model (test accuracy)")
        picker.set_value(f"ws:{model_id}").run()  # the saved model's option
        assert not fresh.exception, [e.value for e in fresh.exception]
        reopened = fresh.session_state["run-checkpoints"]
        assert [r.checkpoints.digest for r in reopened.values()] == [kept.checkpoints.digest]
        assert list(reopened) == [loaded.key]  # kept for the reopened model's weights
    finally:
        workspace._store.clear()
        workspace.unavailable.clear()
