"""The workspace store: one class over SQLAlchemy Core, every write one transaction.

SQLite (the embedded default) runs in WAL mode, and every write transaction starts with BEGIN IMMEDIATE:
two writers then queue on the busy timeout instead of one failing when it upgrades a read lock. On
PostgreSQL a write locks its workspace's row (SELECT … FOR UPDATE), so two sessions saving into one
workspace at once cannot both pass the quota check on the same totals. No method lists workspaces.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from model.workspaces import schema
from model.workspaces.config import StoreConfig
from model.workspaces.kinds import check_meta, decode_item, kind_of

WORKSPACE_ID = re.compile(r"[A-Za-z0-9_-]{32,64}")
ITEM_ID = re.compile(r"[A-Za-z0-9_-]{22,64}")
MAX_NAME = 120


def new_workspace_id() -> str:
    """192 random bits, URL-safe, never starting with "-": a command line would read such an id as an option
    (`python -m app.workspaces list-items -x…` failed for 1 id in 64; a test caught it about once in 30 runs)."""
    while True:
        ws = secrets.token_urlsafe(24)
        if not ws.startswith("-"):
            return ws
MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x6469676974  # an advisory lock id: one replica migrates at a time


class WorkspaceNotFound(ValueError):
    """No workspace with this id (or it expired): the same answer for both, so ids cannot be probed."""


class QuotaExceeded(ValueError):
    """A save would take the workspace over one of its quotas; the message says which and by how much."""


class StoreUnavailable(RuntimeError):
    """The database cannot be opened or reached; the app goes read-only and says so."""


@dataclass(frozen=True)
class ItemInfo:
    id: str
    kind: str
    name: str
    created: dt.datetime
    size: int


@dataclass(frozen=True)
class Usage:
    items: int
    bytes: int
    per_kind: dict[str, int]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC


def check_workspace_id(ws: Any) -> str:
    if not isinstance(ws, str) or not WORKSPACE_ID.fullmatch(ws):
        raise WorkspaceNotFound(f"{str(ws)[:70]!r} is not a workspace id (32–64 letters, digits, '-' or '_')")
    return ws


def check_item_id(item_id: Any) -> str:
    if not isinstance(item_id, str) or not ITEM_ID.fullmatch(item_id):
        raise ValueError(f"{str(item_id)[:70]!r} is not an item id")
    return item_id


def check_name(name: Any) -> str:
    """An item's name: printable text, 1..MAX_NAME characters after trimming."""
    if not isinstance(name, str):
        raise ValueError(f"an item name must be text, got {type(name).__name__}")
    cleaned = "".join(ch for ch in name if ch.isprintable()).strip()
    if not cleaned:
        raise ValueError("an item needs a name")
    if len(cleaned) > MAX_NAME:
        raise ValueError(f"an item name may have at most {MAX_NAME} characters, got {len(cleaned)}")
    return cleaned


def _engine(config: StoreConfig) -> Engine:
    try:
        url = make_url(config.url)
    except ArgumentError:
        raise StoreUnavailable(f"the workspace database URL is not a database URL: {config.url[:80]!r}") from None
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": config.busy_timeout_s})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                           f"busy_timeout={int(config.busy_timeout_s * 1000)}"):
                dbapi_conn.execute(f"PRAGMA {pragma}")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Reads may share; a write takes the lock up front (a deferred one could fail on upgrading).
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("reading") else "BEGIN IMMEDIATE")

        return engine
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we install
    # A replica whose database is down must say so within seconds, not hang every page on a connect.
    timeout = {"connect_timeout": 5} if url.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, connect_args=timeout)


class Store:
    """Workspaces in one database. Open once per process; safe to share between threads."""

    def __init__(self, config: StoreConfig | None = None) -> None:
        self.config = config or StoreConfig()
        try:
            self.engine = _engine(self.config)
        except ImportError as exc:  # SQLAlchemy loads the driver by name: psycopg is an extra
            raise StoreUnavailable(f"the database driver is not installed ({exc.name}): for PostgreSQL, "
                                   "pip install 'digit-lens[postgres]'") from None
        except OSError as exc:  # the SQLite file's folder cannot be made (read-only disk, say)
            raise StoreUnavailable(f"the workspace database's folder cannot be created: {exc}") from None
        try:
            self._migrate()
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise StoreUnavailable(f"the workspace database cannot be opened: {type(exc).__name__}: "
                                   f"{str(exc).splitlines()[0][:200]}") from None

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as conn, conn.begin():
            if conn.dialect.name == "postgresql":  # replicas starting together: one migrates, the rest wait
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the workspace database refused the write: {type(exc).__name__}") from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(reading=True)
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the workspace database cannot be read: {type(exc).__name__}") from None

    # -- workspaces ---------------------------------------------------------------------------------
    def create_workspace(self) -> str:
        ws = new_workspace_id()  # unguessable, and nothing lists them
        t = now()
        with self._write() as conn:
            conn.execute(insert(schema.workspaces).values(id=ws, created=t, touched=t))
        return ws

    def exists(self, ws: str) -> bool:
        try:
            check_workspace_id(ws)
        except WorkspaceNotFound:
            return False
        with self._read() as conn:
            return conn.execute(select(schema.workspaces.c.id).where(schema.workspaces.c.id == ws)).first() is not None

    def touch(self, ws: str) -> None:
        """Mark the workspace used now (retention counts from its last use)."""
        with self._write() as conn:
            self._lock(conn, ws)
            conn.execute(update(schema.workspaces).where(schema.workspaces.c.id == ws).values(touched=now()))

    def _lock(self, conn: Connection, ws: str) -> None:
        check_workspace_id(ws)
        row = conn.execute(select(schema.workspaces.c.id).where(schema.workspaces.c.id == ws)
                           .with_for_update()).first()
        if row is None:
            raise WorkspaceNotFound("no workspace with this id (it may have expired after "
                                    f"{self.config.retention_days:g} days unused)")

    def usage(self, ws: str) -> Usage:
        with self._read() as conn:
            self._lock_free_check(conn, ws)
            return self._usage(conn, ws)

    def _lock_free_check(self, conn: Connection, ws: str) -> None:
        check_workspace_id(ws)
        if conn.execute(select(schema.workspaces.c.id).where(schema.workspaces.c.id == ws)).first() is None:
            raise WorkspaceNotFound("no workspace with this id (it may have expired after "
                                    f"{self.config.retention_days:g} days unused)")

    @staticmethod
    def _usage(conn: Connection, ws: str) -> Usage:
        t = schema.items
        rows = conn.execute(select(t.c.kind, func.count(), func.coalesce(func.sum(t.c.size), 0))
                            .where(t.c.workspace_id == ws).group_by(t.c.kind)).all()
        per_kind = {kind: int(n) for kind, n, _ in rows}
        return Usage(sum(per_kind.values()), sum(int(b) for _, _, b in rows), per_kind)

    def _check_quota(self, usage: Usage, kind: str, size: int, count: int = 1) -> None:
        q = self.config.quotas
        limit = q.per_kind.get(kind, q.max_items)
        if usage.per_kind.get(kind, 0) + count > limit:
            raise QuotaExceeded(f"this workspace already holds {usage.per_kind.get(kind, 0)} {kind} item(s); "
                                f"the limit is {limit}: delete some before saving more")
        if usage.items + count > q.max_items:
            raise QuotaExceeded(f"this workspace already holds {usage.items} items; the limit is {q.max_items}")
        if usage.bytes + size > q.max_bytes:
            raise QuotaExceeded(f"saving this ({size / 2**20:.2f} MB) would take the workspace to "
                                f"{(usage.bytes + size) / 2**20:.1f} MB; the limit is {q.max_bytes / 2**20:.0f} MB")

    # -- items --------------------------------------------------------------------------------------
    def save(self, ws: str, name: str, value: Any) -> ItemInfo:
        """Validate `value` (a kinds.*Item), check the quotas and insert it, all in one transaction."""
        kind = getattr(value, "KIND", None)
        kind_of(kind)
        data, meta = value.encode()
        decode_item(kind, data, meta)  # what is stored must read back valid
        return self._insert(ws, [(kind, check_name(name), data, meta, now())])[0]

    def _insert(self, ws: str, rows: list[tuple[str, str, bytes, dict, dt.datetime]]) -> list[ItemInfo]:
        with self._write() as conn:
            self._lock(conn, ws)
            return self._insert_in(conn, ws, rows)

    def _insert_in(self, conn: Connection, ws: str,
                   rows: list[tuple[str, str, bytes, dict, dt.datetime]]) -> list[ItemInfo]:
        usage = self._usage(conn, ws)
        for kind in {r[0] for r in rows}:
            self._check_quota(usage, kind, sum(len(r[2]) for r in rows), sum(r[0] == kind for r in rows))
        out = []
        for kind, name, data, meta, created in rows:
            item_id = secrets.token_urlsafe(16)  # 128 bits
            conn.execute(insert(schema.items).values(
                id=item_id, workspace_id=ws, kind=kind, name=name, created=created, size=len(data),
                meta=json.dumps(meta, allow_nan=False), data=data))
            out.append(ItemInfo(item_id, kind, name, created, len(data)))
        conn.execute(update(schema.workspaces).where(schema.workspaces.c.id == ws).values(touched=now()))
        return out

    def list_items(self, ws: str, kind: str | None = None) -> list[ItemInfo]:
        """This workspace's items (newest first), without their data."""
        t = schema.items
        query = select(t.c.id, t.c.kind, t.c.name, t.c.created, t.c.size).where(t.c.workspace_id == ws)
        if kind is not None:
            kind_of(kind)
            query = query.where(t.c.kind == kind)
        with self._read() as conn:
            self._lock_free_check(conn, ws)
            rows = conn.execute(query.order_by(t.c.created.desc(), t.c.id)).all()
        return [ItemInfo(r.id, r.kind, r.name, _utc(r.created), int(r.size)) for r in rows]

    def _row(self, ws: str, item_id: str) -> Any:
        check_item_id(item_id)
        t = schema.items
        with self._read() as conn:
            self._lock_free_check(conn, ws)
            row = conn.execute(select(t).where(t.c.workspace_id == ws, t.c.id == item_id)).first()
        if row is None:
            raise ValueError("this workspace has no such item (it may have been deleted)")
        return row

    def load(self, ws: str, item_id: str) -> tuple[ItemInfo, Any]:
        """An item and its decoded value, validated as on upload (ValueError if the stored bytes are bad)."""
        row = self._row(ws, item_id)
        try:
            meta = json.loads(row.meta)
        except json.JSONDecodeError:
            raise ValueError(f"item {item_id} has unreadable metadata") from None
        value = decode_item(row.kind, bytes(row.data), meta)
        return ItemInfo(row.id, row.kind, row.name, _utc(row.created), int(row.size)), value

    def raw(self, ws: str, item_id: str) -> tuple[ItemInfo, bytes, dict]:
        """An item's stored bytes and metadata, unvalidated (for export, which validates on import)."""
        row = self._row(ws, item_id)
        return ItemInfo(row.id, row.kind, row.name, _utc(row.created), int(row.size)), bytes(row.data), \
            check_meta(json.loads(row.meta))

    def delete(self, ws: str, item_id: str) -> None:
        check_item_id(item_id)
        with self._write() as conn:
            self._lock(conn, ws)
            gone = conn.execute(delete(schema.items).where(schema.items.c.workspace_id == ws,
                                                           schema.items.c.id == item_id)).rowcount
            if not gone:
                raise ValueError("this workspace has no such item (it may have been deleted)")

    def import_items(self, rows: list[tuple[str, str, bytes, dict, dt.datetime]]) -> str:
        """A new workspace holding `rows` (kind, name, data, meta, created), validated: all or nothing."""
        checked = []
        for i, (kind, name, data, meta, created) in enumerate(rows):
            try:
                decode_item(kind, data, meta)
            except ValueError as exc:
                raise ValueError(f"item {i} ({str(name)[:40]!r}): {exc}") from None
            checked.append((kind, check_name(name), data, check_meta(meta), created))
        ws, t = new_workspace_id(), now()
        with self._write() as conn:  # the workspace and its items appear together or not at all
            conn.execute(insert(schema.workspaces).values(id=ws, created=t, touched=t))
            self._insert_in(conn, ws, checked)
        return ws

    def delete_workspace(self, ws: str) -> None:
        check_workspace_id(ws)
        with self._write() as conn:
            conn.execute(delete(schema.items).where(schema.items.c.workspace_id == ws))
            conn.execute(delete(schema.workspaces).where(schema.workspaces.c.id == ws))

    def prune(self, days: float | None = None, at: dt.datetime | None = None) -> int:
        """Delete workspaces unused for `days` (default: the configured retention); returns how many."""
        days = self.config.retention_days if days is None else days
        if not isinstance(days, int | float) or not 0 < days <= 36_500:
            raise ValueError(f"retention must be in (0, 36500] days, got {days!r}")
        cutoff = (at or now()) - dt.timedelta(days=days)
        w, t = schema.workspaces, schema.items
        with self._write() as conn:
            old = select(w.c.id).where(w.c.touched < cutoff).scalar_subquery()
            conn.execute(delete(t).where(t.c.workspace_id.in_(old)))
            return conn.execute(delete(w).where(w.c.touched < cutoff)).rowcount
