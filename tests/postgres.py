"""A throwaway PostgreSQL cluster for the store tests: initdb + pg_ctl under a temporary folder, on a free
local port, stopped and deleted afterwards. initdb refuses to run as root: as root, the cluster runs as
Debian's `postgres` user (the package creates it) in a folder it owns."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.browser import free_port

USER = "digitlens"


def pg_bin(name: str) -> str | None:
    """Debian keeps the server programs off PATH, under /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    return candidates[-1] if candidates else None


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """Yield an SQLAlchemy URL to a fresh cluster's `postgres` database (trust auth, localhost only)."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise FileNotFoundError("PostgreSQL's initdb/pg_ctl not found: apt-get install postgresql")
    base = Path(tempfile.mkdtemp(prefix="digit-lens-pg-"))
    data, port = base / "data", free_port()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    try:
        subprocess.run(_as_owner([initdb, "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                                  "--no-sync", "--no-instructions"]), **run)
        opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40"
        subprocess.run(_as_owner([pg_ctl, "-D", str(data), "-l", str(base / "log"), "-o", opts, "-w", "-t", "60",
                                  "start"]), **run)
        try:
            yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_owner([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, timeout=60)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"{Path(exc.cmd[-1] if exc.cmd else '?').name} failed: {exc.stderr.strip()[-500:]}") from None
    finally:
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server_url: str, name: str) -> str:
    """A new empty database on the cluster (one per test, so tests never see each other's rows)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"
