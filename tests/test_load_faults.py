"""Many users, faults: concurrent sessions match serial ones; training never blocks explaining."""

from __future__ import annotations

import time
import urllib.request

import numpy as np
import pytest
import torch

from explain import explain_many
from model.data import Split
from model.train import TrainConfig
from model.train_job import TrainJob


@pytest.mark.slow
def test_training_does_not_block_explanations(model, train_split, test_split):
    names = ["saliency", "integrated_gradients", "deeplift", "gradient_shap"]
    start = time.monotonic()
    serial = [explain_many(model, test_split.images[i], names) for i in range(12)]
    serial_s = time.monotonic() - start
    job = TrainJob(TrainConfig(hidden=(256,), epochs=3), train_split,
                   Split(test_split.images[:1000], test_split.labels[:1000])).start()
    during, overlapped = [], 0
    start = time.monotonic()
    for i in range(12):
        during.append(explain_many(model, test_split.images[i], names))
        overlapped += job.running
    elapsed = time.monotonic() - start
    job.stop()
    job.wait(120)
    assert overlapped >= 6, "training finished before the explanations could overlap it"
    # A ratio, not a wall-clock bound: sharing the cores with training may slow explaining a few
    # times over; waiting for the training (3 epochs, hundreds of times the serial cost) may not.
    assert elapsed < 10 * max(serial_s, 0.2), (elapsed, serial_s)
    for a, b in zip(serial, during, strict=True):
        for n in names:
            assert np.array_equal(a[n].values, b[n].values)


def _session_model(bundled, i: int) -> bytes:
    """Session i's own checkpoint: the bundled weights moved by a seeded nudge (another model per session)."""
    import torch

    from model.checkpoint import checkpoint_bytes

    model, meta = bundled
    gen = torch.Generator().manual_seed(100 + i)
    state = {k: v + 0.05 * torch.randn(v.shape, generator=gen) for k, v in model.state_dict().items()}
    copy = type(model)(meta.network_config())
    copy.load_state_dict(state)
    return checkpoint_bytes(copy, meta)


def _one_session(url: str, i: int, data: bytes, methods: list[str], shape: str) -> dict:
    """Through Streamlit's own protocol (benchmarks/load/protocol.py), as a browser would: upload a model on
    Train, choose methods and a colour scale on Draw, draw a digit; what the page then showed."""
    from app.components.drawing_pad.payload import encode
    from benchmarks.load.protocol import StreamlitSession
    from benchmarks.load.shapes import ink, stroke_lists
    from explain import get_method

    s = StreamlitSession(url, 180)
    try:
        s.open("train")
        s.wait_finished(s.upload("train-upload", f"session{i}.safetensors", data))
        s.open("draw")
        deadline = time.monotonic() + 120  # Draw shows its settings once start-up has the torch side in
        while "draw-methods" not in s.widgets:
            assert time.monotonic() < deadline, f"session {i}: Draw never showed its method picker"
            time.sleep(0.5)
            s.open("draw")
        shown = {get_method(m).display: m for m in methods}
        from streamlit.proto.Common_pb2 import StringArray

        s.wait_finished(s.set_widget("draw-methods", "string_array_value", StringArray(data=list(shown))))
        scale = s.widgets["draw-scale"].options[i % 2]
        s.wait_finished(s.set_widget("draw-scale", "string_value", scale))
        payload = encode(ink(shape, 1.0, i % 5 + 1), 1, True)
        payload["strokes"] = stroke_lists(shape, 1.0, i % 5 + 1)
        s.send_drawing(payload)
        a = s.answer(1, 180)
        return {"prediction": a.prediction, "fingerprint": a.fingerprint, "input": a.input_digest,
                "errors": a.errors, "own_scales": "each map on its own colour scale" in a.caption}
    finally:
        s.close()


@pytest.mark.browser  # it shares the browser tests' server; no Chromium: ten browsers would measure browsers
def test_concurrent_sessions_never_see_each_others_drawing_model_settings_or_results(server, bundled):
    """10 sessions at once, each with its own uploaded model, methods, colour scale and drawing: each sees
    exactly the answer its own model gives for its own drawing with its own methods (computed here with the
    API), never another session's."""
    from concurrent.futures import ThreadPoolExecutor

    from app.sections.attribution_maps import fingerprint
    from benchmarks.load.shapes import SHAPES, ink
    from explain import explain
    from model.checkpoint import load_checkpoint_bytes
    from model.digests import input_digest
    from model.preprocess import preprocess

    # Sessions i and i + 5 draw the same digit with the same methods but another model and colour scale: an
    # answer keyed or kept by anything less than (model, drawing, settings) would show up as a borrowed one.
    n, pool = 10, ["saliency", "integrated_gradients", "deeplift", "gradient_shap", "input_x_gradient"]
    models = [_session_model(bundled, i) for i in range(n)]
    methods = [[pool[i % 5], pool[(i + 1) % 5]] for i in range(n)]
    shapes = [list(SHAPES)[i % 5 % len(SHAPES)] for i in range(n)]
    with ThreadPoolExecutor(n) as ex:
        seen = list(ex.map(lambda i: _one_session(server, i, models[i], methods[i], shapes[i]), range(n)))
    assert len(set(models)) == n
    for i, got in enumerate(seen):
        model, _ = load_checkpoint_bytes(models[i])
        model.requires_grad_(False)
        x = preprocess(ink(shapes[i], 1.0, i % 5 + 1)).centred
        want = fingerprint({m: explain(model, x, m) for m in methods[i]})
        predicted = str(int(model(torch.as_tensor(x).reshape(1, 1, 28, 28)).argmax()))
        assert got["errors"] == [], (i, got)
        assert (got["input"], got["fingerprint"], got["prediction"], got["own_scales"]) == (
            input_digest(x), want, predicted, i % 2 == 1), (i, got)
    assert len({g["fingerprint"] for g in seen}) == n  # ten different answers, none borrowed


@pytest.mark.browser
def test_closing_a_session_mid_computation_does_not_wedge_the_server(browser, server):
    ctx = browser.new_context()
    page = ctx.new_page()
    # Batched, these methods take well under a second at their defaults: ask for the most expensive
    # settings a request may have (one-pixel cells, 50 permutations: seconds) so it is still running.
    page.goto(f"{server}/compare?index=123&methods=shapley_value_sampling,kernel_shap,lime_image,shap_kernel"
              "&params=shapley_value_sampling.cell=1,shapley_value_sampling.n_samples=50,kernel_shap.cell=1,"
              "kernel_shap.n_samples=5000")
    # The slow methods are running for this session once their progress bar shows.
    page.locator('[data-testid="stProgress"]').first.wait_for(state="visible", timeout=120_000)
    ctx.close()  # the user goes away mid-computation
    with urllib.request.urlopen(f"{server}/_stcore/health", timeout=10) as r:
        assert r.read() == b"ok"
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{server}/explore?index=7")
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Prediction")
    metric.wait_for(timeout=60_000)
    assert metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == "9"
    ctx.close()
