"""Our components send their data as JSON bytes (app/component.py), which Streamlit forwards untouched."""

from __future__ import annotations

import pytest
import json
import os
import subprocess
import sys
from pathlib import Path

import streamlit as st

from app import component

ROOT = Path(__file__).resolve().parents[1]


def test_light_component_sends_json_bytes_and_decodes_them_in_js(monkeypatch):
    mounted = {}

    def fake(name, html, css, js):
        mounted.update(name=name, js=js)
        return lambda **kwargs: mounted.update(kwargs)

    monkeypatch.setattr(st.components.v2, "component", fake)
    show = component.light_component("digit_lens.test", "<div></div>", "", "export default function () {}")
    show(data={"a": [1, 2.5], "b": "x"}, key="k", width="stretch")
    assert isinstance(mounted["data"], bytes) and json.loads(mounted["data"]) == {"a": [1, 2.5], "b": "x"}
    assert mounted["key"] == "k" and mounted["js"].startswith(component.DECODE_JS)


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
        "from app.canvas import drawing_pad\n"
        "from app.map_grid import grid_data, map_grid\n"
        "from app.probability_bars import probability_bars\n"
        "drawing_pad()\n"
        "map_grid(grid_data([('m', '', np.eye(28))]), key='g')\n"
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
