"""`explain`: the one verb. Validates everything, runs one registered method, measures it."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from explain.context import Context, private_head
from explain.params import Params
from explain.registry import MethodSpec, get_method
from explain.types import Attribution, Contrast, Target
from model.rng import GLOBAL_RNG_LOCK



@dataclass(frozen=True)
class MethodError:
    """What `explain_many` returns for a method that failed; the others still run."""

    method: str
    error: str


def as_input(x: Any) -> torch.Tensor:
    """Check and convert one digit to (1, 1, 28, 28) float32 pixels in [0, 1]."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "fiu":
            raise TypeError(f"input dtype must be numeric, got {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor or numpy array, got {type(x).__name__}")
    if x.dtype not in (torch.float32, torch.float64, torch.float16):
        raise TypeError(f"input must be floating point pixels in [0, 1], got dtype {x.dtype}")
    if x.numel() != 784 or x.shape[-2:] != (28, 28):
        raise ValueError(f"input must be one 28×28 digit, got shape {tuple(x.shape)}")
    x = x.detach().to(torch.float32).reshape(1, 1, 28, 28).clone()
    if not torch.isfinite(x).all():
        raise ValueError("input contains NaN or infinite values")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1e-4 or hi > 1 + 1e-4:
        raise ValueError(
            f"input pixels must be in [0, 1] (got {lo:.3g}..{hi:.3g}); the model normalises itself, "
            "so pass raw pixels, not normalised ones"
        )
    return x.clamp_(0.0, 1.0)


def _check_class(c: Any, what: str) -> int:
    if isinstance(c, bool) or not isinstance(c, int | np.integer) or not 0 <= int(c) <= 9:
        raise ValueError(f"{what} must be a class 0–9, got {c!r}")
    return int(c)


def resolve_target(model: nn.Module, x: torch.Tensor, target: Target) -> tuple[int | Contrast, torch.Tensor]:
    """The concrete target and its head weights (one-hot, or e_a − e_b)."""
    if target is None:
        with torch.no_grad():
            target = int(model(x).argmax(dim=1))
    w = torch.zeros(10)
    if isinstance(target, Contrast):
        a, b = _check_class(target.a, "contrast class a"), _check_class(target.b, "contrast class b")
        if a == b:
            raise ValueError(f"a contrast needs two different classes, got {a} and {b}")
        w[a], w[b] = 1.0, -1.0
        return Contrast(a, b), w
    t = _check_class(target, "target")
    w[t] = 1.0
    return t, w


def _check_model(model: Any) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _params(spec: MethodSpec, params: Params | dict | None) -> Params:
    if params is None or isinstance(params, dict):
        return spec.params.from_dict(params)
    if not isinstance(params, spec.params):
        raise TypeError(f"{spec.name} takes {spec.params.__name__}, got {type(params).__name__}")
    return params


@contextlib.contextmanager
def seeded(seed: int, stochastic: bool) -> Iterator[None]:
    """Seed the global generators for a stochastic method and restore them afterwards."""
    if not stochastic:
        yield
        return
    with GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        np_state, py_state = np.random.get_state(), random.getstate()
        torch.manual_seed(seed)
        np.random.seed(seed % 2**32)
        random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)


def explain(
    model: nn.Module,
    x: Any,
    method: str,
    target: Target = None,
    params: Params | dict | None = None,
    seed: int = 0,
) -> Attribution:
    """Explain one digit with one method. Raises ValueError/TypeError naming any bad argument."""
    spec = get_method(method)
    model = _check_model(model)
    xt = as_input(x)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in 0..2**32-1 (numpy's limit), got {seed!r}")
    seed = int(seed)
    p = _params(spec, params)
    resolved, weights = resolve_target(model, xt, target)
    ctx = Context(f=private_head(model, weights), x=xt, params=p, seed=seed)

    start = time.perf_counter()
    with seeded(seed, spec.stochastic), torch.enable_grad():
        raw = spec.run(ctx)
    runtime_ms = (time.perf_counter() - start) * 1000.0

    values = torch.as_tensor(raw.values).detach().to(torch.float64).reshape(28, 28).numpy().copy()
    if not np.isfinite(values).all():
        raise RuntimeError(f"{method} produced non-finite attributions")
    output = float(ctx.output(xt)[0])
    gap = base_out = None
    if spec.axiom and raw.baselines is not None:
        base_out = float(ctx.output(raw.baselines).mean())
        gap = float(values.sum() - (output - base_out))
    return Attribution(
        values=values, method=spec.name, library=spec.library, target=resolved,
        params=p.to_dict(), seed=seed, runtime_ms=runtime_ms, output=output,
        completeness_gap=gap, baseline_output=base_out, notes=raw.notes,
    )


def explain_all_classes(model: nn.Module, x: Any, method: str, params: Params | dict | None = None,
                        seed: int = 0) -> list[Attribution]:
    """The same method for each of the 10 classes, in class order."""
    return [explain(model, x, method, t, params, seed) for t in range(10)]


def explain_many(model: nn.Module, x: Any, methods: list[str], target: Target = None,
                 params: dict[str, Params | dict] | None = None, seed: int = 0) -> dict[str, Attribution | MethodError]:
    """Several methods on one digit; a failing method becomes a MethodError, the rest still run."""
    out: dict[str, Attribution | MethodError] = {}
    for name in methods:
        try:
            out[name] = explain(model, x, name, target, (params or {}).get(name), seed)
        except Exception as exc:  # noqa: BLE001 - isolate one method's failure from the others
            out[name] = MethodError(name, f"{type(exc).__name__}: {exc}")
    return out
