"""Figure builders (pure) and exports: the shared scale is shared, symmetric and honest."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
from PIL import Image
import plotly.graph_objects as go
import pytest

from app.figures.common import agreement_figure, symmetric_limit, tiles_figure
from app.figures.atlas import MapPoints, map_figure, selected_indices
from explain import explain
from explain.evaluation.agreement import agreement_matrix, spearman, top_k_overlap
from explain.export import config_json, diverging_rgb, to_csv, to_npz, to_png, to_zip


def test_figure_input_errors():
    with pytest.raises(ValueError, match="per-tile data"):
        tiles_figure(np.zeros((2, 28, 28)), np.zeros((3, 1)), "%{z}", "weight", signed=True)
    with pytest.raises(ValueError):
        agreement_figure(np.eye(3), ["a", "b"], "t")
    assert symmetric_limit([np.zeros((2, 2))]) == 1.0


def test_agreement_known_answers():
    a = np.arange(784, dtype=float).reshape(28, 28)
    assert spearman(a, a) == pytest.approx(1.0)
    assert spearman(a, -a) == pytest.approx(-1.0)
    assert top_k_overlap(a, a, 0.1) == 1.0 and top_k_overlap(a, -a, 0.1) == 0.0
    m = agreement_matrix({"x": a, "y": 2 * a + 1, "z": -a})
    np.testing.assert_allclose(m, [[1, 1, -1], [1, 1, -1], [-1, -1, 1]])


def test_diverging_colours_are_symmetric():
    rgb = diverging_rgb(np.array([[-1.0, 0.0, 1.0]]))
    assert tuple(rgb[0, 1]) == (247, 247, 247)  # white-ish zero
    assert rgb[0, 0, 2] > rgb[0, 0, 0] and rgb[0, 2, 0] > rgb[0, 2, 2]  # blue negative, red positive


def test_exports_round_trip(model, test_split):
    x = test_split.images[0].numpy()
    done = {m: explain(model, x, m) for m in ("saliency", "deeplift")}
    npz = np.load(io.BytesIO(to_npz(done, x)))
    np.testing.assert_array_equal(npz["deeplift"], done["deeplift"].values)
    np.testing.assert_array_equal(npz["_input"], x)
    rows = list(csv.DictReader(io.StringIO(to_csv(done))))
    assert len(rows) == 2 * 784 and float(rows[0]["value"]) == done["saliency"].values[0, 0]
    assert to_png(done["deeplift"].values)[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(config_json({"methods": ["a"], "seed": 0}))["seed"] == 0
    import zipfile

    with zipfile.ZipFile(io.BytesIO(to_zip(done, x, {"seed": 0}))) as z:
        assert sorted(z.namelist()) == ["config.json", "deeplift.png", "maps.csv", "maps.npz", "saliency.png"]
        assert z.read("maps.npz") == to_npz(done, x)
        figure = np.asarray(Image.open(io.BytesIO(z.read("deeplift.png"))).convert("RGB"))
        unsigned = np.asarray(Image.open(io.BytesIO(z.read("saliency.png"))).convert("RGB"))
    # A figure, not bare pixels (issue 28): a title band above the 280-px map, a colour bar beside it, the
    # digit's outline over it; the unsigned map's bar runs from 0 (white at its foot), the signed one's to blue.
    assert figure.shape[0] > 280 + 20 and figure.shape[1] > 280 + 60
    assert (figure[:25, :200] < 100).any()  # the title's dark text
    bar = figure[32:308, 298]
    assert bar[0, 0] > bar[0, 2] and bar[-1, 2] > bar[-1, 0]  # red at the top, blue at the foot
    assert unsigned[32:308, 298][-1].min() > 230  # white at 0
    ink = x.reshape(28, 28) >= 0.35
    r, c = np.argwhere(ink[:, 1:] != ink[:, :-1])[0]  # a vertical ink edge: a dark outline pixel there
    assert figure[30 + r * 10 + 5, (c + 1) * 10].max() < 80


def test_the_unvalidated_figures_pass_plotly_validation():
    """The tiles and the Map's scatter skip validation for speed: validate them here."""
    rng = np.random.default_rng(0)
    points = MapPoints(rng.normal(size=(50, 2)), rng.integers(0, 10, 50), rng.integers(0, 10, 50), rng.random(50))
    figures = [*(tiles_figure(rng.normal(size=(6, 28, 28)), rng.random((6, 2)), "%{customdata[0]}: %{z}", "weight",
                              signed, 4) for signed in (True, False)),
               *(map_figure(points, c, ("PC 1", "PC 2"), "t", (0.0, 0.0)) for c in ("label", "mistake", "confidence"))]
    for fig in figures:
        checked = go.Figure(fig.to_dict())  # raises ValueError on any invalid property
        assert checked.layout.height == fig.layout.height and len(checked.data) == len(fig.data)
        # plotly.py turns its own colour scale names into lists; unvalidated, plotly.js gets the name itself
        for scale in _colour_scales(fig.to_dict()):
            assert not isinstance(scale, str) or scale in PLOTLY_JS_SCALES, f"plotly.js has no colour scale {scale!r}"


# The named colour scales plotly.js itself knows (src/components/colorscale/scales.js); any other name it
# silently replaces with its default.
PLOTLY_JS_SCALES = {"Blackbody", "Bluered", "Blues", "Cividis", "Earth", "Electric", "Greens", "Greys", "Hot", "Jet",
                    "Picnic", "Portland", "Rainbow", "RdBu", "Reds", "Viridis", "YlGnBu", "YlOrRd"}


def _colour_scales(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "colorscale":
                yield v
            else:
                yield from _colour_scales(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _colour_scales(v)


def test_tiles_carry_each_tiles_numbers_for_hover():
    imgs = np.arange(3 * 28 * 28, dtype=float).reshape(3, 28, 28)
    fig = tiles_figure(imgs, np.array([[7, 0.5], [8, 0.25], [9, 0.125]]), "%{customdata[0]}", "pixel", False, cols=2)
    z, hover = np.asarray(fig.data[0].z), np.asarray(fig.data[0].customdata)
    assert hover.shape == (*z.shape, 2)
    np.testing.assert_array_equal(z[29:, :28], imgs[2])  # second row, first column: the third image
    assert (hover[29:, :28] == [9, 0.125]).all() and np.isnan(hover[28, 0]).all()  # a gap row has none


def test_heatmap_grid_data_shares_or_normalises_the_scale_and_keeps_raw_values_for_hover():
    import base64

    from app.components.heatmap_grid import grid_data

    a, b = np.zeros((28, 28)), np.zeros((28, 28))
    a[3, 4], b[5, 6] = 2.0, -0.5
    digit = np.zeros((28, 28))
    digit[10:20, 12:14] = 1.0

    def values(panel):
        return np.frombuffer(base64.b64decode(panel["values"]), "<f4").reshape(28, 28) * panel["scale"]

    shared = grid_data([("A", "1 ms", a), ("B", "", b)], digit)
    assert shared["limit"] == 2.0 and [p["scale"] for p in shared["panels"]] == [1.0, 1.0]
    assert shared["outline"].count("1") == 20 and shared["colorbar"] == "attribution"
    own = grid_data([("A", "", a), ("B", "", b)], shared=False)
    assert own["limit"] == 1.0 and own["outline"] is None and "relative" in own["colorbar"]
    for data in (shared, own):  # hover shows raw values whatever the scale
        np.testing.assert_allclose(values(data["panels"][1]), b)
    weights = grid_data([("W", "", b)], quantity="weight")  # what the maps hold names the bar and the hover
    assert (weights["colorbar"], weights["quantity"]) == ("weight", "weight")
    with pytest.raises(ValueError, match="28×28"):
        grid_data([("A", "", np.zeros((27, 28)))])
    with pytest.raises(ValueError, match="no maps"):
        grid_data([])


def test_probability_bars_data_names_the_bad_shape():
    from app.components.probability_bars import bars_data

    assert bars_data(np.eye(10)[3])["p"][3] == 1.0
    with pytest.raises(ValueError, match="shape"):
        bars_data(np.ones(9))


def test_image_strip_data_keeps_the_pixels_and_refuses_what_it_cannot_draw():
    import base64

    from app.components.image_strip import MAX_SIDE, strip_data

    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    [item] = strip_data([img], ["steps"])["images"]
    assert (item["w"], item["h"], item["caption"]) == (4, 3, "steps")
    assert base64.b64decode(item["pixels"]) == img.tobytes()
    for bad in (np.zeros((3, 4)), np.zeros((MAX_SIDE + 1, 2), np.uint8), np.zeros((2, 2, 3), np.uint8)):
        with pytest.raises(ValueError, match="2-D uint8"):
            strip_data([bad], ["x"])
    with pytest.raises(ValueError, match="captions"):
        strip_data([img], [])


def test_selected_points_name_their_test_digits_whatever_shape_the_browser_sends():
    from types import SimpleNamespace

    points = [{"customdata": {"0": 7.0, "1": 1.0}},  # a typed array row comes back as a dict
              {"customdata": [8, 3, 3, 0.5]},  # a plain list
              {"x": 0.1, "y": 0.2},  # the star: no customdata
              {"customdata": {"0": 7.0}}]  # the same digit twice (box + click): once
    assert selected_indices(SimpleNamespace(selection={"points": points})) == [7, 8]
    assert selected_indices(None) == [] and selected_indices(SimpleNamespace(selection=None)) == []


def test_layer_heatmaps_data_scales_each_layer_and_refuses_what_it_cannot_draw():
    from app.components.layer_heatmaps import layers_data

    data = layers_data({"hidden1": np.linspace(0, 3, 128), "logits": np.array([-2.0, 5.0] + [0.0] * 8)})
    h1, logits = data["layers"]
    assert (h1["lo"], h1["hi"], h1["unit"]) == (0.0, 3.0, "activation")  # sequential: its own range
    assert (logits["lo"], logits["hi"], logits["unit"]) == (-5.0, 5.0, "logit")  # diverging, centred at zero
    assert h1["palette"] != logits["palette"]
    flat = layers_data({"hidden2": np.zeros(64)})["layers"][0]
    assert flat["hi"] > flat["lo"]  # a constant layer still has a colour bar
    with pytest.raises(ValueError, match="hidden1"):
        layers_data({"hidden1": np.array([0.0, np.nan])})


def test_agreement_cells_are_labelled_while_they_are_few():
    from app.figures.common import LABELLED_UP_TO

    few = agreement_figure(np.eye(3), list("abc"), "t")
    many = agreement_figure(np.eye(LABELLED_UP_TO + 1), [f"m{i}" for i in range(LABELLED_UP_TO + 1)], "t")
    assert few.data[0].texttemplate == "%{text}" and np.asarray(few.data[0].text)[0, 0] == 1.0
    assert many.data[0].texttemplate is None and "%{z:.3f}" in many.data[0].hovertemplate
