"""`explain_batch`: the one verb. Validates everything, runs one registered method over N digits,
measures it. `explain` is its N = 1 case: one code path for one digit and for ten thousand."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from explain.context import Context, Raw, head_on, private_model
from explain.params import Params
from explain.registry import MethodSpec, get_method
from explain.types import Attribution, BatchAttribution, Contrast, Target
from model.network import IMAGE_SIDE, N_CLASSES, N_PIXELS
from model.rng import GLOBAL_RNG_LOCK

Targets = Target | Sequence[int | Contrast]


@dataclass(frozen=True)
class MethodError:
    """What `explain_many` returns for a method that failed; the others still run."""

    method: str
    error: str


def as_batch(x: Any) -> torch.Tensor:
    """Check and convert N digits, (N, 1, 28, 28) or (N, 28, 28), to float32 pixels in [0, 1]."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "fiu":
            raise TypeError(f"input dtype must be numeric, got {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor or numpy array, got {type(x).__name__}")
    if x.dtype not in (torch.float32, torch.float64, torch.float16):
        raise TypeError(f"input must be floating point pixels in [0, 1], got dtype {x.dtype}")
    side = (IMAGE_SIDE, IMAGE_SIDE)
    if x.ndim not in (3, 4) or x.shape[-2:] != side or (x.ndim == 4 and x.shape[1] != 1) or x.shape[0] == 0:
        raise ValueError(f"input must be N digits of shape (N, 1, 28, 28) or (N, 28, 28), got {tuple(x.shape)}")
    x = x.detach().to(torch.float32).reshape(-1, 1, *side).clone()
    if not torch.isfinite(x).all():
        raise ValueError("input contains NaN or infinite values")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1e-4 or hi > 1 + 1e-4:
        raise ValueError(
            f"input pixels must be in [0, 1] (got {lo:.3g}..{hi:.3g}); the model normalises itself, "
            "so pass raw pixels, not normalised ones"
        )
    return x.clamp_(0.0, 1.0)


def as_input(x: Any) -> torch.Tensor:
    """Check and convert one digit to (1, 1, 28, 28) float32 pixels in [0, 1]."""
    if isinstance(x, np.ndarray | torch.Tensor) and (x.size if isinstance(x, np.ndarray) else x.numel()) != N_PIXELS:
        raise ValueError(f"input must be one 28×28 digit, got shape {tuple(x.shape)}")
    return as_batch(x.reshape(1, IMAGE_SIDE, IMAGE_SIDE) if isinstance(x, np.ndarray | torch.Tensor) else x)


def _check_class(c: Any, what: str) -> int:
    if isinstance(c, bool) or not isinstance(c, int | np.integer) or not 0 <= int(c) < N_CLASSES:
        raise ValueError(f"{what} must be a class 0–9, got {c!r}")
    return int(c)


def _one_target(target: int | Contrast, predicted: int) -> tuple[int | Contrast, torch.Tensor]:
    """The concrete target and its head row (one-hot, or e_a − e_b)."""
    w = torch.zeros(N_CLASSES)
    if target is None:
        target = predicted
    if isinstance(target, Contrast):
        a, b = _check_class(target.a, "contrast class a"), _check_class(target.b, "contrast class b")
        if a == b:
            raise ValueError(f"a contrast needs two different classes, got {a} and {b}")
        w[a], w[b] = 1.0, -1.0
        return Contrast(a, b), w
    t = _check_class(target, "target")
    w[t] = 1.0
    return t, w


def resolve_targets(logits: torch.Tensor, targets: Targets) -> tuple[list[int | Contrast], torch.Tensor]:
    """Each digit's concrete target and head row (N, 10), from the logits of the model explained."""
    n = logits.shape[0]
    predicted = logits.argmax(dim=1).tolist()
    if targets is None or isinstance(targets, int | np.integer | Contrast) and not isinstance(targets, bool):
        per_digit: Sequence = [targets] * n
    elif isinstance(targets, Sequence | np.ndarray | torch.Tensor) and not isinstance(targets, str):
        per_digit = list(targets.tolist() if isinstance(targets, np.ndarray | torch.Tensor) else targets)
        if len(per_digit) != n:
            raise ValueError(f"targets must name one target per digit: got {len(per_digit)} for {n} digits")
    else:
        raise ValueError(f"target must be None, a class 0–9, a Contrast, or one of those per digit; got {targets!r}")
    if all(t is None or isinstance(t, int | np.integer) and not isinstance(t, bool) for t in per_digit):
        # Classes only (the common case, and ten thousand of them): one vectorised one-hot.
        classes = [p if t is None else int(t) for t, p in zip(per_digit, predicted, strict=True)]
        bad = [c for c in classes if not 0 <= c < N_CLASSES]
        if bad:
            raise ValueError(f"target must be a class 0–9, got {bad[0]!r}")
        return classes, torch.nn.functional.one_hot(torch.tensor(classes), N_CLASSES).float()
    resolved = [_one_target(t, p) for t, p in zip(per_digit, predicted, strict=True)]
    return [r[0] for r in resolved], torch.stack([r[1] for r in resolved])


def resolve_target(model: nn.Module, x: torch.Tensor, target: Target) -> tuple[int | Contrast, torch.Tensor]:
    """One digit's concrete target and head row, predicted by `model` when `target` is None."""
    with torch.no_grad():
        logits = model(x)
    names, rows = resolve_targets(logits, target)
    return names[0], rows[0]


def check_model(model: Any) -> nn.Module:
    """A float32 module that maps (N, 1, 28, 28) pixels to (N, 10) logits, or a clean error."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for name, p in model.named_parameters():
        if p.dtype != torch.float32:
            raise TypeError(f"model weights must be float32; parameter {name!r} is {p.dtype} (call model.float())")
    return model


def _logits(replica: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        try:
            out = replica(x)
        except RuntimeError as exc:
            raise ValueError(f"the model cannot take (N, 1, 28, 28) digits: {exc}") from None
    if not isinstance(out, torch.Tensor) or out.shape != (x.shape[0], N_CLASSES):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"the model must output {N_CLASSES} class logits per digit, got {shape}")
    if not torch.isfinite(out).all():
        raise ValueError("the model's outputs are NaN or infinite on these digits")
    return out


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in 0..2**32-1 (numpy's limit), got {seed!r}")
    return int(seed)


def _params(spec: MethodSpec, params: Params | dict | None) -> Params:
    if params is None or isinstance(params, dict):
        return spec.params.from_dict(params)
    if type(params) is not spec.params:  # a subclass would carry parameters this method does not take
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


def _reference_outputs(ctx: Context, raw: Raw) -> torch.Tensor:
    """f(reference) per digit: the mean over a shared set, or each digit's own reference."""
    refs = raw.references
    if raw.shared:
        return ctx.f(refs).mean(dim=0)[ctx.target].detach()
    return ctx.output(refs.reshape(ctx.n, 1, IMAGE_SIDE, IMAGE_SIDE))


def _run(spec: MethodSpec, ctx: Context) -> tuple[torch.Tensor, torch.Tensor | None, tuple[str, ...]]:
    """(maps (N, …), reference outputs (N,) or None, notes). Libraries that explain one example at
    a time get one digit at a time, each seeded alike, so a map never depends on its batch-mates."""
    if spec.batched:
        step = spec.chunk
        parts = [ctx.chunk(i, i + step) for i in range(0, ctx.n, step)] if ctx.n > step else [ctx]
    else:
        parts = [ctx.digit(i) for i in range(ctx.n)]
    maps, refs, notes = [], [], ()
    for part in parts:
        with seeded(ctx.seed, spec.stochastic and not spec.own_rng), torch.enable_grad():
            raw = spec.run(part)
        maps.append(torch.as_tensor(raw.values).detach().to(torch.float64).reshape(part.n, -1))
        notes = raw.notes
        if spec.completeness and raw.references is not None:
            refs.append(_reference_outputs(part, raw).to(torch.float64))
    return torch.cat(maps), (torch.cat(refs) if refs else None), notes


def explain_batch(model: nn.Module, x: Any, method: str, targets: Targets = None,
                  params: Params | dict | None = None, seed: int = 0) -> BatchAttribution:
    """Explain N digits with one method: one private replica, batched through the library where
    it can batch. Raises ValueError/TypeError naming any bad argument; the caller's own hooks on
    `model` are ignored (targets and maps both come from a hook-free replica)."""
    spec = get_method(method)
    xt = as_batch(x)
    seed = check_seed(seed)
    p = _params(spec, params)
    replica = private_model(check_model(model))
    logits = _logits(replica, xt)
    resolved, rows = resolve_targets(logits, targets)
    heads, column = torch.unique(rows, dim=0, return_inverse=True)
    ctx = Context(f=head_on(replica, heads), x=xt, target=column, params=p, seed=seed)
    # f(x) from the logits already computed: the head is linear, no second forward pass.
    outputs = (logits.to(torch.float64) @ heads.T.to(torch.float64)).gather(1, column[:, None])[:, 0].numpy()

    start = time.perf_counter()
    maps, ref_out, notes = _run(spec, ctx)
    runtime_ms = (time.perf_counter() - start) * 1000.0

    values = maps.reshape(ctx.n, *spec.map_shape).numpy()
    if not np.isfinite(values).all():
        raise RuntimeError(f"{method} produced non-finite attributions")
    gaps = None
    if ref_out is not None:
        ref_np = ref_out.numpy()
        gaps = values.reshape(ctx.n, -1).sum(axis=1) - (outputs - ref_np)
    return BatchAttribution(
        values=values, method=spec.name, library=spec.library, targets=tuple(resolved), params=p.to_dict(),
        seed=seed, runtime_ms=runtime_ms, outputs=outputs, completeness_gaps=gaps,
        baseline_outputs=None if ref_out is None else ref_out.numpy(), notes=notes,
    )


def explain(model: nn.Module, x: Any, method: str, target: Target = None,
            params: Params | dict | None = None, seed: int = 0) -> Attribution:
    """Explain one digit with one method: `explain_batch` with N = 1."""
    return explain_batch(model, as_input(x), method, [target], params, seed)[0]


def explain_all_classes(model: nn.Module, x: Any, method: str, params: Params | dict | None = None,
                        seed: int = 0) -> list[Attribution]:
    """The same method for each of the 10 classes, in class order: one batch of ten heads."""
    xt = as_input(x).expand(N_CLASSES, 1, IMAGE_SIDE, IMAGE_SIDE)
    return list(explain_batch(model, xt, method, list(range(N_CLASSES)), params, seed))


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
