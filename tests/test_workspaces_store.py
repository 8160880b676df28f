"""The workspace store (model/workspaces) on SQLite and on PostgreSQL: every item kind, quotas, isolation,
export/import, retention, crash safety (SIGKILL mid-writes) and two writers at once."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from model.paths import bundled_checkpoint
from model.workspaces import (
    ConceptSetItem,
    DrawingItem,
    LabelMarksItem,
    ModelItem,
    QuotaExceeded,
    Quotas,
    Store,
    StoreConfig,
    ViewItem,
    WorkspaceNotFound,
)
from model.workspaces.archive import export_workspace, import_workspace
from model.workspaces.store import now
from tests.postgres import fresh_database, pg_bin, postgres_cluster

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(27)


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway cluster for the session; CI (which installs PostgreSQL) fails without one, a laptop skips."""
    if not pg_bin("initdb"):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run installs it (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres_cluster() as url:
        yield url


_DB_COUNT = iter(range(10_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workspaces.sqlite3'}"
    return fresh_database(request.getfixturevalue("pg_server"), f"t{next(_DB_COUNT)}")


@pytest.fixture
def store(db_url):
    s = Store(StoreConfig(url=db_url))
    yield s
    s.close()


def _drawing(seed: int = 0) -> DrawingItem:
    rng = np.random.default_rng(seed)
    return DrawingItem(rng.random((28, 28), dtype=np.float32), [{"w": 20, "pts": [10, 10, 100.5, 120]}], brush=20)


def _examples() -> dict[str, object]:
    return {
        "drawing": _drawing(),
        "model": ModelItem(bundled_checkpoint().read_bytes(), {"epochs": 3, "accuracy": 0.97}),
        "concepts": ConceptSetItem(RNG.random((5, 28, 28), dtype=np.float32), "loops"),
        "labels": LabelMarksItem((("test", 17, 3, "looks like a 3"), ("train", 59999, None, "unsure"))),
        "view": ViewItem("explore", {"index": "17", "methods": "saliency,lrp"}),
    }


def _same(a, b) -> bool:
    if isinstance(a, ModelItem):
        return a.weights == b.weights and a.record == b.record
    if isinstance(a, DrawingItem | ConceptSetItem):
        left = a.pixels if isinstance(a, DrawingItem) else a.images
        right = b.pixels if isinstance(b, DrawingItem) else b.images
        rest = (a.strokes, a.brush) == (b.strokes, b.brush) if isinstance(a, DrawingItem) else a.concept == b.concept
        return np.array_equal(left, right) and rest
    return a == b


@pytest.mark.parametrize("kind", list(_examples()))
def test_every_kind_round_trips(store, kind, model):
    value = _examples()[kind]
    ws = store.create_workspace()
    info = store.save(ws, f"my {kind}", value)
    assert [(i.id, i.kind, i.name) for i in store.list_items(ws)] == [(info.id, kind, f"my {kind}")]
    got_info, got = store.load(ws, info.id)
    assert got_info.kind == kind and got_info.size == info.size > 0
    assert _same(value, got)
    if kind == "model":  # validated like an upload, and the same network comes back
        network, meta = got.loaded
        assert meta.hidden == (128, 64)
        assert all(np.array_equal(v, model.state_dict()[k]) for k, v in network.state_dict().items())


def test_stored_bytes_are_validated_on_read(store):
    """A row changed behind the store's back (a restore, another replica) is refused, never unpickled."""
    ws = store.create_workspace()
    model = store.save(ws, "m", _examples()["model"])
    drawing = store.save(ws, "d", _drawing())
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE dl_items SET data = :d WHERE id = :i"), {"d": b"\x80\x04K\x01.", "i": model.id})
        conn.execute(text("UPDATE dl_items SET data = :d WHERE id = :i"), {"d": b'{"pixels": 1}', "i": drawing.id})
    with pytest.raises(ValueError, match="pickle"):
        store.load(ws, model.id)
    with pytest.raises(ValueError, match="drawing"):
        store.load(ws, drawing.id)


@pytest.mark.parametrize("value, match", [
    (DrawingItem(np.full((28, 28), np.nan, np.float32)), "finite"),
    (DrawingItem(np.full((28, 28), 2.0, np.float32)), r"\[0, 1\]"),
    (DrawingItem(np.zeros((28, 28), np.float32), [{"w": 20, "pts": [1]}]), "pairs"),
    (ModelItem(b"\x80\x04K\x01."), "pickle"),
    (ViewItem("../etc", {}), "page"),
    (LabelMarksItem((("test", 70_000, 1, ""),)), "index"),
])
def test_bad_items_are_refused_before_anything_is_written(store, value, match):
    ws = store.create_workspace()
    with pytest.raises(ValueError, match=match):
        store.save(ws, "bad", value)
    assert store.list_items(ws) == []


def test_names_and_ids_are_checked(store):
    ws = store.create_workspace()
    with pytest.raises(ValueError, match="needs a name"):
        store.save(ws, " \n ", _drawing())
    with pytest.raises(WorkspaceNotFound):
        store.save("not-a-workspace", "d", _drawing())
    with pytest.raises(WorkspaceNotFound, match="no workspace"):
        store.save("A" * 32, "d", _drawing())  # well formed, unknown


def test_quotas_per_kind_items_and_bytes(db_url):
    s = Store(StoreConfig(url=db_url, quotas=Quotas(max_items=3, max_bytes=15_000, per_kind={"drawing": 2})))
    try:
        ws = s.create_workspace()
        s.save(ws, "a", _drawing(1))
        s.save(ws, "b", _drawing(2))
        with pytest.raises(QuotaExceeded, match="2 drawing item.*the limit is 2"):
            s.save(ws, "c", _drawing(3))
        s.save(ws, "v", ViewItem("draw", {}))
        with pytest.raises(QuotaExceeded, match="3 items; the limit is 3"):
            s.save(ws, "v2", ViewItem("draw", {}))
        other = s.create_workspace()  # quotas are per workspace
        with pytest.raises(QuotaExceeded, match="MB"):
            s.save(other, "big", ConceptSetItem(np.zeros((10, 28, 28), np.float32), "zeros"))
        assert s.usage(ws).items == 3 and s.usage(other).items == 0
    finally:
        s.close()


def test_workspaces_are_isolated(store):
    a, b = store.create_workspace(), store.create_workspace()
    assert a != b and len(a) >= 32 and len(set(a)) > 8  # token_urlsafe(24): 192 bits
    item = store.save(a, "mine", _drawing())
    assert len(item.id) >= 22  # 128 bits
    assert store.list_items(b) == []
    with pytest.raises(ValueError, match="no such item"):
        store.load(b, item.id)
    with pytest.raises(ValueError, match="no such item"):
        store.delete(b, item.id)
    assert store.exists(a) and not store.exists("B" * 32) and not store.exists("../x")
    assert not [name for name in dir(store) if "workspaces" in name]  # nothing lists or enumerates them


def test_export_import_round_trip(store):
    ws = store.create_workspace()
    originals = {kind: store.save(ws, f"my {kind}", v) for kind, v in _examples().items()}
    data = export_workspace(store, ws)
    copy = import_workspace(store, data)
    assert copy != ws
    got = {i.kind: i for i in store.list_items(copy)}
    assert set(got) == set(originals)
    for kind, info in originals.items():
        assert got[kind].name == info.name and got[kind].size == info.size
        assert _same(store.load(ws, info.id)[1], store.load(copy, got[kind].id)[1])


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _manifest(*items: dict) -> bytes:
    return json.dumps({"format": "digit-lens-workspace", "version": 1, "items": list(items)}).encode()


GOOD_ENTRY = {"file": "items/0.bin", "kind": "view", "name": "v", "created": "2026-01-01T00:00:00+00:00", "meta": {}}
VIEW_BYTES = ViewItem("draw", {}).encode()[0]


@pytest.mark.parametrize("archive, match", [
    (b"not a zip", "not a zip"),
    (_zip({"manifest.json": _manifest(GOOD_ENTRY), "items/0.bin": VIEW_BYTES, "../evil.bin": b"x"}), "unexpected file"),
    (_zip({"manifest.json": _manifest({**GOOD_ENTRY, "file": "../../etc/passwd"}), "items/0.bin": VIEW_BYTES}),
     "missing or reused"),
    (_zip({"manifest.json": _manifest(GOOD_ENTRY), "/items/0.bin": VIEW_BYTES}), "unexpected file"),
    (_zip({"manifest.json": b"[1, 2"}), "not valid JSON"),
    (_zip({"items/0.bin": VIEW_BYTES}), "no manifest"),
    (_zip({"manifest.json": _manifest({**GOOD_ENTRY, "kind": "pickle"}), "items/0.bin": VIEW_BYTES}), "unknown item kind"),
    (_zip({"manifest.json": _manifest(GOOD_ENTRY), "items/0.bin": b"\x00" * (64 * 1024 + 1)}), "limit"),
    (_zip({"manifest.json": _manifest({**GOOD_ENTRY, "kind": "model"}), "items/0.bin": b"\x80\x04K\x01."}), "pickle"),
])
def test_import_refuses_what_is_not_an_export(store, archive, match):
    with pytest.raises(ValueError, match=match):
        import_workspace(store, archive)


def test_import_refuses_duplicate_names(store):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr("manifest.json", _manifest(GOOD_ENTRY))
        zf.writestr("items/0.bin", VIEW_BYTES)
        zf.writestr("items/0.bin", b"other")
    with pytest.raises(ValueError, match="twice"):
        import_workspace(store, buf.getvalue())


def test_prune_deletes_only_workspaces_unused_for_the_retention(store):
    import datetime as dt

    old, fresh = store.create_workspace(), store.create_workspace()
    store.save(old, "d", _drawing())
    later = now() + dt.timedelta(days=20)
    store.save(fresh, "d", _drawing())  # both touched now; prune as seen 31 days on, keeping 10-day-fresh ones:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE dl_workspaces SET touched = :t WHERE id = :i"), {"t": later, "i": fresh})
    assert store.prune(at=now() + dt.timedelta(days=29)) == 0
    assert store.prune(at=now() + dt.timedelta(days=31)) == 1
    assert not store.exists(old) and store.exists(fresh)
    with store.engine.connect() as conn:  # no orphaned items left behind
        assert conn.execute(text("SELECT count(*) FROM dl_items WHERE workspace_id = :i"), {"i": old}).scalar() == 0
    with pytest.raises(ValueError, match="retention"):
        store.prune(days=-1)


def test_schema_is_migrated_once_and_reopens(db_url):
    Store(StoreConfig(url=db_url)).close()
    s = Store(StoreConfig(url=db_url))  # second open: already at head, nothing re-created
    with s.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM digit_lens_alembic_version")).scalars().all() == ["0001"]
    s.close()


WRITER = """
import os, signal, sys
import numpy as np
from sqlalchemy import event
from model.workspaces import ConceptSetItem, DrawingItem, Quotas, Store, StoreConfig
store = Store(StoreConfig(url=sys.argv[1], quotas=Quotas(max_items=100_000, max_bytes=2**40,
                                                          per_kind={"drawing": 100_000, "concepts": 100_000})))
ws, die_at = sys.argv[2], int(sys.argv[3])
commits = []
if die_at:  # SIGKILL inside the die_at-th commit from here on: the transaction is sent, not yet committed
    @event.listens_for(store.engine, "commit")
    def _die(conn):
        commits.append(1)
        if len(commits) == die_at:
            os.kill(os.getpid(), signal.SIGKILL)
rng = np.random.default_rng(0)
for n in range(100_000):
    value = (ConceptSetItem(rng.random((60, 28, 28), dtype=np.float32), f"c{n}") if n % 2
             else DrawingItem(rng.random((28, 28), dtype=np.float32)))
    info = store.save(ws, f"item {n}", value)
    print(info.id, flush=True)  # only after the commit returned
"""


@pytest.mark.parametrize("die_at", [0, 9], ids=["killed-by-parent", "killed-inside-a-commit"])
def test_kill_9_during_saves_leaves_every_committed_item_and_no_half_item(store, db_url, die_at):
    """SIGKILL while saving without pause (at whatever point it lands), and SIGKILL inside a commit (the
    rows sent, the COMMIT not done): every item reported saved reads back whole, nothing half-written."""
    ws = store.create_workspace()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, db_url, ws, str(die_at)], stdout=subprocess.PIPE,
                            text=True, env=env)
    committed = []
    try:
        while die_at == 0 and len(committed) < 12:
            line = proc.stdout.readline()
            assert line, f"writer stopped early (exit {proc.poll()})"
            committed.append(line.strip())
    finally:
        if die_at == 0:
            os.kill(proc.pid, signal.SIGKILL)  # mid-write: it saves without pause
        proc.wait(timeout=120)
        committed += [line.strip() for line in proc.stdout.read().splitlines()]  # printed before the kill
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    if die_at:
        assert len(committed) == die_at - 1  # one commit per save: the die_at-th save never returned
    reopened = Store(StoreConfig(url=db_url))
    try:
        items = reopened.list_items(ws)
        ids = {i.id for i in items}
        assert set(committed) <= ids
        assert len(ids) - len(committed) <= (0 if die_at else 1)  # killed by the parent: one may have just landed
        for info in items:  # every stored item whole and valid
            assert reopened.load(ws, info.id)[0].size == info.size
    finally:
        reopened.close()


def test_two_writers_at_once_both_land_and_share_the_quota(db_url):
    """Two sessions save into one workspace at the same time: every save lands, and the quota holds."""
    limit, per_writer = 25, 15
    config = StoreConfig(url=db_url, quotas=Quotas(per_kind={"drawing": limit}))
    stores = [Store(config), Store(config)]
    ws = stores[0].create_workspace()
    barrier, saved, refused = threading.Barrier(2), [], []

    def write(s: Store, who: int) -> None:
        barrier.wait()
        for n in range(per_writer):
            try:
                saved.append(s.save(ws, f"w{who} {n}", _drawing(100 * who + n)).id)
            except QuotaExceeded:
                refused.append(n)

    threads = [threading.Thread(target=write, args=(s, k)) for k, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        names = {i.name for i in stores[1].list_items(ws)}
        assert len(saved) == limit and len(refused) == 2 * per_writer - limit
        assert {f"w0 {n}" for n in range(5)} <= names and {f"w1 {n}" for n in range(5)} <= names  # both landed
        assert len(names) == limit
    finally:
        for s in stores:
            s.close()
