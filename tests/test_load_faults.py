"""Many users, faults: concurrent sessions match serial ones; training never blocks explaining."""

from __future__ import annotations

import time
import urllib.request

import numpy as np
import pytest

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


@pytest.mark.browser
def test_concurrent_sessions_match_serial_ones(chromium, server):
    from tests.load import SHAPES, serial_then_concurrent

    # 4 sessions at once (20 in `make bench`, on a server of their own): a check that sessions do not
    # cross, not a measure of load, so the suite's server serves it.
    reference, report = serial_then_concurrent(server, list(SHAPES) * 2)
    assert {s: r.prediction for s, r in reference.items()} == {s: s for s in SHAPES}
    assert report.summary()["errors"] == 0, [r.error for r in report.results]
    for r in report.results:
        assert r.prediction == r.shape
        assert r.fingerprint == reference[r.shape].fingerprint


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
