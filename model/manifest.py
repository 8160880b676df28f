"""`python -m model.manifest`: what every shipped result belongs to.

`assets/manifest.json` names, for each shipped result, the command that made it, the digest of the
checkpoint it was computed from and its own digest. `--regenerate` (what `make assets` runs) runs
every command in order, then rewrites the manifest; without it, only the manifest is rewritten from
the files as they are. A test fails when a shipped file or the checkpoint no longer matches.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
from pathlib import Path

from model.paths import assets_dir, bundled_checkpoint

ROOT = Path(__file__).resolve().parents[1]
LEADERBOARD = "--n 10000 --methods all --extras-n 1000 --workers 2 --out assets/leaderboard/leaderboard_n10000.csv"
REFERENCES = ("--n 1000 --extras-n 0 --workers 2 --methods integrated_gradients,deeplift,deeplift_shap,gradient_shap,"
              "shap_deep --variants 'integrated_gradients[baseline=mean];deeplift[baseline=mean];"
              "deeplift_shap[baseline=zero];gradient_shap[baseline=zero];shap_deep[baseline=zero]' "
              "--out assets/leaderboard/references_n1000.csv")
# Shipped result → the command that writes it (run from the repository root, in this order).
RESULTS: dict[str, str] = {
    "MODEL_CARD.md": "python -m model.card",
    "leaderboard/leaderboard_n10000.csv": f"python -m explain.evaluate {LEADERBOARD}",
    "leaderboard/leaderboard_n10000.csv.meta.json": f"python -m explain.evaluate {LEADERBOARD}",
    "leaderboard/leaderboard_n10000.scores.npz": f"python -m explain.evaluate {LEADERBOARD}",
    "leaderboard/references_n1000.csv": f"python -m explain.evaluate {REFERENCES}",
    "ood/digit_likeness.npz": "python -m explain.ood --out assets/ood/digit_likeness.npz",
    "map/umap_bundled.npz": "python -m explain project --layer all --method umap --seed 0 "
                            "--out assets/map/umap_bundled.npz",
}
# Written together with the checkpoint by `make bundled-model` (one training run, recording on), so the
# record ends at exactly the shipped weights; never rerun by --regenerate (the checkpoint changes only
# through that target).
WITH_CHECKPOINT: dict[str, str] = {"map/training_record.npz": "make bundled-model"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest() -> dict:
    return {
        "checkpoint": {"path": "mnist_mlp.safetensors", "sha256": sha256(bundled_checkpoint()),
                       "command": "make bundled-model"},
        "results": {name: {"command": cmd, "sha256": sha256(assets_dir() / name),
                           "checkpoint_sha256": sha256(bundled_checkpoint())}
                    for name, cmd in {**WITH_CHECKPOINT, **RESULTS}.items() if (assets_dir() / name).exists()},
    }


def regenerate() -> None:
    for cmd in dict.fromkeys(RESULTS.values()):  # each command once, in order
        print(f"$ {cmd}", file=sys.stderr)
        subprocess.run([sys.executable, *shlex.split(cmd)[1:]], cwd=ROOT, check=True)
    subprocess.run([sys.executable, "-m", "explain.readme"], cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--regenerate" in argv:
        regenerate()
    path = assets_dir() / "manifest.json"
    path.write_text(json.dumps(manifest(), indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
