"""The README's Data-page block (`<!-- generated:data_page -->`): the shipped measurements, from their files."""

from __future__ import annotations

import json

import numpy as np

from model.paths import assets_dir

SIGNAL_NAMES = {"confident_learning": "confident learning (cleanlab, 5-fold out-of-sample)",
                "self_influence": "TracIn self-influence", "combined": "both (mean percentile rank)"}


def data_page_block() -> str:
    data = assets_dir() / "data"
    planted = json.loads((data / "planted_flips.json").read_text())
    with np.load(data / "label_signals.npz", allow_pickle=False) as d:
        signals = json.loads(str(d["meta"]))
    with np.load(data / "train_cv_probs.npz", allow_pickle=False) as d:
        cv = json.loads(str(d["meta"]))
    index = json.loads((data / "checkpoints" / "index.json").read_text())
    top = next(k for k in next(iter(planted["signals"].values())) if k.startswith("flips_in_top_"))
    lines = [f"Planted label flips ({planted['flipped']} of {planted['n']:,} training digits flipped to another class; "
             f"`{planted['command']}`):", "",
             f"| signal | ROC-AUC | flips in its top {top.rsplit('_', 1)[1]} |", "|---|---|---|"]
    lines += [f"| {SIGNAL_NAMES[name]} | {s['roc_auc']:.3f} | {s[top]} |" for name, s in planted["signals"].items()]
    sig = planted["signals"]
    best_auc = max(sig, key=lambda k: sig[k]["roc_auc"])
    best_top = max(sig, key=lambda k: sig[k][top])
    lines += ["", f"Highest ROC-AUC: {SIGNAL_NAMES[best_auc]}; most flips in the top {top.rsplit('_', 1)[1]}: "
                  f"{SIGNAL_NAMES[best_top]} (one seed: differences of a few flips are within its noise)."]
    found = planted["cleanlab_find_label_issues"]
    lines += ["", f"`cleanlab.filter.find_label_issues` flagged {found['flagged']}: precision {found['precision']:.2f}, "
                  f"recall {found['recall']:.2f}. The 5-fold cross-validation of the 60,000 training digits "
                  f"(`{cv['command'].split(' --')[0]}`) is {cv['held_out_accuracy']:.1%} accurate out of sample.",
              "", f"TracIn index: {len(signals['epochs'])} checkpoints (epochs {', '.join(map(str, signals['epochs']))}), "
                  f"{signals['index_megabytes']:.0f} MB of per-example factors, built in {signals['index_build_seconds']:.0f} s "
                  f"on the machine that made the shipped files. Checkpoints: {index['note']}."]
    return "\n".join(lines)
