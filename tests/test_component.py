"""Our components (app/components/): each one's HTML, CSS and JS read from its folder, `decode.js` first;
their data sent as JSON bytes (which Streamlit forwards untouched) and their arrays as `b64_array`."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import streamlit as st

from app.components import base

ROOT = Path(__file__).resolve().parents[1]


def _fake_register(monkeypatch) -> dict:
    mounted = {}

    def fake(name, html, css, js):
        mounted.update(name=name, html=html, css=css, js=js)
        return lambda **kwargs: mounted.update(kwargs)

    monkeypatch.setattr(st.components.v2, "component", fake)
    return mounted


def test_light_component_reads_its_folder_sends_json_bytes_and_decodes_them_in_js(monkeypatch, tmp_path):
    mounted = _fake_register(monkeypatch)
    (tmp_path / "x.html").write_text("<div></div>")
    (tmp_path / "x.css").write_text("div { color: red; }")
    (tmp_path / "x.js").write_text("export default function () {}")
    show = base.light_component("digit_lens.test", tmp_path)
    assert mounted["name"] == "digit_lens.test" and mounted["html"] == "<div></div>"
    assert mounted["css"] == "div { color: red; }"
    assert mounted["js"] == base.DECODE_JS + "export default function () {}"
    show(data={"a": [1, 2.5], "b": "x"}, key="k", width="stretch")
    assert isinstance(mounted["data"], bytes) and json.loads(mounted["data"]) == {"a": [1, 2.5], "b": "x"}
    assert mounted["key"] == "k"


def test_a_component_folder_needs_exactly_one_file_of_each_kind(monkeypatch, tmp_path):
    _fake_register(monkeypatch)
    for name in ("x.html", "x.css", "x.js", "y.js"):
        (tmp_path / name).write_text("")
    with pytest.raises(FileNotFoundError, match=r"exactly one \.js file, found \['x.js', 'y.js'\]"):
        base.light_component("digit_lens.test", tmp_path)


def test_b64_array_sends_the_values_as_the_dtype_in_c_order():
    values = np.arange(6, dtype=np.float64).reshape(2, 3).T  # not C-contiguous
    got = np.frombuffer(base64.b64decode(base.b64_array(values, "<f4")), "<f4")
    assert got.tolist() == values.reshape(-1).tolist()
    grey = np.array([[0, 128], [255, 7]], np.uint8)
    assert base64.b64decode(base.b64_array(grey, np.uint8)) == bytes([0, 128, 255, 7])


def test_each_component_is_a_folder_of_its_files_and_none_decodes_base64_itself():
    """One folder per component, named as it is registered; its JS leaves decoding to decode.js."""
    folders = sorted(p.parent for p in (ROOT / "app" / "components").glob("*/__init__.py"))
    assert [f.name for f in folders] == ["drawing_pad", "heatmap_grid", "image_strip", "layer_heatmaps",
                                         "probability_bars"]
    for folder in folders:
        assert sorted(p.suffix for p in folder.glob("*.*") if p.suffix != ".py") == [".css", ".html", ".js"]
        js = (next(folder.glob("*.js"))).read_text()
        assert "atob(" not in js and "const decode" not in js and "function floats" not in js, folder.name
        registered = f'light_component("digit_lens.{folder.name}", Path(__file__).parent)'
        assert registered in (folder / "__init__.py").read_text(), folder.name


@pytest.mark.slow
def test_mounting_our_components_does_not_import_pandas(tmp_path):
    """A dict would go through Streamlit's dataframe-aware serialiser, whose first call imports pandas (a
    second on a fresh server, in front of the first visitor's drawing pad); bytes do not. A fresh process
    mounts the pad, a map grid and the probability bars, then says whether pandas got imported."""
    script = tmp_path / "page.py"
    script.write_text(
        "import sys\n"
        "import numpy as np\n"
        "import streamlit as st\n"
        "from app.components.drawing_pad import drawing_pad\n"
        "from app.components.heatmap_grid import grid_data, heatmap_grid\n"
        "from app.components.probability_bars import probability_bars\n"
        "drawing_pad()\n"
        "heatmap_grid(grid_data([('m', '', np.eye(28))]), key='g')\n"
        "probability_bars(np.full(10, 0.1), key='p')\n"
        "st.write(f\"pandas={'pandas' in sys.modules}\")\n")
    probe = ("import sys\n"
             "from streamlit.testing.v1 import AppTest\n"
             f"at = AppTest.from_file({str(script)!r}, default_timeout=120).run()\n"
             "assert not at.exception, [e.value for e in at.exception]\n"
             "print(at.markdown[-1].value, len(at.get('bidi_component')))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT).stdout
    assert out.split()[-2:] == ["pandas=False", "3"]
