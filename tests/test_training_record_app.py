"""The Map page's tabs (AppTest): "Across training" (the slider walks the record, Play steps through it),
"Across seeds", and only the open tab runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explain.atlas.training_record import TrainingRecorder
from model.checkpoint import load_checkpoint
from model.paths import bundled_checkpoint
from model.train import TrainConfig, train

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


@pytest.fixture(scope="module")
def small_record():
    recorder = TrainingRecorder(background_n=200)
    train(TrainConfig(hidden=(32, 16), epochs=2, train_size=1000), on_epoch=recorder)
    return recorder.finish()


def _map_page(state: dict | None = None) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=240)
    at.run()
    at.switch_page("app_pages/map.py")
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.slow
def test_across_training_walks_a_session_record(small_record):
    from app.state.resources import weights_digest

    key = weights_digest(load_checkpoint(bundled_checkpoint())[0].eval())
    at = _map_page({"training_records": {key: small_record}, "map-tab": "Training"})  # trained here
    assert any("recorded during this session's training run" in c.value for c in at.caption)
    slider = at.select_slider(key="map-rec-epoch")
    assert slider.value == 2 and list(slider.options) == ["0", "1", "2"]
    final = _metric(at, "Test accuracy")
    assert final == f"{small_record.test_accuracy[-1]:.2%}"
    slider.set_value(0).run()
    assert not at.exception
    assert _metric(at, "Test accuracy") == f"{small_record.test_accuracy[0]:.2%}"
    at.radio(key="map-rec-method").set_value("deeplift").run()
    assert any(m.label.startswith("DeepLift: ρ") for m in at.metric)
    at.button(key="map-rec-play").click().run()  # from epoch 0: playing, the Pause button replaces Play
    assert not at.exception and at.session_state["map-rec-playing"] is True
    assert [b.key for b in at.button if b.key and b.key.startswith("map-rec-")] == ["map-rec-pause"]


def test_across_training_uses_the_shipped_record_for_the_bundled_model():
    at = _map_page({"map-tab": "Training"})
    assert any("shipped with the bundled model" in c.value for c in at.caption)
    import json

    from model.paths import assets_dir

    ckpt = load_checkpoint(bundled_checkpoint())[1]
    path = assets_dir() / "map" / "training_record.npz.meta.json"
    meta = json.loads(path.read_text())
    assert at.select_slider(key="map-rec-epoch").value == ckpt.epochs  # opens at the last epoch
    assert _metric(at, "Test accuracy") == f"{meta['test_accuracy']:.2%}"
    # A re-run that did not end at the shipped weights says so on the page; one that did, does not.
    warned = any("did not end at the shipped weights" in w.value for w in at.warning)
    assert warned != meta["bundled_weights_match"]


@pytest.mark.browser
def test_across_training_opens_clean_in_chromium(new_page, server, artifacts):
    out = artifacts
    page = new_page(viewport={"width": 1500, "height": 1100})
    page.goto(f"{server}/map?layer=hidden2&proj=pca&index=8")
    section = page.get_by_role("tab", name="Training", exact=True)
    section.wait_for(timeout=180_000)
    section.click()  # only the open tab runs
    page.get_by_text("How close each method's maps are").wait_for(timeout=120_000)
    section.evaluate("e => e.scrollIntoView({block: 'start'})")  # the tab at the top of the screenshot
    page.wait_for_timeout(1500)
    box = section.bounding_box()
    page.screenshot(path=str(out / "map_across_training.png"), full_page=True,
                    clip={"x": 0, "y": box["y"] - 10, "width": 1500, "height": 1350})
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("button", name="Play").click()  # starts from epoch 0 and steps on its own
    page.get_by_text("after epoch 2", exact=False).first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_across_seeds_shows_mean_and_std_of_a_finished_job():
    from model.train_job import TrainJob

    configs = [TrainConfig(hidden=(128, 64), epochs=1, train_size=300, seed=s) for s in range(2)]
    job = TrainJob(configs[0], more=(configs[1],)).start()
    assert job.wait(120) and job.error is None and len(job.results) == 2
    at = _map_page({"map-seed-job": job, "map-source": "test", "map-tab": "Seeds"})
    assert any(m.label.startswith("Mean std") for m in at.metric)
    assert not at.exception
    # In the app's one map style: the mean on a diverging scale, the spread on a sequential one from 0.
    import json

    grids = {c.proto.key if hasattr(c.proto, "key") else i: json.loads(c.proto.bytes)
             for i, c in enumerate(at.get("bidi_component")) if c.proto.component_name == "digit_lens.heatmap_grid"}
    assert sorted(g["signed"] for g in grids.values()) == [False, True]
    assert all(g["outline"] and g["outline"].count("1") > 20 for g in grids.values())


@pytest.mark.slow
def test_a_train_page_run_brings_its_record_to_the_map_page():
    at = AppTest.from_file(ENTRY, default_timeout=240)
    at.run()
    at.switch_page("app_pages/train.py")
    at.run()
    at.text_input[0].set_value("32,16")
    at.number_input[0].set_value(2)
    next(s for s in at.selectbox if s.label == "Training digits").set_value(1000)
    at.button[0].click().run()
    job = at.session_state["train_job"]
    assert job.wait(180) and job.result is not None and job.epoch_hooks[0] is not None
    at.run()
    assert not at.exception
    at.switch_page("app_pages/map.py")
    at.session_state["map-tab"] = "Training"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("recorded during this session's training run" in c.value for c in at.caption)
    assert list(at.select_slider(key="map-rec-epoch").options) == ["0", "1", "2"]
    assert _metric(at, "Test accuracy") == f"{job.result.test_accuracy:.2%}"  # the kept model is the last epoch


@pytest.mark.slow
def test_map_runs_only_the_open_tab_and_a_neuron_link_opens_the_units_tab():
    at = _map_page({"map-source": "test"})
    keys = {w.key for w in [*at.selectbox, *at.select_slider, *at.number_input]}
    assert "map-nb-layer" in keys  # the first tab, open by default
    assert not keys & {"map-rec-epoch", "map-goal-layer", "map-goal-unit"}  # the closed tabs did not run
    at.query_params["neuron"] = "hidden1:5"  # Inside's "What unit 5 wants" link
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["map-tab"] == "Neuron goals"
    assert at.selectbox(key="map-goal-layer").value == "hidden1" and at.number_input(key="map-goal-unit").value == 5
    assert "map-nb-layer" not in {s.key for s in at.selectbox}
