"""The explainer API: registry, validation, determinism, isolation of failures and of hooks."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from explain import Contrast, MethodError, explain, explain_all_classes, explain_many, method_names, methods, warm_up
from explain.params import NoParams
from explain.registry import _REGISTRY, MethodSpec
from tests.cli import run_main


def hook_state(model: torch.nn.Module) -> list:
    """Every hook dict and attribute name on every module: must be unchanged by any call."""
    return [
        (name, len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks),
         len(getattr(m, "_backward_pre_hooks", {})), sorted(vars(m)))
        for name, m in model.named_modules()
    ]


def test_registry_has_all_libraries_and_families():
    specs = methods()
    assert [s.name for s in specs] == method_names() and len(set(method_names())) == len(specs)
    assert {s.library for s in specs} == {"captum", "shap", "lime"}
    assert {s.family for s in specs} == {"gradient", "path", "perturbation", "Shapley", "surrogate", "relevance"}
    for s in specs:
        d = s.describe()
        assert d["display"] and [p["name"] for p in d["params"]] == [f.name for f in dataclasses.fields(s.params)]
        for p in d["params"]:  # each declared default lies inside its own declared bounds
            assert p["help"], (s.name, p["name"])
            assert p["choices"] is None or p["default"] in p["choices"], (s.name, p)
            assert p["lo"] is None or p["lo"] <= p["default"] <= p["hi"], (s.name, p)
        s.params()  # defaults validate


def test_cli_list_json(capsys):
    from explain.cli.main import main

    out = run_main(main, ["list", "--json"], capsys)
    assert out.code == 0, out.err
    rows = json.loads(out.out)
    assert [r["name"] for r in rows] == method_names() and {"name", "library", "family", "stochastic"} <= set(rows[0])


@pytest.mark.slow
def test_cli_run_all_methods_finite():
    """The real `python -m explain` in a fresh process (the other CLI tests run in-process)."""
    out = subprocess.run([sys.executable, "-m", "explain", "run", "--index", "0", "--method", "all", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)["results"]
    assert [r["method"] for r in res] == method_names()
    for r in res:
        v = np.asarray(r["values"])
        assert v.shape == (28, 28) and np.isfinite(v).all(), r["method"]
        assert r["target"] == 7 and r["runtime_ms"] > 0 and "completeness_gap" in r and r["library"]


def test_every_method_returns_a_finite_map(model, test_split):
    x = test_split.images[3]
    results = explain_many(model, x, [m.name for m in methods()], target=0)
    for name, r in results.items():
        assert not isinstance(r, MethodError), r
        assert r.values.shape == (28, 28) and np.isfinite(r.values).all()
        assert r.target == 0 and np.abs(r.values).sum() > 0, name


@pytest.mark.parametrize("spec", [s for s in methods() if s.stochastic], ids=lambda s: s.name)
def test_seeded_determinism(model, test_split, spec):
    x = test_split.images[11]
    a = explain(model, x, spec.name, seed=1)
    b = explain(model, x, spec.name, seed=1)
    c = explain(model, x, spec.name, seed=2)
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(method="nope"), "unknown method 'nope'"),
        (dict(method="saliency", target=10), "target must be a class 0–9"),
        (dict(method="saliency", target=True), "target"),
        (dict(method="saliency", target=Contrast(3, 3)), "two different classes"),
        (dict(method="integrated_gradients", params={"steps": 0}), r"steps must be in \[4, 1024\]"),
        (dict(method="integrated_gradients", params={"baseline": "grey"}), "baseline must be one of"),
        (dict(method="occlusion", params={"windw": 3}), "unknown parameter"),
        (dict(method="saliency", seed=-1), "seed"),
    ],
)
def test_bad_arguments_raise_value_error(model, test_split, kwargs, message):
    with pytest.raises(ValueError, match=message):
        explain(model, test_split.images[0], **kwargs)


@pytest.mark.parametrize(
    "x, error, message",
    [
        (torch.zeros(27, 28), ValueError, "28×28"),
        (torch.zeros(2, 28, 28), ValueError, "28×28"),
        (torch.full((28, 28), float("nan")), ValueError, "NaN"),
        (torch.zeros(28, 28, dtype=torch.int64), TypeError, "floating point"),
        (torch.full((28, 28), 3.0), ValueError, "raw pixels"),
        ("a digit", TypeError, "torch.Tensor"),
    ],
)
def test_bad_inputs(model, x, error, message):
    with pytest.raises(error, match=message):
        explain(model, x, "saliency")


def test_failing_method_is_isolated_and_leaves_no_hooks(model, test_split, monkeypatch):
    from captum.attr import DeepLift

    def boom(ctx):
        # Captum sets its hooks, then fails on a target the head does not have.
        DeepLift(ctx.f).attribute(ctx.x.clone().requires_grad_(True), target=5)

    monkeypatch.setitem(_REGISTRY, "boom", MethodSpec("boom", "Boom", "captum", "relevance", False, NoParams, boom))
    before = hook_state(model)
    out = explain_many(model, test_split.images[0], ["saliency", "boom", "deeplift"])
    assert isinstance(out["boom"], MethodError) and "boom" == out["boom"].method
    assert not isinstance(out["saliency"], MethodError) and not isinstance(out["deeplift"], MethodError)
    assert hook_state(model) == before


def test_shared_model_untouched_by_every_method(model, test_split):
    before = hook_state(model)
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    explain_many(model, test_split.images[5], [m.name for m in methods()])
    assert hook_state(model) == before
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in weights.items())


@pytest.mark.slow
def test_eight_threads_match_serial(model, test_split):
    names = ["saliency", "integrated_gradients", "deeplift", "guided_backprop", "lrp", "gradient_shap",
             "smoothgrad", "shap_deep", "lime_image", "occlusion"]
    digits = list(range(20, 28))
    serial = {i: explain_many(model, test_split.images[i], names, seed=i) for i in digits}
    parallel: dict[int, dict] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            parallel[i] = explain_many(model, test_split.images[i], names, seed=i)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in digits]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors
    for i in digits:
        for n in names:
            assert np.array_equal(serial[i][n].values, parallel[i][n].values), (i, n)


def test_all_classes_and_contrast(model, test_split):
    x = test_split.images[0]
    per_class = explain_all_classes(model, x, "deeplift")
    assert [a.target for a in per_class] == list(range(10))
    with torch.no_grad():
        logits = model(x[None])[0] - model(torch.zeros(1, 28, 28))[0]
    for t, a in enumerate(per_class):
        assert a.values.sum() == pytest.approx(float(logits[t]), rel=1e-4, abs=1e-4)
    # DeepLift is linear in the explained output: (a vs b) = a − b.
    c = explain(model, x, "deeplift", target=Contrast(7, 9))
    assert c.target == Contrast(7, 9)
    np.testing.assert_allclose(c.values, per_class[7].values - per_class[9].values, atol=1e-5)


def test_warm_up_runs_every_method(model):
    times = warm_up(model)
    assert set(times) == {m.name for m in methods()} and all(t > 0 for t in times.values())


def test_replicate_knows_every_private_registry_of_nn_module():
    """`replicate` writes nn.Module's private dictionaries directly (fastest safe copy); a torch
    upgrade that renames or adds one must fail here, loudly, not silently share hooks."""
    import torch

    from explain.context import replicate

    layer = torch.nn.Linear(3, 2)
    handle = layer.register_forward_hook(lambda *a: None)
    known = {"_parameters", "_buffers", "_modules"}
    assert known <= set(vars(layer)), "nn.Module's private dictionaries were renamed"
    hook_dicts = {k for k, v in vars(layer).items() if "hook" in k and isinstance(v, dict | set)}
    assert "_forward_hooks" in hook_dicts and len(hook_dicts) >= 8, sorted(hook_dicts)
    clone = replicate(layer)
    assert all(len(getattr(clone, k)) == 0 for k in hook_dicts), "a hook registry was shared with the copy"
    assert clone.weight is not layer.weight and torch.equal(clone.weight, layer.weight)
    assert clone._modules is not layer._modules and clone._parameters is not layer._parameters
    handle.remove()


def test_renamed_public_names_keep_deprecated_aliases():
    import explain

    with pytest.warns(DeprecationWarning, match="drawing_methods"):
        assert explain.fast_methods() == explain.drawing_methods()
    with pytest.warns(DeprecationWarning, match="preview_params"):
        assert explain.quick_params("occlusion") == explain.preview_params("occlusion")


def test_explain_metrics_is_a_deprecated_alias_of_the_moved_package(monkeypatch):
    """README's API said `from explain.metrics import …` until 0.3.0: it still works, warns, and gives the very
    objects of explain.evaluation.metrics (isinstance and registries see one class), submodules included."""
    from explain.evaluation import metrics as moved
    from explain.evaluation.metrics import road

    for name in [m for m in sys.modules if m == "explain.metrics" or m.startswith("explain.metrics.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.warns(DeprecationWarning, match="explain.evaluation.metrics") as caught:
        import explain.metrics as alias
    assert caught[0].filename == __file__  # attributed to the import, not to importlib
    assert alias.__all__ == moved.__all__
    assert all(getattr(alias, name) is getattr(moved, name) for name in moved.__all__)
    from explain.metrics.road import RoadMoRF

    assert RoadMoRF is road.RoadMoRF and sys.modules["explain.metrics.faithfulness"] is moved.faithfulness


def test_the_readme_api_example_imports_current_names():
    """Its imports in a fresh interpreter, where a deprecation warning attributed to them is an error."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    block = readme.split("## Python API", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    imports = "\n".join(line for line in block.splitlines() if line.startswith(("import ", "from ")))
    assert "from explain" in imports
    out = subprocess.run([sys.executable, "-W", "error::DeprecationWarning:__main__", "-c", imports],
                         cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
