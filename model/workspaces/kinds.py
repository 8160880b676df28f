"""The kinds of item a workspace holds: how each is encoded to bytes + metadata, and validated when read.

Every item is decoded on the way in (so what is stored round-trips) and on the way out (a database row is
as untrusted as an upload: a restored backup, an imported zip or another replica may have written it).
Models are safetensors bytes checked by model.checkpoint exactly like an upload; never pickles.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

SIDE = 28
PIXELS = SIDE * SIDE
MAX_META_BYTES = 16 * 1024
MAX_STROKE_POINTS = 40_000  # numbers over all strokes (x, y pairs): a long drawing, not a file
PAD_SIZE = 280  # the drawing pad's canvas (app/components/drawing_pad)
MAX_CONCEPT_IMAGES = 200
MAX_MARKS = 5_000
MAX_VIEW_PARAMS = 40
MAX_VALUE_CHARS = 500
_PARAM_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_PAGE = re.compile(r"[a-z][a-z0-9_-]{0,39}")


class Kind(Protocol):
    KIND: ClassVar[str]
    MAX_BYTES: ClassVar[int]

    def encode(self) -> tuple[bytes, dict[str, Any]]: ...

    @classmethod
    def decode(cls, data: bytes, meta: dict[str, Any]) -> Kind: ...


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def _load_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{what} is not valid JSON ({type(exc).__name__})") from None


def _images(raw: Any, n: int | None, what: str) -> np.ndarray:
    """float32 (n, 28, 28) in [0, 1] from base64; ValueError naming what is wrong."""
    if not isinstance(raw, str):
        raise ValueError(f"{what} must be base64 text")
    try:
        buf = base64.b64decode(raw.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError(f"{what} is not valid base64") from None
    if len(buf) % (4 * PIXELS) or (n is not None and len(buf) != 4 * PIXELS * n):
        raise ValueError(f"{what} has {len(buf)} bytes, not a whole number of 28×28 float32 images")
    images = np.frombuffer(buf, dtype="<f4").reshape(-1, SIDE, SIDE)
    check_pixels(images, what)
    return images.astype(np.float32)


def check_pixels(images: np.ndarray, what: str) -> None:
    if not np.isfinite(images).all() or images.min(initial=0.0) < 0.0 or images.max(initial=0.0) > 1.0:
        raise ValueError(f"{what} must be finite pixels in [0, 1]")


def _b64_images(images: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(images, dtype="<f4").tobytes()).decode("ascii")


def _as_images(value: Any, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (SIDE, SIDE):
        raise ValueError(f"{what} must be 28×28 images, got shape {tuple(arr.shape)}")
    check_pixels(arr, what)
    return arr


def check_strokes(strokes: Any) -> list[dict[str, Any]]:
    """The pad's strokes: a list of {w, pts: [x, y, …]} with numbers in the pad's range."""
    if not isinstance(strokes, list):
        raise ValueError(f"drawing strokes must be a list, got {type(strokes).__name__}")
    total, out = 0, []
    for i, s in enumerate(strokes):
        if not isinstance(s, dict) or set(s) - {"w", "pts"}:
            raise ValueError(f"drawing stroke {i} must be an object with 'w' and 'pts'")
        w, pts = s.get("w"), s.get("pts")
        if type(w) not in (int, float) or not 1 <= w <= PAD_SIZE:
            raise ValueError(f"drawing stroke {i} width must be a number in 1..{PAD_SIZE}, got {w!r:.40}")
        if not isinstance(pts, list) or len(pts) < 2 or len(pts) % 2:
            raise ValueError(f"drawing stroke {i} points must be a list of x, y pairs")
        if not all(type(p) in (int, float) and math.isfinite(p) and -PAD_SIZE <= p <= 2 * PAD_SIZE for p in pts):
            raise ValueError(f"drawing stroke {i} has a point outside the pad")
        total += len(pts)
        if total > MAX_STROKE_POINTS:
            raise ValueError(f"drawing has more than {MAX_STROKE_POINTS:,} stroke coordinates")
        out.append({"w": w, "pts": pts})
    return out


def check_meta(meta: Any) -> dict[str, Any]:
    """Free metadata (a training record, say): a JSON object of at most MAX_META_BYTES."""
    if not isinstance(meta, dict):
        raise ValueError(f"item metadata must be a JSON object, got {type(meta).__name__}")
    try:
        size = len(_json_bytes(meta))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"item metadata is not plain JSON: {exc}") from None
    if size > MAX_META_BYTES:
        raise ValueError(f"item metadata is {size:,} bytes; the limit is {MAX_META_BYTES:,}")
    return meta


@dataclass(frozen=True)
class DrawingItem:
    """A drawing: the pad's raw strokes (to redraw it) and the 28×28 input the model saw."""

    KIND: ClassVar[str] = "drawing"
    MAX_BYTES: ClassVar[int] = 1024 * 1024
    pixels: np.ndarray
    strokes: list = field(default_factory=list)
    brush: int = 20

    def encode(self) -> tuple[bytes, dict[str, Any]]:
        pixels = _as_images(self.pixels, "drawing pixels")
        if pixels.shape[0] != 1:
            raise ValueError(f"a drawing is one 28×28 image, got {pixels.shape[0]}")
        body = {"pixels": _b64_images(pixels), "strokes": check_strokes(self.strokes), "brush": int(self.brush)}
        return _json_bytes(body), {}

    @classmethod
    def decode(cls, data: bytes, meta: dict[str, Any]) -> DrawingItem:
        body = _load_json(data, "drawing")
        if not isinstance(body, dict) or set(body) != {"pixels", "strokes", "brush"}:
            raise ValueError("drawing must be an object with pixels, strokes and brush")
        brush = body["brush"]
        if type(brush) is not int or not 1 <= brush <= PAD_SIZE:
            raise ValueError(f"drawing brush must be an integer in 1..{PAD_SIZE}, got {brush!r:.40}")
        return cls(_images(body["pixels"], 1, "drawing pixels")[0], check_strokes(body["strokes"]), brush)


@dataclass(frozen=True)
class ModelItem:
    """A trained model: safetensors bytes (validated like an upload) and its training record/report."""

    KIND: ClassVar[str] = "model"
    MAX_BYTES: ClassVar[int] = 16 * 1024 * 1024  # model.checkpoint.MAX_CHECKPOINT_BYTES
    weights: bytes
    record: dict = field(default_factory=dict)
    loaded: Any = field(default=None, compare=False, repr=False)  # (MLP, CheckpointMeta) once validated

    def encode(self) -> tuple[bytes, dict[str, Any]]:
        if not isinstance(self.weights, bytes | bytearray):
            raise TypeError(f"model weights must be safetensors bytes, got {type(self.weights).__name__}")
        return bytes(self.weights), {"record": check_meta(self.record)}

    @classmethod
    def decode(cls, data: bytes, meta: dict[str, Any]) -> ModelItem:
        from model.checkpoint import load_checkpoint_bytes  # torch: only when a model is read

        record = check_meta(meta.get("record", {}))
        return cls(bytes(data), record, load_checkpoint_bytes(bytes(data)))


@dataclass(frozen=True)
class CheckpointsItem:
    """A Train-page run's checkpoints (model.run_checkpoints), saved beside its model under the same name so
    TracIn travels with it: each epoch's safetensors bytes (validated like an upload), its TracIn factor, and the
    run's recipe (the rows it trained on follow from it)."""

    KIND: ClassVar[str] = "checkpoints"
    MAX_BYTES: ClassVar[int] = 24 * 1024 * 1024  # model.run_checkpoints.MAX_SET_BYTES, as base64
    run: Any  # model.run_checkpoints.RunCheckpoints with a checkpoint set

    _RECIPE: ClassVar[tuple[str, ...]] = ("hidden", "epochs", "lr", "batch_size", "seed", "train_size",
                                          "validation_size", "cosine")

    def encode(self) -> tuple[bytes, dict[str, Any]]:
        run = self.run
        if getattr(run, "checkpoints", None) is None or getattr(run, "config", None) is None:
            raise ValueError("only a run that kept checkpoints (and says its recipe) can be saved")
        recipe = {k: getattr(run.config, k) for k in self._RECIPE}
        body = {"note": _short(run.checkpoints.note, "checkpoint note", 300), "recipe": recipe,
                "n_train": int(run.n_train),
                "checkpoints": [{"epoch": c.epoch, "lr": c.lr, "source": _short(c.source, "checkpoint source"),
                                 "data": base64.b64encode(c.data).decode("ascii")} for c in run.checkpoints.checkpoints]}
        return _json_bytes(body), {}

    @classmethod
    def decode(cls, data: bytes, meta: dict[str, Any]) -> CheckpointsItem:
        import hashlib
        from pathlib import Path

        from model.checkpoint import load_checkpoint_bytes  # torch: only when a set is read
        from model.checkpoint_set import CheckpointSet, EpochCheckpoint
        from model.run_checkpoints import kept_run
        from model.train import TrainConfig

        body = _load_json(data, "checkpoint set")
        if not isinstance(body, dict) or set(body) != {"note", "recipe", "n_train", "checkpoints"}:
            raise ValueError("checkpoint set must be an object with note, recipe, n_train and checkpoints")
        recipe, n_train, entries = body["recipe"], body["n_train"], body["checkpoints"]
        if not isinstance(recipe, dict) or set(recipe) != set(cls._RECIPE):
            raise ValueError(f"checkpoint set recipe must have exactly {list(cls._RECIPE)}")
        if not isinstance(recipe["hidden"], list):
            raise ValueError("checkpoint set recipe: hidden must be a list of layer sizes")
        try:
            config = TrainConfig(**{**recipe, "hidden": tuple(recipe["hidden"])})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"checkpoint set recipe: {exc}") from None
        if type(n_train) is not int or not 1 <= n_train <= 60_000:
            raise ValueError(f"checkpoint set n_train must be an integer in 1..60000, got {n_train!r:.40}")
        if not isinstance(entries, list) or not entries:
            raise ValueError("checkpoint set must list its checkpoints")
        items, shapes = [], set()
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or set(e) != {"epoch", "lr", "source", "data"}:
                raise ValueError(f"checkpoint {i} must have exactly epoch, lr, source and data")
            if type(e["epoch"]) is not int or not 1 <= e["epoch"] <= config.epochs:
                raise ValueError(f"checkpoint {i}: epoch must be an integer in 1..{config.epochs}")
            if type(e["lr"]) not in (int, float):
                raise ValueError(f"checkpoint {i}: lr must be a number")
            try:
                raw = base64.b64decode(str(e["data"]).encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError):
                raise ValueError(f"checkpoint {i} is not valid base64") from None
            model, _ = load_checkpoint_bytes(raw)  # validated like an upload; never a pickle
            shapes.add(model.config.hidden)
            items.append(EpochCheckpoint(e["epoch"], Path(f"epoch{e['epoch']:02d}.safetensors"), float(e["lr"]),
                                         hashlib.sha256(raw).hexdigest(), _short(e["source"], "checkpoint source"),
                                         raw))
        epochs = [c.epoch for c in items]
        if epochs != sorted(set(epochs)) or shapes != {config.hidden}:
            raise ValueError("checkpoints must have ascending epochs and the recipe's architecture")
        cset = CheckpointSet(tuple(items), _short(body["note"], "checkpoint note", 300))  # checks the factors
        return cls(kept_run(cset, config, n_train))


@dataclass(frozen=True)
class ConceptSetItem:
    """Example digits of a concept (for concept tests): 1..MAX_CONCEPT_IMAGES 28×28 images."""

    KIND: ClassVar[str] = "concepts"
    MAX_BYTES: ClassVar[int] = 2 * 1024 * 1024
    images: np.ndarray
    concept: str = ""

    def encode(self) -> tuple[bytes, dict[str, Any]]:
        images = _as_images(self.images, "concept images")
        if not 1 <= images.shape[0] <= MAX_CONCEPT_IMAGES:
            raise ValueError(f"a concept set holds 1..{MAX_CONCEPT_IMAGES} images, got {images.shape[0]}")
        return _json_bytes({"images": _b64_images(images), "concept": _short(self.concept, "concept")}), {}

    @classmethod
    def decode(cls, data: bytes, meta: dict[str, Any]) -> ConceptSetItem:
        body = _load_json(data, "concept set")
        if not isinstance(body, dict) or set(body) != {"images", "concept"}:
            raise ValueError("concept set must be an object with images and concept")
        images = _images(body["images"], None, "concept images")
        if not 1 <= images.shape[0] <= MAX_CONCEPT_IMAGES:
            raise ValueError(f"a concept set holds 1..{MAX_CONCEPT_IMAGES} images, got {images.shape[0]}")
        return cls(images, _short(body["concept"], "concept"))


def _short(text: Any, what: str, limit: int = 120) -> str:
    if not isinstance(text, str) or len(text) > limit:
        raise ValueError(f"{what} must be text of at most {limit} characters")
    return text


@dataclass(frozen=True)
class LabelMarksItem:
    """Label marks for the label-issues view: (split, index) → the label the user thinks is right."""

    KIND: ClassVar[str] = "labels"
    MAX_BYTES: ClassVar[int] = 512 * 1024
    marks: tuple[tuple[str, int, int | None, str], ...] = ()  # (split, index, label or None, note)

    def encode(self) -> tuple[bytes, dict[str, Any]]:
        return _json_bytes([list(m) for m in self._checked(self.marks)]), {}

    @staticmethod
    def _checked(marks: Any) -> tuple[tuple[str, int, int | None, str], ...]:
        if not isinstance(marks, list | tuple) or len(marks) > MAX_MARKS:
            raise ValueError(f"label marks must be a list of at most {MAX_MARKS:,} marks")
        out = []
        for i, m in enumerate(marks):
            if not isinstance(m, list | tuple) or len(m) != 4:
                raise ValueError(f"label mark {i} must be (split, index, label, note)")
            split, index, label, note = m
            if split not in ("train", "test"):
                raise ValueError(f"label mark {i}: split must be 'train' or 'test', got {split!r:.40}")
            if type(index) is not int or not 0 <= index < 60_000:
                raise ValueError(f"label mark {i}: index must be an integer in 0..59999, got {index!r:.40}")
            if label is not None and (type(label) is not int or not 0 <= label <= 9):
                raise ValueError(f"label mark {i}: label must be a digit 0..9 or null, got {label!r:.40}")
            out.append((split, index, label, _short(note, f"label mark {i} note", 500)))
        return tuple(out)

    @classmethod
    def decode(cls, data: bytes, meta: dict[str, Any]) -> LabelMarksItem:
        return cls(cls._checked(_load_json(data, "label marks")))


@dataclass(frozen=True)
class ViewItem:
    """A saved view: a page's URL path and its URL settings, to open it again as it was."""

    KIND: ClassVar[str] = "view"
    MAX_BYTES: ClassVar[int] = 64 * 1024
    page: str
    params: dict = field(default_factory=dict)

    def encode(self) -> tuple[bytes, dict[str, Any]]:
        return _json_bytes(self._checked({"page": self.page, "params": self.params})), {}

    @staticmethod
    def _checked(body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or set(body) != {"page", "params"}:
            raise ValueError("a view must be an object with page and params")
        page, params = body["page"], body["params"]
        if not isinstance(page, str) or not _PAGE.fullmatch(page):
            raise ValueError(f"view page must be a page's URL path, got {page!r:.40}")
        if not isinstance(params, dict) or len(params) > MAX_VIEW_PARAMS:
            raise ValueError(f"view settings must be at most {MAX_VIEW_PARAMS} name → value pairs")
        for k, v in params.items():
            if not isinstance(k, str) or not _PARAM_NAME.fullmatch(k):
                raise ValueError(f"view setting name {k!r:.40} is not a URL parameter name")
            if not isinstance(v, str) or len(v) > MAX_VALUE_CHARS:
                raise ValueError(f"view setting {k!r} must be text of at most {MAX_VALUE_CHARS} characters")
        return body

    @classmethod
    def decode(cls, data: bytes, meta: dict[str, Any]) -> ViewItem:
        body = cls._checked(_load_json(data, "view"))
        return cls(body["page"], dict(body["params"]))


KINDS: dict[str, type] = {k.KIND: k for k in (DrawingItem, ModelItem, CheckpointsItem, ConceptSetItem, LabelMarksItem,
                                               ViewItem)}


def kind_of(name: Any) -> type:
    if name not in KINDS:
        raise ValueError(f"unknown item kind {name!r:.40}; expected one of {sorted(KINDS)}")
    return KINDS[name]


def decode_item(kind: str, data: bytes, meta: dict[str, Any]) -> Any:
    """Validate stored bytes as `kind`; ValueError naming what is wrong."""
    cls = kind_of(kind)
    if len(data) > cls.MAX_BYTES:
        raise ValueError(f"{kind} item is {len(data):,} bytes; the limit is {cls.MAX_BYTES:,}")
    return cls.decode(data, check_meta(meta))
