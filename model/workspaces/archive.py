"""A whole workspace as one zip (export), and a zip back into a new workspace (import), checked as an upload.

The zip holds `manifest.json` (format, version, and per item: kind, name, created, meta, file) and one
`items/<n>.bin` per item. Import refuses any other entry name (so no path tricks: nothing is written to
disk anyway), duplicate names, archives or entries over the limits (sizes are checked while reading,
not trusted from the zip's headers), and validates every item with its kind before one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from typing import Any

from model.workspaces.kinds import KINDS, MAX_META_BYTES, kind_of
from model.workspaces.store import Store

FORMAT = "digit-lens-workspace"
VERSION = 1
MANIFEST = "manifest.json"
_ITEM_FILE = re.compile(r"items/(0|[1-9][0-9]{0,5})\.bin")
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


def export_workspace(store: Store, ws: str) -> bytes:
    """The workspace's items as zip bytes (deterministic order: oldest first)."""
    entries, files = [], {}
    for n, info in enumerate(reversed(store.list_items(ws))):
        _, data, meta = store.raw(ws, info.id)
        name = f"items/{n}.bin"
        entries.append({"file": name, "kind": info.kind, "name": info.name,
                        "created": info.created.isoformat(), "meta": meta})
        files[name] = data
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, json.dumps({"format": FORMAT, "version": VERSION, "items": entries}, indent=1))
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def max_archive_bytes(store: Store) -> int:
    """The largest zip import reads: the byte quota plus room for the manifest and zip headers."""
    return store.config.quotas.max_bytes + MAX_MANIFEST_BYTES + 1024 * 1024


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise ValueError(f"{info.filename} is {info.file_size:,} bytes unpacked; the limit is {limit:,}")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)  # the header's size may lie: never read past the limit
    if len(data) > limit:
        raise ValueError(f"{info.filename} unpacks to more than {limit:,} bytes")
    return data


def _created(raw: Any, i: int) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    except ValueError:
        t = None
    if t is None:
        raise ValueError(f"manifest item {i}: 'created' must be an ISO date and time")
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def read_archive(data: bytes, store: Store) -> list[tuple[str, str, bytes, dict, dt.datetime]]:
    """The items of an exported zip, each checked; ValueError naming the first thing wrong."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"a workspace archive must be bytes, got {type(data).__name__}")
    if len(data) > max_archive_bytes(store):
        raise ValueError(f"the archive is {len(data):,} bytes; the limit is {max_archive_bytes(store):,}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise ValueError("this is not a zip file (a workspace export is one)") from None
    with zf:
        names = [i.filename for i in infos]
        if len(names) != len(set(names)):
            raise ValueError("the archive holds the same file name twice")
        if len(infos) > store.config.quotas.max_items + 1:
            raise ValueError(f"the archive holds {len(infos)} files; a workspace holds at most "
                             f"{store.config.quotas.max_items} items")
        bad = [n for n in names if n != MANIFEST and not _ITEM_FILE.fullmatch(n)]
        if bad:
            raise ValueError(f"unexpected file in the archive: {bad[0][:80]!r} (only {MANIFEST} and items/<n>.bin)")
        if MANIFEST not in names:
            raise ValueError(f"the archive has no {MANIFEST}: not a Digit Lens workspace export")
        by_name = {i.filename: i for i in infos}
        try:
            manifest = json.loads(_read(zf, by_name[MANIFEST], MAX_MANIFEST_BYTES).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise ValueError(f"{MANIFEST} is not valid JSON") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ValueError(f"{MANIFEST} is not a version-{VERSION} {FORMAT} manifest")
        entries = manifest.get("items")
        if not isinstance(entries, list):
            raise ValueError(f"{MANIFEST}: 'items' must be a list")
        used, rows = set(), []
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or set(e) != {"file", "kind", "name", "created", "meta"}:
                raise ValueError(f"manifest item {i} must have exactly file, kind, name, created and meta")
            cls = kind_of(e["kind"])
            if e["file"] not in by_name or e["file"] == MANIFEST or e["file"] in used:
                raise ValueError(f"manifest item {i} names a missing or reused file {str(e['file'])[:60]!r}")
            used.add(e["file"])
            if not isinstance(e["meta"], dict) or len(json.dumps(e["meta"])) > MAX_META_BYTES:
                raise ValueError(f"manifest item {i}: meta must be a JSON object of at most {MAX_META_BYTES:,} bytes")
            rows.append((cls.KIND, e["name"], _read(zf, by_name[e["file"]], cls.MAX_BYTES), e["meta"],
                         _created(e["created"], i)))
        if len(used) != len(names) - 1:
            raise ValueError("the archive holds files its manifest does not name")
    return rows


def import_workspace(store: Store, data: bytes) -> str:
    """A new workspace with the archive's items (validated by kind, within quotas, one transaction)."""
    return store.import_items(read_archive(data, store))


__all__ = ["KINDS", "export_workspace", "import_workspace", "read_archive"]
