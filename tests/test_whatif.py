"""What if: counterfactuals and adversarial attacks (issue 15's list of checks)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from explain.whatif.attacks import AttackConfig, accuracy_curve, attack_digit, perturb
from explain.whatif.counterfactual import CounterfactualConfig, counterfactual, nearest_of_class
from tests.cli import run_main
from tests.conftest import ROOT

# (test index, class to reach): a 7, a 2, a 1 and a 0 each turned into another digit.
CASES = [(0, 9), (1, 3), (2, 7), (3, 6)]


@pytest.mark.parametrize("norm", ["l2", "l1"])
@pytest.mark.parametrize("near_strokes", [False, True])
@pytest.mark.slow
def test_counterfactual_is_read_as_c_and_is_closer_than_the_nearest_real_c(model, test_split, train_split, norm,
                                                                         near_strokes):
    for index, c in CASES if (norm, near_strokes) == ("l2", False) else CASES[:2]:
        x = test_split.images[index]
        cf = counterfactual(model, x, CounterfactualConfig(c, norm=norm, near_strokes=near_strokes))
        with torch.no_grad():  # recomputed here, not taken from the result
            p = torch.softmax(model(torch.as_tensor(cf.image, dtype=torch.float32)[None]), 1)[0]
        assert int(p.argmax()) == c and float(p[c]) >= 0.5, (index, c, p.tolist())
        assert cf.success and cf.prediction == c
        assert 0.0 <= cf.image.min() and cf.image.max() <= 1.0
        nearest = nearest_of_class(x, c, train_split.images, train_split.labels)
        assert int(train_split.labels[nearest.index]) == c
        assert np.isclose(nearest.l2, np.linalg.norm(nearest.image - x.numpy()), atol=1e-4)
        assert cf.l2 < nearest.l2, (index, c, cf.l2, nearest.l2)
        if near_strokes:  # nothing changed farther than 2 px from the ink
            far = torch.nn.functional.max_pool2d((x > 0.1).float()[None, None], 5, 1, 2)[0, 0].numpy() == 0
            assert np.abs(cf.difference[far]).max(initial=0.0) == 0.0


def test_nearest_real_digit_is_the_brute_force_minimum(train_split, test_split):
    x = test_split.images[5]
    near = nearest_of_class(x, 4, train_split.images, train_split.labels)
    fours = train_split.images[train_split.labels == 4].reshape(-1, 784).double()
    brute = torch.cdist(x.reshape(1, 784).double(), fours).min()
    assert near.l2 == pytest.approx(float(brute), abs=1e-6)


def test_attack_pixels_stay_in_range_and_the_digit_flips(model, test_split):
    x, y = test_split.images[:64], test_split.labels[:64]
    for cfg, eps in [(AttackConfig("fgsm"), 0.1), (AttackConfig("pgd"), 0.1), (AttackConfig("pgd", "l2"), 2.0)]:
        adv = perturb(model, x, y, eps, cfg)
        assert adv.min() >= 0.0 and adv.max() <= 1.0
        d = (adv - x.reshape(-1, 1, 28, 28)).reshape(64, -1)
        size = d.abs().max(1).values if cfg.norm == "linf" else d.norm(dim=1)
        assert float(size.max()) <= eps + 1e-5
    one = attack_digit(model, test_split.images[0], 0.2, AttackConfig("pgd"))
    assert one.flipped and one.prediction != one.label


@pytest.fixture(scope="module")
def curves_500(model, test_split):
    x, y = test_split.images[:500], test_split.labels[:500]
    eps = [0.0, 0.05, 0.1, 0.2]
    return {a: accuracy_curve(model, x, y, eps, AttackConfig(a)) for a in ("fgsm", "pgd")}


@pytest.mark.slow
def test_accuracy_never_rises_with_eps(curves_500, model, test_split):
    for curve in curves_500.values():
        assert curve.n == 500 and curve.eps == sorted(curve.eps)
        assert all(b <= a for a, b in zip(curve.accuracy, curve.accuracy[1:])), curve.accuracy
        assert curve.accuracy[-1] < curve.accuracy[0] - 0.3  # the attack really attacks
    with torch.no_grad():  # ε = 0 is the clean accuracy
        clean = float((model(test_split.images[:500]).argmax(1) == test_split.labels[:500]).float().mean())
    assert curves_500["pgd"].accuracy[0] == pytest.approx(clean)
    l2 = accuracy_curve(model, test_split.images[:200], test_split.labels[:200], [0, 1, 2, 3], AttackConfig("pgd", "l2"))
    assert all(b <= a for a, b in zip(l2.accuracy, l2.accuracy[1:])), l2.accuracy


def test_pgd_is_at_least_as_strong_as_fgsm_on_500_digits(curves_500):
    fgsm, pgd = curves_500["fgsm"], curves_500["pgd"]
    assert fgsm.eps == pgd.eps
    for e, a_f, a_p in zip(fgsm.eps, fgsm.accuracy, pgd.accuracy, strict=True):
        assert a_p <= a_f, f"PGD weaker than FGSM at eps {e}: {a_p} > {a_f}"


def test_seeded_runs_repeat_exactly(model, test_split):
    x = test_split.images[1]
    a = counterfactual(model, x, CounterfactualConfig(3, norm="l1", seed=7))
    b = counterfactual(model, x, CounterfactualConfig(3, norm="l1", seed=7))
    assert np.array_equal(a.image, b.image)
    xs, ys = test_split.images[:32], test_split.labels[:32]
    p1 = perturb(model, xs, ys, 0.1, AttackConfig("pgd", seed=3))
    p2 = perturb(model, xs, ys, 0.1, AttackConfig("pgd", seed=3))
    p3 = perturb(model, xs, ys, 0.1, AttackConfig("pgd", seed=4))
    assert torch.equal(p1, p2) and not torch.equal(p1, p3)  # the seed is really used


@pytest.mark.parametrize("bad", [10, -1, 3.0, True, "9"])
def test_bad_classes_are_refused(model, test_split, bad):
    with pytest.raises(ValueError, match="target class"):
        counterfactual(model, test_split.images[0], CounterfactualConfig(bad))


@pytest.mark.parametrize("eps", [-0.1, 1.5, float("nan"), "0.1", True])
def test_bad_eps_are_refused(model, test_split, eps):
    with pytest.raises(ValueError, match="eps"):
        perturb(model, test_split.images[:2], test_split.labels[:2], eps, AttackConfig("fgsm"))


def _cli(*args: str) -> subprocess.CompletedProcess:
    """The real command in a fresh process (as a user runs it)."""
    return subprocess.run([sys.executable, "-m", "explain.cli.whatif", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("args", [
    ["counterfactual", "--index", "10000", "--to", "3"], ["counterfactual", "--index", "-1", "--to", "3"],
    ["counterfactual", "--index", "x", "--to", "3"], ["counterfactual", "--index", "0", "--to", "12"],
    ["counterfactual", "--index", "0", "--to", "3", "--norm", "linf"],
    ["attack", "--attack", "pgd", "--eps", "0,-0.1"], ["attack", "--attack", "fgsm", "--eps", "abc"],
    ["attack", "--attack", "fgsm", "--norm", "l2"], ["attack", "--attack", "cw"],
    ["attack", "--attack", "pgd", "--n", "20000"],
])
def test_cli_refuses_bad_input_with_one_line(args, capsys):
    from explain.cli.whatif import main

    assert main(args) == 2  # in-process: a subprocess per case would cost seconds of imports each
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert out == ""


@pytest.mark.slow
def test_cli_json_outputs(model, test_split, capsys):
    from explain.cli.whatif import main

    r = _cli("counterfactual", "--index", "0", "--to", "9", "--json")  # as a user runs it
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    img = np.array(out["image"])
    assert img.shape == (28, 28) and img.min() >= 0 and img.max() <= 1
    with torch.no_grad():
        p = torch.softmax(model(torch.as_tensor(img, dtype=torch.float32)[None]), 1)[0]
    assert out["prediction"] == int(p.argmax()) == 9 and out["probability"] == pytest.approx(float(p[9]), abs=1e-5)
    assert out["l2"] < out["nearest_real_l2"] and out["changed_pixels"] > 0 and out["runtime_ms"] > 0
    assert {"l1"} <= set(out)
    r = run_main(main, ["attack", "--attack", "pgd", "--eps", "0,0.1", "--n", "100", "--json"], capsys)
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["attack"] == "pgd" and out["eps"] == [0.0, 0.1] and out["n"] == 100
    assert len(out["accuracy"]) == 2 and out["accuracy"][1] < out["accuracy"][0]
