"""Accuracy, per-class precision / recall / F1 and the confusion matrix on the test digits."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from model.data import Split, load_mnist
from model.network import N_CLASSES


@dataclass(frozen=True)
class ClassScores:
    digit: int
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvalReport:
    accuracy: float
    per_class: list[ClassScores]
    confusion: list[list[int]]  # rows: true digit, columns: predicted digit
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, batch: int = 4096) -> torch.Tensor:
    """Predicted classes for (N, 28, 28) pixel images, in batches to bound memory."""
    was_training = model.training
    model.eval()
    try:
        out = [model(images[i : i + batch]).argmax(dim=1) for i in range(0, images.shape[0], batch)]
    finally:
        model.train(was_training)
    return torch.cat(out) if out else torch.empty(0, dtype=torch.int64)


def accuracy(model: nn.Module, split: Split) -> float:
    return float((predict(model, split.images) == split.labels).float().mean())


def confusion_matrix(labels: torch.Tensor, preds: torch.Tensor) -> torch.Tensor:
    """Counts (rows: true digit, columns: predicted digit), every digit 0–9 present, seen or not."""
    from sklearn.metrics import confusion_matrix as counts  # lazy: ~1 s of imports, used only here

    y, p = labels.reshape(-1).numpy(), preds.reshape(-1).numpy()
    if y.size == 0:  # scikit-learn refuses empty input; no digits, no counts
        return torch.zeros(N_CLASSES, N_CLASSES, dtype=torch.int64)
    return torch.as_tensor(counts(y, p, labels=list(range(N_CLASSES))), dtype=torch.int64)


def evaluate(model: nn.Module, split: Split | None = None) -> EvalReport:
    from sklearn.metrics import precision_recall_fscore_support

    split = split or load_mnist(train=False)
    preds = predict(model, split.images)
    cm = confusion_matrix(split.labels, preds)
    support = cm.sum(dim=1).tolist()
    if len(split):
        # zero_division=0: a digit never predicted (or absent) scores 0, as the report always said.
        precision, recall, f1, _ = precision_recall_fscore_support(
            split.labels.numpy(), preds.numpy(), labels=list(range(N_CLASSES)), zero_division=0)
    else:
        precision = recall = f1 = [0.0] * N_CLASSES
    per_class = [ClassScores(d, float(precision[d]), float(recall[d]), float(f1[d]), int(support[d]))
                 for d in range(N_CLASSES)]
    return EvalReport(
        accuracy=float(cm.diag().sum()) / max(len(split), 1),
        per_class=per_class,
        confusion=cm.tolist(),
        n=len(split),
    )


def main(argv: list[str] | None = None) -> int:
    from model import cli
    from model.checkpoint import load_checkpoint
    from model.paths import bundled_checkpoint

    p = cli.OneLineParser(prog="python -m model.evaluate", description=__doc__)
    p.add_argument("--checkpoint", type=Path, default=None, help="default: the bundled model")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    try:
        path = cli.check_input_file(args.checkpoint or bundled_checkpoint(), "checkpoint")
        model, _meta = load_checkpoint(path)
    except (ValueError, OSError) as exc:
        cli.fail(str(exc))
    report = evaluate(model)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(f"accuracy {report.accuracy:.4f} on {report.n} test digits")
        print("digit precision recall    f1 support")
        for c in report.per_class:
            print(f"{c.digit:5d} {c.precision:9.4f} {c.recall:6.4f} {c.f1:5.4f} {c.support:7d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
