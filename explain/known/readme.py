"""README blocks of the known-answer results, generated from the shipped files (explain/cli/readme.py)."""

from __future__ import annotations

import statistics

from explain.known.shipped import BORDER_FILE, BORDER_MODEL, load_shipped, load_shipped_tcav, scores_of
from explain.known.words import display, share_summary, summary


def _pct(v: float) -> str:
    return "n/a" if v != v else f"{v * 100:.1f} %"


def known_answer_block() -> str:
    record = load_shipped()
    shortcut, bundled = scores_of(record, "shortcut"), scores_of(record, "bundled")
    lines = ["| model | 7s right, with patch | 7s right, no patch | other digits flipped to 7 by the patch |",
             "|---|---|---|---|"]
    for name, label in (("shortcut", "planted shortcut"), ("bundled", "bundled (never saw the patch)")):
        rel = record["models"][name]["reliance"]
        lines.append(f"| {label} | {_pct(rel['accuracy_with'])} | {_pct(rel['accuracy_without'])} | "
                     f"{_pct(rel['flip_rate'])} |")
    lines += ["", f"| method | share on the patch, shortcut model (95 % interval) | found at top-{shortcut.k} | "
                  "deletion AUC ↓ | insertion AUC ↑ | share on the patch, bundled model |", "|---|---|---|---|---|---|"]
    for m in sorted(shortcut.methods, key=lambda m: -m.share if m.share == m.share else 1):
        lines.append(f"| {display(m.method)} | {_pct(m.share)} ({_pct(m.share_lo)}–{_pct(m.share_hi)}) | "
                     f"{_pct(m.found_at_k)} | {m.deletion:.3f} | {m.insertion:.3f} | {_pct(bundled.row(m.method).share)} |")
    lines += ["", *(f"- {s}" for s in summary(shortcut, bundled)), "",
              f"(`{record['command']}`, {record['date'][:10]}.)"]
    return "\n".join(lines)


def border_block() -> str:
    """The border watermark: its model's reliance, then every method's share on the border against chance."""
    record = load_shipped(BORDER_FILE)
    scores, rel = scores_of(record, BORDER_MODEL), record["models"][BORDER_MODEL]["reliance"]
    t = scores.target
    lines = [f"| model | {t}s right, with watermark | {t}s right, without | other digits flipped to {t} |",
             "|---|---|---|---|",
             f"| border watermark | {_pct(rel['accuracy_with'])} | {_pct(rel['accuracy_without'])} | "
             f"{_pct(rel['flip_rate'])} |",
             "", f"| method | share on the border watermark (95 % interval) | × chance ({_pct(scores.chance)}) | "
                 "deletion AUC ↓ | insertion AUC ↑ |", "|---|---|---|---|---|"]
    for m in sorted(scores.methods, key=lambda m: -m.share if m.share == m.share else 1):
        lines.append(f"| {display(m.method)} | {_pct(m.share)} ({_pct(m.share_lo)}–{_pct(m.share_hi)}) | "
                     f"{m.share / scores.chance:.2f} | {m.deletion:.3f} | {m.insertion:.3f} |")
    lines += ["", *(f"- {s}" for s in share_summary(scores)), "",
              f"(`{record['command']}`, {record['date'][:10]}.)"]
    return "\n".join(lines)


def tcav_block() -> str:
    record = load_shipped_tcav()
    patch = record["models"]["shortcut"]["concepts"]["patch"]
    # Files written before the Bonferroni correction carry no alpha: their `significant` is p < 0.05.
    alpha = patch.get("alpha", 0.05)
    lines = [f"The planted-patch concept ({record['examples']} examples against {record['n_random']} random concepts):",
             "", f"| model | layer | TCAV score for 7 (± sd) | random vs random | p | significant (p < {alpha:.2g}) "
                 "| CAV accuracy (random vs random) |",
             "|---|---|---|---|---|---|---|"]
    for name, label in (("shortcut", "planted shortcut"), ("bundled", "bundled")):
        for r in record["models"][name]["concepts"]["patch"]["rows"]:
            if r["class"] == 7:
                lines.append(f"| {label} | {r['layer']} | {r['score']:.2f} (± {r['spread']:.2f}) | {r['random_score']:.2f} "
                             f"| {r['p_value']:.2g} | {'yes' if r['significant'] else 'no'} | {r['cav_accuracy']:.0%} "
                             f"({r['random_cav_accuracy']:.0%}) |")
    seconds = [c["seconds"] for m in record["models"].values() for c in m["concepts"].values()]
    lines += ["", f"One concept, both layers, all ten classes: median {statistics.median(seconds):.1f} s "
                  f"(range {min(seconds):.1f}–{max(seconds):.1f} s) over the {len(seconds)} runs of "
                  f"`{record['command']}` ({record['date'][:10]}, 2 shared cores)."]
    if "alpha" in patch:
        lines += ["", f"Significant means p < 0.05 / {len(patch['rows'])} = {alpha:.2g}: Bonferroni over the "
                      f"{len(patch['rows'])} layer × class tests of one concept, on a layer whose CAV accuracy is above "
                      "the random-vs-random CAVs' (one-sided Welch t-test, p < 0.05)."]
    return "\n".join(lines)


BLOCKS = {"known_answer": known_answer_block, "known_border": border_block, "tcav_patch": tcav_block}
