"""The notebook API: results draw themselves (`figure()`, `_repr_html_`) with the house rules, and
examples/tour.ipynb runs top to bottom in a fresh kernel (nbclient + ipykernel)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import explain
from explain.evaluation.board import Leaderboard

ROOT = Path(__file__).resolve().parents[1]


def _colorbar_titles(fig) -> list[str]:
    out = []
    for axis in ("coloraxis", "coloraxis2"):
        ca = getattr(fig.layout, axis, None)
        if ca is not None and ca.colorbar.title.text:
            out.append(ca.colorbar.title.text)
    return out


def test_show_draws_the_digit_and_every_method_on_a_centred_scale(model, test_split):
    fig = explain.show(test_split.images[0].numpy(), methods=["integrated_gradients", "deeplift"], model=model)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:3] == ["input", "Integrated Gradients", "DeepLift"]  # display names, not registry names
    ca = fig.layout.coloraxis
    assert ca.cmin == -ca.cmax and ca.cmid == 0 and ca.cmax > 0  # diverging, centred at zero
    assert _colorbar_titles(fig) and all(t for t in _colorbar_titles(fig))
    with pytest.raises(ValueError, match="methods"):
        explain.show(test_split.images[0].numpy(), methods="saliency", model=model)


def test_results_display_themselves(model, test_split):
    x = test_split.images[1].numpy()
    a = explain.explain(model, x, "saliency")
    fig = a.figure(digit=x)
    assert [p.type for p in fig.data] == ["heatmap", "heatmap"]
    assert fig.layout.coloraxis2.cmin == 0  # |gradient|: a sequential scale from zero, not a diverging one
    assert np.allclose(np.asarray(fig.data[1].z), a.values)
    assert "plotly" in a._repr_html_()
    b = explain.explain_batch(model, test_split.images[:5], "deeplift")
    assert len(b.figure(limit=3).data) == 3 and "Plotly" in b._repr_html_()


def test_score_card_and_leaderboard_display(model, test_split):
    from explain.evaluation.scorecard import score_card

    card = score_card(model, test_split.images[2].numpy(), ["saliency", "deeplift"])
    html = card._repr_html_()
    assert "<table" in html and "DeepLift" in html and "control: random map" in html and "<b>" in html
    assert {d.name for d in card.figure("insertion").data} >= {"Saliency", "DeepLift"}
    with pytest.raises(ValueError, match="kind"):
        card.figure("sideways")
    board = Leaderboard.load()
    names, means, ci, ranks = board.column("deletion_mean")
    assert len(names) == len(board.rows) and np.isfinite(means).all() and ranks.min() == 1
    fig = board.figure()
    assert list(fig.data[0].x) == sorted(means, reverse=True)  # lower is better: the best drawn at the top
    assert "Deep SHAP (shap)" in board._repr_html_() or "DeepLift" in board._repr_html_()
    with pytest.raises(ValueError, match="metric"):
        board.figure("speed")


@pytest.mark.slow
def test_tour_notebook_runs_top_to_bottom():
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "examples" / "tour.ipynb", as_version=4)
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env_path}" if env_path else str(ROOT)  # the kernel's imports
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        os.environ["PYTHONPATH"] = env_path
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    drawn = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {}) or
             "text/html" in o.get("data", {})]
    assert len(drawn) >= 5  # show ×2, the Attribution, the score card, the leaderboard, the class means
