"""Start-up: the first Draw page answers before torch is in, then becomes the full page (app/startup.py)."""

from __future__ import annotations

import pytest
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
ENTRY = str(ROOT / "app" / "streamlit_app.py")

# In a fresh interpreter: the Draw page of a server whose warm-up has not started (it would import torch),
# with a drawn "1". Prints what a test reads.
LIGHT_DRAW = f"""
import json, sys
import numpy as np
import app.startup
app.startup._warm_up = lambda s: s.stop.wait(60)  # a warm-up that imports nothing during this check
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({ENTRY!r}, default_timeout=60)
at.switch_page("app_pages/draw.py").run()  # the first page this server runs
img = np.zeros((280, 280, 4), np.uint8); img[..., 3] = 255; img[40:240, 130:152, :3] = 255
at.session_state["draw_pixels"] = img
at.run()
print(json.dumps({{"torch": "torch" in sys.modules, "scipy": "scipy.ndimage" in sys.modules, "exceptions": [e.value for e in at.exception],
    "metrics": {{m.label: m.value for m in at.metric}}, "info": [i.value for i in at.info],
    "multiselects": len(at.multiselect), "sidebar_selects": len(at.sidebar.selectbox),
    "components": sorted(c.proto.component_name for c in at.get("bidi_component"))}}))
"""


@pytest.mark.slow
def test_the_first_draw_page_predicts_without_torch():
    out = subprocess.run([sys.executable, "-c", LIGHT_DRAW], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    import json

    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert not seen["torch"] and not seen["exceptions"]
    assert not seen["scipy"]  # 0.3 s of import that the preprocessing's centre of mass no longer needs
    assert seen["metrics"]["Prediction"] == "1"
    assert any("maps come in a few seconds" in i for i in seen["info"])  # says what it is waiting for
    assert seen["multiselects"] == 0 and seen["sidebar_selects"] == 0  # the map settings come with torch
    assert seen["components"] == ["digit_lens.drawing_pad", "digit_lens.image_strip", "digit_lens.probability_bars"]


def test_the_light_draw_page_becomes_the_full_page_once_torch_is_in(monkeypatch):
    import app.startup

    ready = {"now": False}
    monkeypatch.setattr(app.startup, "torch_side_loaded", lambda: ready["now"])
    monkeypatch.setattr(app.startup, "first_answer_sent", lambda page_served=False: None)
    at = AppTest.from_file(ENTRY, default_timeout=180)
    at.run()
    at.switch_page("app_pages/draw.py").run()
    img = np.zeros((280, 280, 4), np.uint8)
    img[..., 3] = 255
    img[40:240, 130:152, :3] = 255
    at.session_state["draw_pixels"] = img
    at.run()
    assert {m.label: m.value for m in at.metric}["Prediction"] == "1" and not at.multiselect
    ready["now"] = True  # the warm-up has imported app.state: the next run is the full page
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["Prediction"] == "1"
    assert at.multiselect  # the methods of the maps
    assert any("Fingerprint of these maps" in c.value for c in at.caption)
    assert not any("maps come in a few seconds" in i.value for i in at.info)


def test_the_launcher_skips_a_scan_streamlit_still_makes(monkeypatch):
    """The launcher replaces Streamlit's scan for packaged components: fail loudly if Streamlit moves it."""
    from streamlit.components.v2 import component_manager, manifest_scanner

    from app.streamlit_private import skip_component_scan

    assert callable(manifest_scanner.scan_component_manifests)
    source = inspect.getsource(component_manager)
    assert "from streamlit.components.v2.manifest_scanner import" in source and "scan_component_manifests()" in source
    monkeypatch.setattr(manifest_scanner, "scan_component_manifests", manifest_scanner.scan_component_manifests)
    skip_component_scan()
    assert manifest_scanner.scan_component_manifests() == []
