"""`python -m explain.readme`: rewrite the generated blocks of README.md from the files that hold
the facts (the registry, the checkpoint's model card numbers, the bundled leaderboard and its meta).

A block sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; `--check` exits 1
when any block differs from what would be written (the tests call it), so prose never drifts from
what the code measured.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from explain.classview.readme_block import class_views_block
from explain.known.readme import BLOCKS as KNOWN_BLOCKS
from explain.registry import methods
from explain.trainingdata.readme_block import data_page_block
from model.paths import assets_dir

README = Path(__file__).resolve().parents[2] / "README.md"
LEADERBOARD = "leaderboard/leaderboard_n10000.csv"
CONTROL_NAMES = {"control_random": "control: random map", "control_sobel": "control: input edges"}


def methods_table() -> str:
    rows = ["| name | display | library | family | stochastic | completeness | batched | what it computes |",
            "|---|---|---|---|---|---|---|---|"]
    for m in methods():
        rows.append(f"| `{m.name}` | {m.display} | {m.library} | {m.family} | {'yes' if m.stochastic else ''} | "
                    f"{'yes' if m.completeness else ''} | {'yes' if m.batched else 'per digit'} | {m.summary} |")
    return "\n".join(rows)


def _leaderboard() -> tuple[list[dict[str, str]], dict]:
    path = assets_dir() / LEADERBOARD
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    return rows, json.loads(Path(str(path) + ".meta.json").read_text())


def leaderboard_table() -> str:
    """Per method: deletion and insertion AUC under the three replacements with rank intervals."""
    rows, meta = _leaderboard()
    cols = [f"{c}_{r}" for c in ("deletion", "insertion") for r in meta["replacements"]]
    head = "| method | " + " | ".join(f"{c.replace('_', ' @ ')} (rank)" for c in cols) + " | seconds |"
    lines = [head, "|" + "---|" * (len(cols) + 2)]
    for r in rows:
        cells = [f"{float(r[c]):.3f} ({float(r[c + '_rank']):.0f}, {float(r[c + '_rank_lo']):.0f}–"
                 f"{float(r[c + '_rank_hi']):.0f})" for c in cols]
        lines.append(f"| {CONTROL_NAMES.get(r['method'], r['display'])} | " + " | ".join(cells)
                     + f" | {float(r['seconds']):.0f} |")
    sub = meta["subsample"]
    lines.append("")
    lines.append(f"All {meta['n']:,} test digits (`{meta['command']}`, {meta['date'][:10]}, {meta['workers']} worker "
                 f"processes on 2 cores): the core metrics took **{meta['seconds_core']:.0f} s** of wall clock "
                 f"(seconds per method in the last column), the extras — max-sensitivity, ROAD and seed stability "
                 f"({sub['seed_stability_seeds']} seeds) on a stratified {sub['max_sensitivity']:,} — "
                 f"{meta['seconds_extras']:.0f} s more; they are in the CSV and on the Evaluate page. Lower deletion "
                 "and higher insertion are better; ranks with bootstrap 95 % intervals.")
    return "\n".join(lines)


def leaderboard_winners() -> str:
    _, meta = _leaderboard()
    out = []
    for curve, wins in meta["winners"].items():
        taus = ", ".join(f"{k} {v:.2f}" for k, v in meta["kendall_tau_between_replacements"][curve].items())
        out.append(f"- {curve}: " + ", ".join(f"{r} → `{m}`" for r, m in wins.items()) + f" (Kendall τ {taus})")
    return "\n".join(out)


def accuracy() -> str:
    card = (assets_dir() / "MODEL_CARD.md").read_text()
    return re.search(r"Accuracy: \*\*([0-9.]+ %|[0-9.]+%)\*\*", card).group(1)


def ood_rates() -> str:
    """The share of each family the "does not look like a digit" warning flags (assets/ood/flag_rates.json)."""
    record = json.loads((assets_dir() / "ood" / "flag_rates.json").read_text())
    lines = ["| what the model receives | flagged |", "|---|---|"]
    lines += [f"| {name} | {rate * 100:.1f} % |" for name, rate in record["flagged"].items()]
    return "\n".join(lines)


BLOCKS: dict[str, Callable[[], str]] = {
    "methods": methods_table, "leaderboard": leaderboard_table, "winners": leaderboard_winners, "accuracy": accuracy,
    "ood_rates": ood_rates,
    "classviews": class_views_block,
    **KNOWN_BLOCKS,  # the planted shortcut and TCAV (explain/known/readme.py)
    "data_page": data_page_block,  # the Data page's measurements (explain/trainingdata/readme_block.py)
}


def render(text: str) -> str:
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->)(.*?)(<!-- /generated:{name} -->)", re.S)
        if pattern.search(text):
            body = make()
            inline = "\n" not in body
            text = pattern.sub(lambda m: m.group(1) + (body if inline else f"\n{body}\n") + m.group(3), text)
    return text


def main(argv: list[str] | None = None) -> int:
    from model import cli

    p = cli.OneLineParser(prog="python -m explain.readme", description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 when a block is out of date; write nothing")
    args = p.parse_args(argv)
    current = README.read_text()
    new = render(current)
    if args.check:
        if new != current:
            print("README.md is out of date: run python -m explain.readme", file=sys.stderr)
            return 1
        return 0
    try:
        with cli.atomic_output(cli.check_output_file(README, "README", (".md",))) as tmp:
            tmp.write_text(new)
    except ValueError as exc:
        cli.fail(str(exc))
    print(f"wrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
