"""TCAV (Kim et al. 2018) with `captum.concept`: does a concept, given as examples, push the model's
classes up? Per hidden layer and class: the share of test digits of that class whose class logit grows
along the concept's activation vector (CAV), over runs against `n_random` random concepts (random
training digits), and a two-sided t-test of those scores against random-vs-random ones, as in the paper.
The null pairs every random concept with the next one, so each random-vs-random run scores another random
concept: pairing one fixed random concept with all the others (as the paper's code does) made the null's
mean that one concept's bias, tight enough that a CAV at chance accuracy came out "significant".

Captum trains the CAVs (its DefaultClassifier, sklearn SGD) and caches activations and CAVs on disk
keyed by `model_id` and concept id. Both ids here carry digests (of the weights; of each concept's
examples) and every call writes into its own temporary folder: a redrawn concept or another model can
never be answered from a stale CAV, and nothing is left behind. The directional derivatives are computed
once per layer for every class's digits together (captum's per-class `interpret` would redo them per
class and set); `tests/test_tcav.py` checks they equal captum's own scores.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from scipy.stats import ttest_ind
from torch import nn
from torch.utils.data import DataLoader

from explain.context import private_model
from explain.core import as_batch
from explain.stopping import ShouldStop, Stopped, stopped
from model.constants import N_CLASSES
from model.data import Split
from model.digests import weights_sha256
from model.network import MLP, hidden_name, module_of

ALPHA = 0.05  # family-wise significance level: each test is held to ALPHA / (layers × classes tested)
MAX_EXAMPLES = 500
Progress = Callable[[float, str], None]  # (fraction done, what is being done) between units of work


def corrected_alpha(n_tests: int) -> float:
    """Bonferroni: the level each of `n_tests` t-tests (layers × classes) must pass so that the chance of any
    false positive among them stays below ALPHA. Uncorrected, 20 tests at 0.05 find one by chance alone."""
    if isinstance(n_tests, bool) or not isinstance(n_tests, int) or n_tests < 1:
        raise ValueError(f"n_tests must be a positive integer, got {n_tests!r}")
    return ALPHA / n_tests


@dataclass(frozen=True)
class TcavConfig:
    layers: tuple[str, ...] = ("hidden1", "hidden2")
    classes: tuple[int, ...] = tuple(range(N_CLASSES))
    n_random: int = 10  # random concepts compared against (the random-vs-random runs pair them with each other)
    seed: int = 0
    per_class: int = 50  # test digits of each class whose logit is differentiated

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError("layers must name at least one hidden layer")
        for c in self.classes:
            if isinstance(c, bool) or not isinstance(c, int | np.integer) or not 0 <= c < N_CLASSES:
                raise ValueError(f"classes must be digits 0–9, got {c!r}")
        if isinstance(self.n_random, bool) or not isinstance(self.n_random, int) or not 2 <= self.n_random <= 50:
            raise ValueError(f"n_random must be an integer in 2..50, got {self.n_random!r}")
        if not isinstance(self.per_class, int) or not 5 <= self.per_class <= 500:
            raise ValueError(f"per_class must be an integer in 5..500, got {self.per_class!r}")


@dataclass(frozen=True)
class TcavRow:
    layer: str
    cls: int
    score: float  # mean TCAV score (share of the class's digits pushed up) over the runs against random concepts
    spread: float  # standard deviation of that score over the runs
    random_score: float  # mean of the random-vs-random scores (the null)
    p_value: float
    # p below the Bonferroni-corrected level (TcavResult.alpha), not the raw ALPHA, and the layer's CAV above chance
    significant: bool
    cav_accuracy: float  # held-out accuracy of the concept-vs-random classifiers, mean over runs
    random_cav_accuracy: float  # the same for the random-vs-random classifiers: chance, measured
    cav_above_chance: bool  # cav_accuracy above random_cav_accuracy (one-sided Welch t-test, p < ALPHA)
    runs: tuple[float, ...] = ()

    def to_dict(self) -> dict:
        out = asdict(self)
        out["class"] = out.pop("cls")
        out["runs"] = list(self.runs)
        return out


@dataclass
class TcavResult:
    rows: list[TcavRow] = field(default_factory=list)
    n_examples: int = 0
    n_random: int = 0
    model_id: str = ""
    concept_id: str = ""  # the digest of the concept's examples
    seconds: float = 0.0
    alpha: float = ALPHA  # the corrected level each row's p-value was held to (ALPHA / rows)
    # Per layer, the CAV made visible: d(activation · mean CAV)/d pixel, averaged over the concept's examples and
    # divided by its largest |value| (784 numbers; red: pixels whose ink moves the layer towards the concept).
    pixels: dict[str, list[float]] = field(default_factory=dict)

    def row(self, layer: str, cls: int) -> TcavRow:
        for r in self.rows:
            if r.layer == layer and r.cls == cls:
                return r
        raise ValueError(f"no TCAV row for layer {layer!r}, class {cls}")

    def to_dict(self) -> dict:
        return {"rows": [r.to_dict() for r in self.rows], "n_examples": self.n_examples, "n_random": self.n_random,
                "model_id": self.model_id, "concept_id": self.concept_id, "seconds": self.seconds,
                "alpha": self.alpha, "pixels": self.pixels}


def examples_digest(x: torch.Tensor) -> str:
    """The digest of a concept's examples: other examples, another digest."""
    return hashlib.sha256(np.ascontiguousarray(x.numpy(), dtype=np.float32).tobytes()).hexdigest()[:16]


def _concept(k: int, x: torch.Tensor, name: str):
    """Captum's ids are small ints (its classifier keeps them as floats: a digest-sized id comes back
    rounded); the digests go into the name (captum's activation files) and the model id (its CAV files)."""
    from captum.concept import Concept

    return Concept(k, f"{name}-{examples_digest(x)}", DataLoader(x, batch_size=len(x)))


def _p_value(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided t-test (as the paper); two constant samples: 0 if they differ, else 1."""
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return 0.0 if a[0] != b[0] else 1.0
    with np.errstate(all="ignore"), warnings.catch_warnings(action="ignore", category=RuntimeWarning):
        return float(ttest_ind(a, b).pvalue)


def above_chance(accs: np.ndarray, null_accs: np.ndarray) -> bool:
    """Is the concept told apart from random digits better than random digits from each other? A CAV at
    chance accuracy is a direction fitted to noise: its TCAV scores can still differ from the null (the
    concept runs share the concept), but there is no concept direction to test. One-sided Welch t-test."""
    if np.ptp(accs) == 0 and np.ptp(null_accs) == 0:
        return bool(accs[0] > null_accs[0])
    with np.errstate(all="ignore"), warnings.catch_warnings(action="ignore", category=RuntimeWarning):
        return bool(ttest_ind(accs, null_accs, equal_var=False, alternative="greater").pvalue < ALPHA)


def cav_classifier(seed: int):
    """A captum `Classifier`: logistic regression on a seeded, stratified 2:1 split. Captum's default (SGD
    from its own wrapper, shuffled by the global `random`) reached held-out accuracies near 0.5 on concepts a
    line separates perfectly here; this one is deterministic and draws no global random numbers."""
    from captum.concept._utils.classifier import Classifier
    from sklearn.linear_model import LogisticRegression

    class LogisticCAV(Classifier):
        def __init__(self) -> None:
            # lbfgs took 0.6 s a fit here, liblinear milliseconds; its random_state keeps numpy's global one untouched.
            self.lm = LogisticRegression(C=1.0, solver="liblinear", random_state=seed)

        def train_and_eval(self, dataloader, test_split_ratio: float = 0.33, **kwargs) -> dict:
            xs, ys = zip(*dataloader, strict=True)
            x, y = torch.cat(xs).double().numpy(), torch.cat(ys).numpy()
            rng = np.random.default_rng(seed)
            test = np.zeros(len(y), bool)
            for label in np.unique(y):  # the same share of each concept held out
                own = rng.permutation(np.flatnonzero(y == label))
                test[own[: int(round(test_split_ratio * len(own)))]] = True
            self.lm.fit(x[~test], y[~test])
            return {"accs": torch.tensor(float((self.lm.predict(x[test]) == y[test]).mean()))}

        def weights(self) -> torch.Tensor:
            w = torch.from_numpy(self.lm.coef_).float()
            return torch.stack([-w[0], w[0]]) if w.shape[0] == 1 else w

        def classes(self) -> list[int]:
            return [int(c) for c in self.lm.classes_]

    return LogisticCAV()


def class_inputs(test: Split, classes: tuple[int, ...], per_class: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`per_class` seeded test digits of each class → (digits, their class)."""
    gen = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for c in classes:
        own = torch.nonzero(test.labels == c).reshape(-1)
        pick = own[torch.randperm(len(own), generator=gen)[:per_class]]
        xs.append(test.images[pick])
        ys.append(torch.full((len(pick),), c))
    return torch.cat(xs), torch.cat(ys)


def random_concepts(train: Split, n: int, size: int, seed: int) -> list[torch.Tensor]:
    """n sets of `size` random training digits, seeded."""
    gen = torch.Generator().manual_seed(seed + 1)
    return [train.images[torch.randperm(len(train), generator=gen)[:size]].reshape(-1, 1, 28, 28) for _ in range(n)]


def _layer_grads(replica: nn.Module, x: torch.Tensor, targets: torch.Tensor, module: nn.Module) -> torch.Tensor:
    """d logit[target] / d layer activation, for every digit in one batched call (TCAV's default)."""
    from captum.attr import LayerGradientXActivation

    grads = LayerGradientXActivation(replica, module, multiply_by_inputs=False).attribute(x, target=targets.tolist())
    return grads.reshape(len(x), -1).detach()


def _unit(cav, concept_id: int) -> torch.Tensor:
    """The CAV's weight row of the concept, of length 1 (runs then average as directions, not magnitudes)."""
    row = list(np.asarray(cav.stats["classes"])).index(concept_id)
    w = cav.stats["weights"][row].double()
    return w / w.norm().clamp_min(1e-12)


def cav_pixels(replica: nn.Module, module: str, direction: torch.Tensor, x: torch.Tensor) -> list[float]:
    """d(layer activation · direction)/d pixel, averaged over `x` and scaled to max |value| 1 (one batched
    backward pass, on the private replica)."""
    x = x.detach().clone().requires_grad_(True)
    acts: list[torch.Tensor] = []
    handle = replica.get_submodule(module).register_forward_hook(lambda _m, _i, out: acts.append(out))
    try:
        replica(x)
    finally:
        handle.remove()
    (acts[0].reshape(len(x), -1).double() @ direction).sum().backward()
    g = x.grad.reshape(len(x), -1).double().mean(dim=0)
    g = g / g.abs().max().clamp_min(1e-12)
    return [round(float(v), 5) for v in g]


def tcav(model: nn.Module, concept_examples, layers: tuple[str, ...] | list[str] = ("hidden1", "hidden2"),
         classes: tuple[int, ...] | list[int] = tuple(range(N_CLASSES)), n_random: int = 10, seed: int = 0,
         per_class: int = 50, test: Split | None = None, train: Split | None = None,
         progress: Progress | None = None, should_stop: ShouldStop | None = None) -> TcavResult:
    """TCAV scores, p-values and CAV accuracies of one concept for every (layer, class).

    `concept_examples`: (N, 28, 28) or (N, 1, 28, 28) pixels in [0, 1], 5 ≤ N ≤ 500. `progress(fraction, text)`
    is called before each unit of work (one CAV pair on every layer, then each layer's scores) and
    `should_stop()` asked right after; once it says stop, `explain.stopping.Stopped` is raised with no partial
    result (a test against fewer random concepts is another test, not part of this one)."""
    from captum.concept import TCAV

    from model.data import load_mnist

    start = time.perf_counter()
    config = TcavConfig(tuple(layers), tuple(int(c) for c in classes), n_random, seed, per_class)
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a Digit Lens MLP (its hidden layers are named), got {type(model).__name__}")
    x_concept = as_batch(concept_examples)
    if not 5 <= len(x_concept) <= MAX_EXAMPLES:
        raise ValueError(f"a concept needs 5 to {MAX_EXAMPLES} examples, got {len(x_concept)}")
    names = [hidden_name(i) for i in range(1, len(model.config.hidden) + 1)]
    bad = [layer for layer in config.layers if layer not in names]
    if bad:
        raise ValueError(f"layers must be among {names}, got {bad}")
    test, train = test or load_mnist(train=False), train or load_mnist(train=True)
    replica = private_model(model)
    replica.requires_grad_(False)
    randoms = random_concepts(train, config.n_random, len(x_concept), config.seed)
    concept = _concept(0, x_concept, "concept")
    rnd = [_concept(i + 1, r, f"random{i}") for i, r in enumerate(randoms)]
    # Captum keys its CAV files by model id and concept ids: the id names the weights and every concept's examples.
    everything = hashlib.sha256("".join(c.name for c in (concept, *rnd)).encode()).hexdigest()[:16]
    model_id = f"mlp-{weights_sha256(model)[:16]}-{everything}"
    if len({c.name for c in (concept, *rnd)}) != len(rnd) + 1:
        raise ValueError("the concept's examples are the same digits as a random concept's; give other examples")
    vs_concept = [[concept, r] for r in rnd]
    vs_random = [[r, rnd[(i + 1) % len(rnd)]] for i, r in enumerate(rnd)]  # each run scores another random concept
    modules = {layer: f"net.{module_of(layer)}" for layer in config.layers}
    x_in, y_in = class_inputs(test, config.classes, config.per_class, config.seed)

    sets = vs_concept + vs_random
    n_units = len(sets) + len(modules)

    def step(done: int, text: str) -> None:
        if progress is not None:
            progress(done / n_units, text)
        if stopped(should_stop):
            raise Stopped(None)

    cavs: dict = {}
    with tempfile.TemporaryDirectory(prefix="digit-lens-tcav-") as folder:
        tc = TCAV(replica, layers=list(modules.values()), model_id=model_id, classifier=cav_classifier(config.seed),
                  save_path=folder + "/")
        # One pair at a time (captum reuses each concept's activations from the folder): a place to stop between.
        for k, pair in enumerate(sets):
            vs = "the concept" if k < len(vs_concept) else "a random concept"
            step(k, f"{vs} against random concept {k % len(vs_concept) + 1} of {len(vs_concept)}")
            cavs.update(tc.compute_cavs([pair]))
    from captum.concept._utils.common import concepts_to_str

    result = TcavResult(n_examples=len(x_concept), n_random=config.n_random, model_id=model_id,
                        concept_id=examples_digest(x_concept),
                        alpha=corrected_alpha(len(modules) * len(config.classes)))
    for j, (layer, module) in enumerate(modules.items()):
        step(len(sets) + j, f"scores on {layer}")
        grads = _layer_grads(replica, x_in, y_in, replica.get_submodule(module)).double()

        def scores(sets) -> tuple[np.ndarray, np.ndarray]:
            """(runs, classes) TCAV scores of each set's first concept, and each run's CAV accuracy."""
            out, accs = [], []
            for s in sets:
                cav = cavs[concepts_to_str(s)][module]
                row = list(np.asarray(cav.stats["classes"])).index(s[0].id)
                direction = cav.stats["weights"][row].double()
                up = (grads @ direction > 0).double()
                out.append([float(up[y_in == c].mean()) for c in config.classes])
                accs.append(float(cav.stats["accs"]))
            return np.array(out), np.array(accs)

        mean_cav = torch.stack([_unit(cavs[concepts_to_str(s)][module], s[0].id) for s in vs_concept]).mean(dim=0)
        result.pixels[layer] = cav_pixels(replica, module, mean_cav, x_concept)
        conc, accs = scores(vs_concept)
        null, null_accs = scores(vs_random)
        separable = above_chance(accs, null_accs)
        for k, c in enumerate(config.classes):
            p = _p_value(conc[:, k], null[:, k])
            result.rows.append(TcavRow(layer, c, float(conc[:, k].mean()), float(conc[:, k].std()),
                                       float(null[:, k].mean()), p, bool(p < result.alpha and separable),
                                       float(accs.mean()), float(null_accs.mean()), separable,
                                       tuple(float(v) for v in conc[:, k])))
    result.seconds = time.perf_counter() - start
    return result
