"""README's generated block about the shipped class views: what it took to compute them and what they say,
read from the file itself (its meta records the seconds), so the prose never drifts from the file."""

from __future__ import annotations

from explain.classview.disagreement import DISPLAY, METRICS

README_K = 50  # the k of the agreement table (the Classes page's default)
SHIPPED = "classes/class_views.npz"


def class_views_block() -> str:
    from explain.classview.views import load_views
    from explain.registry import get_method
    from model.paths import assets_dir

    path = assets_dir() / SHIPPED
    views = load_views(path)
    meta = views.meta
    lines = ["| method | explain all digits (s) | strategies (s) | strategies per class 0–9 |", "|---|---|---|---|"]
    for m, v in views.views.items():
        ks = " ".join(str(s.k) for s in v.strategies)
        lines.append(f"| {get_method(m).display} | {meta['explain_seconds'][m]:.1f} | "
                     f"{meta['strategy_seconds'][m]:.1f} | {ks} |")
    lines += ["", f"| pair (mean over {meta['digits']:,} digits, k = {README_K}) | "
              + " | ".join(DISPLAY[x].lower() for x in METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    for (a, b), i in zip(views.pairs, range(len(views.pairs)), strict=True):
        cells = " | ".join(f"{views.curves[x][i, README_K - 1]:.2f}" for x in METRICS)
        lines.append(f"| {get_method(a).display} · {get_method(b).display} | {cells} |")
    lines += ["", f"`python -m explain.classview` took {meta['total_seconds']:.0f} s in all on 2 shared cores "
              f"(disagreement curves {meta['disagreement_seconds']:.1f} s); `{SHIPPED}` is "
              f"{path.stat().st_size / 1e3:.0f} kB."]
    return "\n".join(lines)
