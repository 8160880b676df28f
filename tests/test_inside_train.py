"""Inside-the-network data, background training jobs, and checkpoint uploads."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from explain import explain
from explain.atlas.activations import (
    activations,
    class_means,
    dataset_activations,
    first_layer_weights,
    incoming_weights,
    layer_conductance,
    neuron_conductance,
    top_exciting,
)
from model.checkpoint import CheckpointMeta, checkpoint_bytes, load_uploaded_checkpoint
from model.data import Split
from model.network import MLP, MLPConfig
from model.train import TrainConfig
from model.train_job import TrainJob

ENTRY = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def test_activations_match_the_forward_pass(model, test_split):
    x = test_split.images[0]
    a = activations(model, x)
    assert {k: v.shape for k, v in a.layers.items()} == {"hidden1": (128,), "hidden2": (64,), "logits": (10,),
                                                         "softmax": (10,)}
    np.testing.assert_allclose(a.layers["logits"], model(x[None])[0].detach().numpy(), rtol=1e-5, atol=1e-5)
    assert a.layers["softmax"].sum() == pytest.approx(1.0) and (a.layers["hidden1"] >= 0).all()
    assert first_layer_weights(model).shape == (128, 28, 28)


def test_drill_down_data(model, test_split):
    acts = dataset_activations(model, test_split.images[:2000])
    assert acts["hidden1"].shape == (2000, 128) and acts["hidden2"].shape == (2000, 64)
    single = activations(model, test_split.images[17]).layers["hidden2"]
    np.testing.assert_allclose(acts["hidden2"][17], single, rtol=1e-5, atol=1e-6)
    unit = 5
    top = top_exciting(acts["hidden1"], unit, 12)
    assert acts["hidden1"][top, unit].min() >= np.delete(acts["hidden1"][:, unit], top).max()
    assert list(acts["hidden1"][top, unit]) == sorted(acts["hidden1"][top, unit], reverse=True)
    labels = test_split.labels[:2000].numpy()
    means = class_means(acts["hidden1"], labels)
    assert means[3, unit] == pytest.approx(acts["hidden1"][labels == 3, unit].mean())
    assert incoming_weights(model, 1, unit).shape == (28, 28) and incoming_weights(model, 2, 0).shape == (128,)
    with pytest.raises(ValueError, match="unit"):
        top_exciting(acts["hidden2"], 64)


def test_layer_conductance_is_complete_and_neuron_maps_are_finite(model, test_split):
    x = test_split.images[0]
    for layer in (1, 2):
        lc = layer_conductance(model, x, layer, target=7, steps=128)
        ig = explain(model, x, "integrated_gradients", target=7)
        assert lc.sum() == pytest.approx(ig.output - ig.baseline_output, rel=0.02)
    nc = neuron_conductance(model, x, 1, int(np.argmax(activations(model, x).layers["hidden1"])))
    assert nc.shape == (28, 28) and np.isfinite(nc).all() and np.abs(nc).sum() > 0
    with pytest.raises(ValueError, match="hidden layer 1..2"):
        layer_conductance(model, x, 3)
    with pytest.raises(ValueError, match="unit must be in 0..63"):
        neuron_conductance(model, x, 2, 64)


def test_train_job_runs_in_the_background_and_stops(test_split, train_split):
    small = Split(test_split.images[:500], test_split.labels[:500])
    job = TrainJob(TrainConfig(hidden=(16,), epochs=1, train_size=2000), train_split, small).start()
    assert job.wait(120) and job.result is not None and job.error is None
    assert job.snapshot()[-1].test_accuracy is not None
    long = TrainJob(TrainConfig(hidden=(16,), epochs=50, train_size=5000), train_split, small).start()
    long.stop()
    assert long.wait(120) and long.result.stopped and long.result.epochs_completed < 50


def _ckpt(hidden=(16,)) -> tuple[MLP, bytes]:
    torch.manual_seed(0)
    net = MLP(MLPConfig(hidden=hidden))
    return net, checkpoint_bytes(net, CheckpointMeta(hidden=hidden))


class _Exploit:
    """Unpickling this would create a file: the upload path must never unpickle."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_uploaded_checkpoints(tmp_path):
    net, good = _ckpt()
    model, _ = load_uploaded_checkpoint("mine.safetensors", good)
    assert torch.equal(model.net.fc1.weight, net.net.fc1.weight)
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Exploit(str(marker)))
    for name in ("model.pt", "model.pth", "evil.ckpt"):
        with pytest.raises(ValueError, match="pickle"):
            load_uploaded_checkpoint(name, evil)
    with pytest.raises(ValueError, match="pickle"):
        load_uploaded_checkpoint("renamed.safetensors", evil)  # caught by content, not only by name
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buf)
    with pytest.raises(ValueError, match="pickle"):
        load_uploaded_checkpoint("zip.safetensors", buf.getvalue())
    assert not marker.exists()
    with pytest.raises(ValueError, match="truncated|outside"):
        load_uploaded_checkpoint("cut.safetensors", good[: len(good) - 100])
    with torch.no_grad():
        net.net.out.bias[0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        load_uploaded_checkpoint("nan.safetensors", checkpoint_bytes(net, CheckpointMeta(hidden=(16,))))
    with pytest.raises(ValueError, match="shape"):
        load_uploaded_checkpoint("shape.safetensors", checkpoint_bytes(MLP(MLPConfig(hidden=(8,))),
                                                                       CheckpointMeta(hidden=(16,))))
    with pytest.raises(ValueError, match="expected a .safetensors"):
        load_uploaded_checkpoint("notes.txt", good)
    assert not os.path.exists(marker)


def _app(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=180)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _layer_maps(at) -> list[dict]:
    import json

    return [json.loads(c.proto.bytes) for c in at.get("bidi_component")
            if c.proto.component_name == "digit_lens.layer_heatmaps"]


def test_inside_page_shows_every_activation_cell(test_split):
    import base64

    at = _app("inside", {"index": "4"})
    assert not at.error
    [shown] = _layer_maps(at)
    cells = [np.frombuffer(base64.b64decode(layer["values"]), dtype="<f4") for layer in shown["layers"]]
    assert [c.size for c in cells] == [128, 64, 10, 10]
    assert [(layer["rows"], layer["cols"]) for layer in shown["layers"]] == [(8, 16), (8, 8), (1, 10), (1, 10)]
    assert int(cells[3].argmax()) == int(cells[2].argmax()) and abs(float(cells[3].sum()) - 1) < 1e-5
    assert shown["layers"][2]["lo"] == -shown["layers"][2]["hi"]  # logits: diverging, centred at zero
    assert shown["layers"][2]["labels"] == [str(d) for d in range(10)] and shown["layers"][0]["labels"] is None
    at.toggle(key="inside-compare").set_value(True).run()
    both = _layer_maps(at)
    assert not at.exception and [m["layers"][0]["unit"] for m in both] == ["activation", "activation", "difference"]
    diff = [np.frombuffer(base64.b64decode(m["layers"][0]["values"]), dtype="<f4") for m in both]
    np.testing.assert_allclose(diff[2], diff[0] - diff[1], atol=1e-5)  # the third is first − second
    at.session_state["inside-tab"] = "One neuron up close"  # only the open tab runs
    at.run()
    at.selectbox(key="inside-unit-layer").set_value(2).run()
    assert not at.exception and not at.error


@pytest.mark.slow
def test_training_in_the_browser_updates_the_active_model():
    at = _app("train")
    at.text_input[0].set_value("32")
    at.number_input[0].set_value(1)
    next(s for s in at.selectbox if s.label == "Training digits").set_value(1000)
    at.button[0].click().run()
    job = at.session_state["train_job"]
    assert job.wait(120) and job.result is not None
    at.run()
    assert not at.exception
    assert any("now this session's active model" in s.value for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Architecture"] == "784-32-10"
    acc = float(metrics["Test accuracy"].rstrip("%"))
    assert acc == pytest.approx(job.result.test_accuracy * 100, abs=0.01) and acc < 98
    switcher = next(s for s in at.sidebar.selectbox if s.label == "Model (test accuracy)")
    assert switcher.value.startswith("trained 784-32-10")
    switcher.set_value("bundled").run()  # switching back works and changes every page's model
    assert {m.label: m.value for m in at.metric}["Architecture"] == "784-128-64-10"


def test_two_training_runs_at_once_both_finish(train_split, test_split):
    small = Split(test_split.images[:500], test_split.labels[:500])
    jobs = [TrainJob(TrainConfig(hidden=(32,), epochs=1, train_size=3000, seed=s), train_split, small).start()
            for s in (0, 1)]
    assert all(j.wait(120) for j in jobs)
    assert all(j.result is not None and j.error is None for j in jobs)
    assert not torch.equal(jobs[0].result.model.net.fc1.weight, jobs[1].result.model.net.fc1.weight)
