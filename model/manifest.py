"""`python -m model.manifest`: what every shipped result belongs to.

`assets/manifest.json` names, for each shipped result, the command that made it, the digest of the
checkpoint it was computed from and its own digest. Without options the manifest of the files as they
are is printed (nothing is written); `--write-shipped` writes it to assets/manifest.json, and
`--regenerate --write-shipped` (what `make assets` runs) first runs every command in order. A test
fails when a shipped file or the checkpoint no longer matches.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

from model.digests import file_sha256
from model.paths import assets_dir, bundled_checkpoint

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = "--write-shipped"  # every command below writes into assets/: only with this flag
LEADERBOARD = "--n 10000 --methods all --extras-n 1000 --workers 2 --out assets/leaderboard/leaderboard_n10000.csv"
REFERENCES = ("--n 1000 --extras-n 0 --workers 2 --methods integrated_gradients,deeplift,deeplift_shap,gradient_shap,"
              "shap_deep --variants 'integrated_gradients[baseline=mean];deeplift[baseline=mean];"
              "deeplift_shap[baseline=zero];gradient_shap[baseline=zero];shap_deep[baseline=zero]' "
              f"--out assets/leaderboard/references_n1000.csv {SHIPPED}")
OOD = f"python -m explain.ood --out assets/ood/digit_likeness.npz --rates assets/ood/flag_rates.json {SHIPPED}"
# Shipped result → the command that writes it (run from the repository root, in this order).
RESULTS: dict[str, str] = {
    "MODEL_CARD.md": f"python -m model.card {SHIPPED}",
    "leaderboard/leaderboard_n10000.csv": f"python -m explain.evaluate {LEADERBOARD} {SHIPPED}",
    "leaderboard/leaderboard_n10000.csv.meta.json": f"python -m explain.evaluate {LEADERBOARD} {SHIPPED}",
    "leaderboard/leaderboard_n10000.scores.npz": f"python -m explain.evaluate {LEADERBOARD} {SHIPPED}",
    "leaderboard/references_n1000.csv": f"python -m explain.evaluate {REFERENCES}",
    "ood/digit_likeness.npz": OOD,
    "ood/flag_rates.json": OOD,
    "map/umap_bundled.npz": "python -m explain project --layer all --method umap --seed 0 "
                            f"--out assets/map/umap_bundled.npz {SHIPPED}",
    "sanity/cascade_n100.json": f"python -m explain.sanity --n 100 --out assets/sanity/cascade_n100.json {SHIPPED}",
    "classes/class_views.npz": f"python -m explain.classview --out assets/classes/class_views.npz {SHIPPED}",
    "home/classes.png": f"python -m explain.classview.picture --out assets/home/classes.png {SHIPPED}",
    # The Data page: what is computed from the checkpoints along the bundled run (TracIn) and cross-validation.
    "data/label_signals.npz": f"python -m explain.trainingdata.shipped --out assets/data/label_signals.npz {SHIPPED}",
    "data/train_cv_probs.npz": f"python -m explain.trainingdata.crossval --out assets/data/train_cv_probs.npz {SHIPPED}",
    "data/planted_flips.json": f"python -m explain.trainingdata.planted --out assets/data/planted_flips.json {SHIPPED}",
    "data/data_randomisation.json": "python -m explain.trainingdata.data_randomisation --out "
                                    f"assets/data/data_randomisation.json {SHIPPED}",
    # Home's pictures, drawn from the model and the UMAP above (so after it).
    **{f"home/{page}.png": f"python -m explain.cli.pictures --out assets/home {SHIPPED}"
       for page in ("draw", "explore", "compare", "evaluate", "whatif", "inside", "map", "train", "data")},
    # The planted-shortcut model (its own short training run) and how much it relies on the mark.
    **{f"known/{name}": "python -m model.shortcut --out assets/known/shortcut_mlp.safetensors "
                        f"--reliance assets/known/shortcut_reliance.json {SHIPPED}"
       for name in ("shortcut_mlp.safetensors", "shortcut_reliance.json")},
    # Every method's known-answer score on it and on the bundled model (after the model above).
    "known/shortcut_scores.json": f"python -m explain shortcut --n 200 --out assets/known/shortcut_scores.json {SHIPPED}",
    # TCAV of every built-in concept on both models: the Concepts page opens on it.
    "known/tcav_builtin.json": f"python -m explain tcav --concept all --out assets/known/tcav_builtin.json {SHIPPED}",
    "home/concepts.png": f"python -m explain.known.picture --out assets/home/concepts.png {SHIPPED}",
}
# Written together with the checkpoint by `make bundled-model` (one training run, recording on), so the
# record and the epochs end at exactly the shipped weights; never rerun by --regenerate (the checkpoint
# changes only through that target).
WITH_CHECKPOINT: dict[str, str] = {
    name: "make bundled-model" for name in (
        "map/training_record.npz", "data/checkpoints/index.json",
        *(f"data/checkpoints/epoch{e:02d}.safetensors" for e in (2, 4, 6, 8, 10)))}


def manifest() -> dict:
    return {
        "checkpoint": {"path": "mnist_mlp.safetensors", "sha256": file_sha256(bundled_checkpoint()),
                       "command": "make bundled-model"},
        "results": {name: {"command": cmd, "sha256": file_sha256(assets_dir() / name),
                           "checkpoint_sha256": file_sha256(bundled_checkpoint())}
                    for name, cmd in {**WITH_CHECKPOINT, **RESULTS}.items() if (assets_dir() / name).exists()},
    }


def regenerate() -> None:
    """Run every command in order (then the README's generated blocks); a failing one stops the rest."""
    from model.cli import fail

    for cmd in [*dict.fromkeys(RESULTS.values()), "python -m explain.readme"]:  # each command once, in order
        print(f"$ {cmd}", file=sys.stderr)
        done = subprocess.run([sys.executable, *shlex.split(cmd)[1:]], cwd=ROOT, check=False)
        if done.returncode:
            fail(f"`{cmd}` exited with status {done.returncode}; the manifest was not rewritten")


def main(argv: list[str] | None = None) -> int:
    from model import cli

    p = cli.OneLineParser(prog="python -m model.manifest", description=__doc__)
    p.add_argument("--regenerate", action="store_true",
                   help="first rerun every command that makes a shipped result (hours; needs --write-shipped)")
    cli.add_write_shipped(p)
    args = p.parse_args(argv)
    if args.regenerate and not args.write_shipped:
        p.error("--regenerate rewrites the shipped assets: it needs --write-shipped (`make assets` passes it)")
    path = assets_dir() / "manifest.json"
    try:
        if not bundled_checkpoint().is_file():
            raise ValueError(f"no bundled checkpoint at {bundled_checkpoint()} (the assets folder: {assets_dir()})")
        if args.write_shipped:
            cli.check_output_file(path, write_shipped=True)
        if args.regenerate:
            regenerate()
        text = json.dumps(manifest(), indent=2) + "\n"
        if not args.write_shipped:
            sys.stdout.write(text)
            return 0
        with cli.atomic_output(path) as tmp:
            tmp.write_text(text)
    except (ValueError, OSError) as exc:
        cli.fail(str(exc))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
