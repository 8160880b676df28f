"""The Map: exact PCA, UMAP placement, nearest neighbours, activation maximisation, CLI, page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch

from explain.atlas.features import all_layer_features, check_layer, layer_features, projectable_layers
from explain.atlas.neighbours import agreement_rate, nearest, neighbours_of
from explain.atlas.neuron_goals import goal_layers, maximise_units
from explain.atlas.projection import Cancelled, UMAPSettings, fit_pca, fit_umap, place_from_neighbours
from model.paths import assets_dir, bundled_checkpoint
from tests.cli import run_main
from tests.conftest import ROOT


def _record(artifacts, name: str, values: dict) -> None:
    path = artifacts / "map_measurements.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = values
    path.write_text(json.dumps(data, indent=2) + "\n")


def test_pca_recovers_known_axes():
    """Data built so its sample covariance is exactly axesᵀ·diag(25, 4, 1)·axes: PCA must return those axes."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5000, 3))
    z -= z.mean(axis=0)
    q, _ = np.linalg.qr(z)  # orthonormal, centred columns
    angle = 0.3
    axes = np.array([[np.cos(angle), np.sin(angle), 0.0], [-np.sin(angle), np.cos(angle), 0.0], [0, 0, 1.0]])
    data = q * np.sqrt(4999) * [5.0, 2.0, 1.0] @ axes + [3, -1, 7]
    p = fit_pca(data)
    np.testing.assert_allclose(np.abs(p.components @ axes[:2].T), np.eye(2), atol=1e-10)
    np.testing.assert_allclose(p.explained_variance_ratio, [25 / 30, 4 / 30], atol=1e-12)


@pytest.mark.slow
def test_pca_of_10000_digits_matches_sklearn(model, test_split, artifacts):
    from sklearn.decomposition import PCA

    pixels = layer_features(model, test_split.images, "pixels")
    started = time.perf_counter()
    ours = fit_pca(pixels)
    coords = ours.transform(pixels)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    ref = PCA(2, svd_solver="full").fit(pixels.astype(np.float64))
    ref_coords = ref.transform(pixels.astype(np.float64))
    ref_s = time.perf_counter() - started
    assert np.abs(coords - ref_coords).max() < 1e-8  # same signs too: both use sklearn's sign rule
    np.testing.assert_allclose(ours.explained_variance_ratio, ref.explained_variance_ratio_, atol=1e-12)
    _record(artifacts, "pca_10000_pixels", {"seconds": round(ours_s, 3), "sklearn_full_svd_seconds": round(ref_s, 3),
                                            "threads": torch.get_num_threads()})
    print(f"PCA of 10,000 × 784: {ours_s:.3f} s (sklearn full SVD {ref_s:.3f} s)")


def test_layer_features_single_pass_matches_per_layer(model, test_split):
    images = test_split.images[:300]
    together = all_layer_features(model, images)
    for layer in projectable_layers(model):
        np.testing.assert_allclose(together[layer], layer_features(model, images, layer), rtol=1e-5, atol=1e-5)
    from explain.atlas.activations import activations

    one = activations(model, images[5])
    np.testing.assert_allclose(together["hidden2"][5], one.layers["hidden2"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(together["logits"][5], one.layers["logits"], rtol=1e-5, atol=1e-5)


def test_bad_layer_and_k_are_value_errors(model):
    with pytest.raises(ValueError, match="relu1"):
        check_layer(model, "relu1")
    with pytest.raises(ValueError, match="k must be"):
        nearest(np.zeros((5, 2)), np.zeros((1, 2)), 6)
    with pytest.raises(ValueError, match="metric"):
        nearest(np.zeros((5, 2)), np.zeros((1, 2)), 2, metric="manhattan")
    with pytest.raises(ValueError, match="layer must be"):
        maximise_units(model, "out")


@pytest.mark.parametrize("metric", ["l2", "cosine"])
def test_nearest_matches_brute_force(metric):
    rng = np.random.default_rng(1)
    base, q = rng.normal(size=(3000, 16)), rng.normal(size=(50, 16))
    idx, dist = nearest(base, q, 7, metric)
    if metric == "l2":
        full = np.linalg.norm(q[:, None] - base[None], axis=2)
    else:
        full = 1 - (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (base / np.linalg.norm(base, axis=1, keepdims=True)).T
    expected = np.argsort(full, axis=1, kind="stable")[:, :7]
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_allclose(dist, np.take_along_axis(full, expected, axis=1), atol=1e-4)


@pytest.mark.slow
def test_output_layer_neighbours_share_the_prediction(model, test_split, train_split, artifacts):
    """On correctly classified test digits, the nearest training digits in the logits mostly carry the
    predicted label. Measured on the bundled model: ~0.99 (k = 10, cosine); the bound leaves room."""
    reference = layer_features(model, train_split.images, "logits")
    images, labels = test_split.images[:2000], test_split.labels[:2000].numpy()
    with torch.no_grad():
        correct = model(images).argmax(dim=1).numpy() == labels
    rates = agreement_rate(model, images[correct], reference, train_split.labels.numpy(), "logits", k=10)
    pixels = agreement_rate(model, images[correct], train_split.images.reshape(-1, 784).numpy(),
                            train_split.labels.numpy(), "pixels", k=10)
    _record(artifacts, "neighbour_agreement", {"digits": int(correct.sum()), "k": 10, "metric": "cosine",
                                               "logits_mean": round(float(rates.mean()), 4),
                                               "pixels_mean": round(float(pixels.mean()), 4)})
    print(f"logits neighbours agree with the prediction: {rates.mean():.4f}; in pixels {pixels.mean():.4f}")
    assert rates.mean() >= 0.95
    assert rates.mean() > pixels.mean()  # the network's own space separates classes better than pixels


def test_neighbours_of_one_digit_excludes_nothing_and_is_sorted(model, test_split, train_split):
    reference = layer_features(model, train_split.images, "hidden2")
    nb = neighbours_of(model, test_split.images[0], reference, train_split.labels.numpy(), "hidden2", k=12)
    assert nb.indices.shape == (12,) and np.all(np.diff(nb.distances) >= 0)
    assert nb.to_dict()["neighbours"][0]["index"] == int(nb.indices[0])


def _shipped():
    path = assets_dir() / "map" / "umap_bundled.npz"
    meta = json.loads(path.with_name(path.name + ".meta.json").read_text())
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}, meta


def test_shipped_umap_matches_the_bundled_checkpoint(model):
    from explain.cli.atlas import file_sha256

    coords, meta = _shipped()
    assert meta["checkpoint_sha256"] == file_sha256(bundled_checkpoint())
    assert set(coords) == set(projectable_layers(model))
    assert all(c.shape == (10_000, 2) and np.isfinite(c).all() for c in coords.values())
    assert "umap-learn" in meta["versions"] and meta["command"].startswith("python -m explain")


@pytest.mark.parametrize("layer", ["hidden2", "logits"])
def test_umap_placement_lands_near_its_own_shipped_coordinate(model, test_split, artifacts, layer):
    """Place test digits from their 15 nearest *other* test digits: they land near their own point,
    far closer than the typical distance between two digits of the same class."""
    coords = _shipped()[0][layer]
    feats = layer_features(model, test_split.images, layer)
    idx = np.random.default_rng(0).choice(10_000, 300, replace=False)
    placed = place_from_neighbours(feats[idx], feats, coords, k=15, exclude=idx)
    err = np.linalg.norm(placed - coords[idx], axis=1)
    labels = test_split.labels.numpy()
    other = np.array([np.random.default_rng(int(i)).choice(np.flatnonzero(labels == labels[i])) for i in idx])
    same_class = np.linalg.norm(coords[other] - coords[idx], axis=1)
    _record(artifacts, f"umap_placement_{layer}", {"median_error": round(float(np.median(err)), 4),
                                                   "median_same_class_distance": round(float(np.median(same_class)), 4)})
    assert np.median(err) < 0.25 * np.median(same_class)


@pytest.mark.slow
def test_umap_is_seeded_and_cancellable():
    feats = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
    settings = UMAPSettings(seed=3, n_epochs=30)
    a, b = fit_umap(feats, settings), fit_umap(feats, settings)
    np.testing.assert_array_equal(a, b)
    import umap.umap_
    from numba.core.caching import NullCache

    # umap-learn's uncached kernels are cached on disk: a process's first fit does not compile them (14 s).
    assert not isinstance(umap.umap_.compute_membership_strengths._cache, NullCache)
    stop = threading.Event()
    seen = []

    def progress(fraction: float, message: str) -> None:
        seen.append(message)
        if "epoch 5 " in message:
            stop.set()

    raised: list[BaseException] = []

    def cancelled_fit() -> None:  # in a thread that then ends, as the Map page's fit job does
        try:
            fit_umap(feats, settings, progress=progress, stop=stop)
        except Cancelled as exc:
            raised.append(exc)

    fit = threading.Thread(target=cancelled_fit)
    fit.start()
    fit.join(120)
    assert raised and not any("epoch 30 of" in m for m in seen)
    # The cancel left nothing held: tqdm (Kernel SHAP, the leaderboard, training) still works in the process.
    # It once raised inside tqdm's write lock, and the next tqdm in any other thread waited forever. Asked
    # from this thread, alive throughout: a new thread may reuse the ended one's id and so "own" the lock.
    from tqdm import tqdm

    lock = tqdm.get_lock()
    assert all(part.acquire(True, 10) for part in lock.locks), "a cancelled UMAP fit left tqdm's lock held"
    lock.release()


@pytest.mark.slow
def test_activation_maximisation_far_above_test_maximum(model, test_split, artifacts):
    torch.set_num_threads(1)  # a tiny batch: more threads only contend (restored by conftest)
    feats = all_layer_features(model, test_split.images, with_pixels=False)
    report = {}
    for layer in goal_layers(model):
        started = time.perf_counter()
        goals = maximise_units(model, layer)
        seconds = time.perf_counter() - started
        test_max = feats[layer].max(axis=0)
        live = test_max > 0  # units that never fire on a test digit have no maximum to beat
        ratio = goals.activations[live] / test_max[live]
        report[layer] = {"units": len(test_max), "dead_on_test_set": int((~live).sum()),
                         "min_ratio": round(float(ratio.min()), 3), "median_ratio": round(float(np.median(ratio)), 3),
                         "seconds": round(seconds, 2)}
        assert goals.images.shape == (len(test_max), 28, 28)
        assert goals.images.min() >= 0 and goals.images.max() <= 1  # a fair comparison: real pixel range
        assert ratio.min() > 1.1, f"{layer}: some unit stays near its test-set maximum"
        assert np.median(ratio) > 1.5
    _record(artifacts, "activation_maximisation", report)


def _cli(*args: str) -> subprocess.CompletedProcess:
    """The real command in a fresh process (the error cases run in-process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "explain.cli.atlas", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


@pytest.mark.parametrize("args", [
    ["neighbours", "--index", "10000"],
    ["neighbours", "--index", "seven"],
    ["neighbours", "--index", "1", "--layer", "relu2"],
    ["neighbours", "--index", "1", "--k", "0"],
    ["project", "--layer", "hidden9", "--method", "pca"],
    ["project", "--layer", "logits", "--method", "tsne"],
    ["project", "--layer", "all", "--method", "pca"],
    ["project", "--layer", "logits", "--method", "pca", "--out", "coords.txt"],
])
def test_cli_bad_input_exits_2_with_one_line(args, capsys, tmp_path, monkeypatch):
    from explain.cli.atlas import main

    monkeypatch.chdir(tmp_path)  # a relative --out would land here
    r = run_main(main, args, capsys)
    assert r.one_error_line, r


@pytest.mark.slow
def test_cli_neighbours_json_and_project_csv(tmp_path, capsys):
    from explain.cli.atlas import main

    r = _cli("neighbours", "--index", "0", "--layer", "logits", "--k", "5", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["label"] == 7 and len(out["neighbours"]) == 5 and out["prediction"] == 7
    target = tmp_path / "pca.csv"
    r = run_main(main, ["project", "--layer", "hidden1", "--method", "pca", "--out", str(target)], capsys)
    assert r.code == 0, r.err
    rows = target.read_text().splitlines()
    assert rows[0] == "index,x,y" and len(rows) == 10_001
    meta = json.loads(target.with_name("pca.csv.meta.json").read_text())
    assert meta["method"] == "pca" and len(meta["checkpoint_sha256"]) == 64


@pytest.mark.browser
def test_map_page_opens_clean_in_chromium(new_page, server, artifacts):
    page = new_page(viewport={"width": 1500, "height": 1100})
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(f"{server}/home")  # the first visit pays the imports
    page.get_by_role("heading").first.wait_for(timeout=120_000)
    started = time.perf_counter()
    page.goto(f"{server}/map?layer=hidden2&proj=umap&colour=label&index=8")
    page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
    page.get_by_text("Nearest in hidden 2").wait_for(timeout=120_000)
    seconds = time.perf_counter() - started
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "map.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "map" in page.url and "proj=umap" in page.url
    assert page.get_by_text("UMAP shipped with the bundled model").count() == 1
    # The app-wide favicon (page_icon=":material/search:" in streamlit_app.py) is fetched from
    # Google Fonts on every page; reported to the lead. Anything else this page requests fails here.
    favicon = "materialsymbolsrounded/search/"
    others = [r for r in requests if r.startswith("http") and r.split("/")[2] != server.split("/")[2]
              and favicon not in r]
    assert not others, f"requests to other hosts: {others}"
    _record(artifacts, "map_page_open", {"seconds_to_map_and_neighbours": round(seconds, 2)})
