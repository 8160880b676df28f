"""python -m app.workspaces: list-items, export, import, prune; bad input is one line and exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.workspaces.cli import main
from model.workspaces import DrawingItem, Store, StoreConfig, ViewItem

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'ws.sqlite3'}"
    s = Store(StoreConfig(url=url))
    ws = s.create_workspace()
    s.save(ws, "a seven", DrawingItem(np.zeros((28, 28), np.float32)))
    s.save(ws, "my view", ViewItem("map", {"layer": "hidden1"}))
    s.close()
    return url, ws


def _run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_export_import_prune(db, tmp_path, capsys):
    url, ws = db
    code, out, _ = _run(capsys, "--database", url, "list-items", ws)
    assert code == 0 and sorted(line.split("\t")[-1] for line in out.splitlines()) == ["a seven", "my view"]
    code, out, _ = _run(capsys, "--database", url, "export", ws, "--out", str(tmp_path / "ws.zip"))
    assert code == 0 and (tmp_path / "ws.zip").stat().st_size > 0
    code, out, _ = _run(capsys, "--database", url, "import", str(tmp_path / "ws.zip"))
    copy = out.strip()
    assert code == 0 and copy != ws
    code, out, _ = _run(capsys, "--database", url, "list-items", copy)
    assert sorted(line.split("\t")[-1] for line in out.splitlines()) == ["a seven", "my view"]
    code, out, _ = _run(capsys, "--database", url, "prune")
    assert code == 0 and out.startswith("deleted 0 workspace(s)")


def test_new_workspace_ids_never_look_like_an_option():
    """An id starting with "-" was read by the command line as an option (1 id in 64 before)."""
    from model.workspaces.store import WORKSPACE_ID, new_workspace_id

    ids = [new_workspace_id() for _ in range(2000)]  # (63/64)^2000 ≈ 2e-14 that none would start with "-"
    assert not any(i.startswith("-") for i in ids) and all(WORKSPACE_ID.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("args, message", [
    (["list-items", "nope"], "not a workspace id"),
    (["list-items", "A" * 32], "no workspace"),
    (["export", "A" * 32, "--out", "x.txt"], ".zip"),
    (["import", "/no/such.zip"], "does not exist"),
    (["prune", "--days", "-3"], "retention"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_2(db, capsys, args, message):
    code, out, err = _run(capsys, "--database", db[0], *args)
    assert code == 2 and err.count("\n") == 1 and message in err and err.startswith("error: ")


def test_not_a_zip_is_refused(db, tmp_path, capsys):
    (tmp_path / "x.zip").write_bytes(b"hello")
    code, _, err = _run(capsys, "--database", db[0], "import", str(tmp_path / "x.zip"))
    assert code == 2 and "not a zip" in err


def test_module_entry_point(db):
    r = subprocess.run([sys.executable, "-m", "app.workspaces", "--database", db[0], "list-items", "bad"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not a workspace id" in r.stderr
