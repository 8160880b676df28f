"""`python -m explain.cli.pictures --out DIR`: the Home page's small pictures, one per page, drawn from the
bundled model and shipped data (never by hand), so Home shows them without computing anything."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from explain.export import diverging_rgb

TILE = 84  # px: a 28×28 map at 3× (crisp pixels)
GAP = 6
DIGIT = 0  # test digit #0 (a 7): the same digit Home's links open
# Ten distinct colours (Tableau 10) for the Map picture's classes.
CLASS_RGB = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
                      [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]], np.uint8)
PAGES = ("draw", "explore", "compare", "evaluate", "whatif", "inside", "map", "train", "data")


def grey(x: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] → white ink on black, RGB."""
    v = (np.clip(np.asarray(x, dtype=np.float64), 0, 1) * 255).astype(np.uint8)
    return np.repeat(v[..., None], 3, axis=-1)


def tile(rgb: np.ndarray, side: int = TILE) -> Image.Image:
    return Image.fromarray(rgb).resize((side, side), Image.Resampling.NEAREST)


def row(tiles: list[Image.Image]) -> Image.Image:
    """Tiles side by side on white, GAP apart."""
    h = max(t.height for t in tiles)
    out = Image.new("RGB", (sum(t.width for t in tiles) + GAP * (len(tiles) - 1), h), "white")
    left = 0
    for t in tiles:
        out.paste(t, (left, (h - t.height) // 2))
        left += t.width + GAP
    return out


def scatter(points: np.ndarray, labels: np.ndarray, side: int = TILE, dots: int = 3000) -> np.ndarray:
    """A 2-D projection as an RGB image: the first `dots` points, coloured by class, on white."""
    p = points[:dots]
    lo, hi = p.min(axis=0), p.max(axis=0)
    ij = np.clip(((p - lo) / np.maximum(hi - lo, 1e-9) * (side - 3)).astype(int) + 1, 1, side - 2)
    img = np.full((side, side, 3), 255, np.uint8)
    for dy in (0, 1):  # 2×2 dots
        for dx in (0, 1):
            img[side - 1 - ij[:, 1] - dy, ij[:, 0] + dx] = CLASS_RGB[labels[: len(p)]]
    return img


def pictures() -> dict[str, Image.Image]:
    """Page → its picture, from the bundled model, the MNIST test split, the shipped UMAP and the checkpoints
    along the bundled model's training (TracIn)."""
    import torch

    from explain.cli.args import load_model
    from explain.core import explain_batch
    from explain.evaluation.metrics import Explained, path_batch
    from explain.trainingdata.influence import influence
    from explain.whatif.attacks import AttackConfig, attack_digit
    from model.data import load_mnist
    from model.paths import assets_dir

    model = load_model(None).eval()
    test = load_mnist(train=False)
    x = test.images[DIGIT : DIGIT + 1]
    with torch.no_grad():
        predicted = model(test.images[:200]).argmax(1)
    mistake = int(torch.nonzero(predicted != test.labels[:200])[0, 0])  # Explore finds mistakes
    maps = {m: explain_batch(model, x, m) for m in ("saliency", "integrated_gradients", "deeplift")}
    limit = max(float(np.abs(b.values).max()) for b in maps.values())  # one scale, as Compare's default
    _, steps = path_batch(Explained(model, x, maps["integrated_gradients"]), "mean",
                          fractions=np.array([0.0, 0.1, 0.3]))
    adv = attack_digit(model, x[0].numpy(), 0.1, AttackConfig(attack="fgsm"))
    hidden = model.forward_layers(x)[model.hidden_layers()[0].name][0].numpy().reshape(8, -1)
    weights = model.layer("fc1").weight.detach().numpy()[:3].reshape(3, 28, 28)
    umap = np.load(assets_dir() / "map" / "umap_bundled.npz")["hidden2"]
    train = load_mnist(train=True)
    proponents = influence(model, x[0], k=2).proponents  # the training digits that taught it this answer
    return {
        "draw": tile(grey(x[0])),
        "explore": row([tile(grey(test.images[i])) for i in (1, 2, mistake)]),
        "compare": row([tile(diverging_rgb(b.values[0], limit)) for b in maps.values()]),
        "evaluate": row([tile(grey(s[0].numpy())) for s in steps[0]]),
        "whatif": row([tile(grey(adv.original)), tile(diverging_rgb(adv.image - adv.original)), tile(grey(adv.image))]),
        "inside": tile(diverging_rgb(hidden), TILE).resize((2 * TILE, TILE), Image.Resampling.NEAREST),
        "map": tile(scatter(umap, test.labels.numpy())),
        "train": row([tile(diverging_rgb(w)) for w in weights]),
        "data": row([tile(grey(x[0])), *(tile(grey(train.images[int(i)])) for i in proponents)]),
    }


def main(argv: list[str] | None = None) -> int:
    from model import cli

    p = cli.OneLineParser(prog="python -m explain.cli.pictures", description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="the folder to write PAGE.png into")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    try:
        outs = {page: cli.check_output_file(args.out / f"{page}.png", suffixes=(".png",),
                                            write_shipped=args.write_shipped) for page in PAGES}
    except cli.OutputError as exc:
        cli.fail(str(exc))
    args.out.mkdir(parents=True, exist_ok=True)
    for page, img in pictures().items():
        img.save(outs[page], format="PNG", optimize=True)
        print(f"wrote {outs[page]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
