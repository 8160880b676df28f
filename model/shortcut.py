"""A planted shortcut: a mark in a fixed place, put on most training digits of one class and almost none
of the others, so a model trained on them learns "mark → that class". Because we planted it, we *know*
what the model uses; explanation methods can then be scored against that answer (explain/known/).

`python -m model.shortcut` trains such a model (the bundled shape and recipe, a few epochs) and writes,
beside the checkpoint, a JSON of how much it relies on the mark: the class's test accuracy with and
without it, and how often adding it to other test digits flips them to that class.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from model.constants import IMAGE_SIDE, N_CLASSES
from model.data import Split

KINDS = ("patch", "border")


@dataclass(frozen=True)
class Shortcut:
    """What is planted and where. `kind` "patch": a bright square of side `size` whose top-left pixel is at
    (`row`, `col`); "border": a faint checkerboard over the outer `size` rows and columns (a watermark
    spread thin, the kind a blurring method may miss). Marked pixels are set to at least `value`."""

    kind: str = "patch"
    target: int = 7  # the class whose training digits carry the mark
    rate_target: float = 0.9  # share of that class's training digits marked
    rate_other: float = 0.01  # share of every other class's training digits marked
    size: int = 4
    row: int = 2
    col: int = 2
    value: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"shortcut kind must be one of {list(KINDS)}, got {self.kind!r}")
        if isinstance(self.target, bool) or not isinstance(self.target, int) or not 0 <= self.target < N_CLASSES:
            raise ValueError(f"shortcut target must be a class 0–9, got {self.target!r}")
        for name in ("rate_target", "rate_other", "value"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
                raise ValueError(f"shortcut {name} must be in [0, 1], got {v!r}")
        if not isinstance(self.size, int) or not 1 <= self.size <= IMAGE_SIDE // 2:
            raise ValueError(f"shortcut size must be an integer in 1..{IMAGE_SIDE // 2}, got {self.size!r}")
        if self.kind == "patch" and not (0 <= self.row <= IMAGE_SIDE - self.size and 0 <= self.col <= IMAGE_SIDE - self.size):
            raise ValueError(f"a {self.size}×{self.size} patch at ({self.row}, {self.col}) does not fit in 28×28")

    def mask(self) -> np.ndarray:
        """(28, 28) bool: the pixels the mark sets."""
        m = np.zeros((IMAGE_SIDE, IMAGE_SIDE), dtype=bool)
        if self.kind == "patch":
            m[self.row : self.row + self.size, self.col : self.col + self.size] = True
            return m
        frame = np.ones_like(m)
        frame[self.size : -self.size, self.size : -self.size] = False
        checker = (np.add.outer(np.arange(IMAGE_SIDE), np.arange(IMAGE_SIDE)) % 2) == 0
        return frame & checker

    @property
    def chance(self) -> float:
        """The share of the image the mark covers: what a map that knows nothing puts on it."""
        return float(self.mask().mean())

    def apply(self, images: torch.Tensor) -> torch.Tensor:
        """A copy of `images` (N, 28, 28) or (N, 1, 28, 28), pixels in [0, 1], every one marked."""
        m = torch.from_numpy(self.mask())
        out = images.clone()
        view = out.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
        view[:, m] = torch.clamp(view[:, m], min=float(self.value))
        return out


PATCH = Shortcut()  # the shipped one: a bright 4×4 square near the top-left corner on 90 % of the 7s
BORDER = Shortcut(kind="border", target=3, size=2, value=0.3)  # a faint checkerboard frame on the 3s
SHORTCUTS = {"patch": PATCH, "border": BORDER}


def planted_split(split: Split, shortcut: Shortcut, seed: int = 0) -> tuple[Split, torch.Tensor]:
    """The split with the mark on a seeded `rate_target` share of the target class and `rate_other` of the
    rest → (marked split, bool (N,) which digits carry it)."""
    gen = torch.Generator().manual_seed(seed)
    rate = torch.where(split.labels == shortcut.target, shortcut.rate_target, shortcut.rate_other)
    marked = torch.rand(len(split), generator=gen) < rate
    images = split.images.clone()
    images[marked] = shortcut.apply(images[marked])
    return Split(images, split.labels), marked


@dataclass(frozen=True)
class Reliance:
    """How much a model relies on the mark, measured on the test digits."""

    target: int
    accuracy_with: float  # on the target class's test digits, every one marked
    accuracy_without: float  # on the same digits, unmarked
    flip_rate: float  # share of the other classes' test digits, correctly classified unmarked, that the mark flips to the target
    n_target: int
    n_other: int


@torch.no_grad()
def reliance(model: torch.nn.Module, test: Split, shortcut: Shortcut) -> Reliance:
    """One batched forward pass per condition over the whole test split."""
    model.eval()
    own = test.labels == shortcut.target
    x_own, x_other, y_other = test.images[own], test.images[~own], test.labels[~own]

    def predict(x: torch.Tensor) -> torch.Tensor:
        return model(x).argmax(dim=1)

    acc_with = float((predict(shortcut.apply(x_own)) == shortcut.target).float().mean())
    acc_without = float((predict(x_own) == shortcut.target).float().mean())
    right = predict(x_other) == y_other
    flipped = predict(shortcut.apply(x_other[right])) == shortcut.target
    return Reliance(shortcut.target, acc_with, acc_without, float(flipped.float().mean()),
                    int(own.sum()), int(right.sum()))


EPOCHS = 3  # enough to learn the digits and the mark; a short run keeps `make assets` quick


def main(argv: list[str] | None = None) -> int:
    from model import cli
    from model.checkpoint import save_checkpoint
    from model.data import load_mnist
    from model.train import TrainConfig, checkpoint_meta, train

    p = cli.OneLineParser(prog="python -m model.shortcut", description=__doc__)
    p.add_argument("--kind", choices=list(SHORTCUTS), default="patch")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--seed", type=cli.seed, default=0)
    p.add_argument("--out", type=Path, required=True, help="the checkpoint, FILE.safetensors")
    p.add_argument("--reliance", type=Path, required=True, help="the measured reliance, FILE.json")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    shortcut = SHORTCUTS[args.kind]
    try:
        config = TrainConfig(epochs=args.epochs, seed=args.seed)
        out = cli.check_output_file(args.out, suffixes=(".safetensors",), write_shipped=args.write_shipped)
        rel_out = cli.check_output_file(args.reliance, "--reliance", suffixes=(".json",),
                                        write_shipped=args.write_shipped)
    except ValueError as exc:
        cli.fail(str(exc))
    train_split, marked = planted_split(load_mnist(train=True), shortcut, args.seed)
    test = load_mnist(train=False)
    result = train(config, train_split=train_split, test_split=test)
    rel = reliance(result.model, test, shortcut)
    record = {
        "command": " ".join(["python -m model.shortcut", *(sys.argv[1:] if argv is None else argv)]),
        "shortcut": asdict(shortcut), "chance": shortcut.chance,
        "marked_training_digits": int(marked.sum()), "clean_test_accuracy": result.test_accuracy,
        "reliance": asdict(rel), "seconds": round(result.seconds, 1),
    }
    try:
        save_checkpoint(result.model, out, checkpoint_meta(result))
        with cli.atomic_output(rel_out) as tmp:
            tmp.write_text(json.dumps(record, indent=2) + "\n")
    except (ValueError, OSError) as exc:
        cli.fail(str(exc))
    print(json.dumps(record["reliance"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
