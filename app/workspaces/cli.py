"""The workspaces' command line. Every bad input is one `error: …` line and exit status 2.

The database is the app's: DIGIT_LENS_DATABASE_URL, else the SQLite file in the user's data folder
(`--database URL` overrides both). There is deliberately no command that lists workspaces.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from model.cli import OneLineParser, atomic_output, check_input_file, check_output_file, fail
from model.workspaces.archive import export_workspace, import_workspace, max_archive_bytes
from model.workspaces.config import StoreConfig, default_url
from model.workspaces.store import Store, StoreUnavailable


def _parser() -> OneLineParser:
    p = OneLineParser(prog="python -m app.workspaces", description="Digit Lens workspaces (no listing of them).")
    p.add_argument("--database", default=None, help="database URL (default: DIGIT_LENS_DATABASE_URL or the "
                                                      "SQLite file in the user's data folder)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    ws_help = "its id (an id made before 0.3 may start with '-': put it after --)"
    s = sub.add_parser("list-items", help="the items of one workspace")
    s.add_argument("workspace", help=ws_help)
    s = sub.add_parser("export", help="a whole workspace as one zip")
    s.add_argument("workspace", help=ws_help)
    s.add_argument("--out", required=True)
    s = sub.add_parser("import", help="a zip from `export` into a new workspace (prints its id)")
    s.add_argument("archive")
    s = sub.add_parser("prune", help="delete workspaces unused for the retention period")
    s.add_argument("--days", type=float, default=None, help="override DIGIT_LENS_WORKSPACE_DAYS (default 30)")
    return p


def _list(store: Store, args) -> None:
    for i in store.list_items(args.workspace):
        print(f"{i.id}\t{i.kind}\t{i.created:%Y-%m-%d %H:%M}\t{i.size}\t{i.name}")


def _export(store: Store, args) -> None:
    out = check_output_file(args.out, suffixes=(".zip",))
    data = export_workspace(store, args.workspace)
    with atomic_output(out) as tmp:
        tmp.write_bytes(data)
    print(f"wrote {out} ({len(data):,} bytes)")


def _import(store: Store, args) -> None:
    path = check_input_file(args.archive, "archive")
    if path.stat().st_size > max_archive_bytes(store):
        raise ValueError(f"{path.name} is {path.stat().st_size:,} bytes; the limit is {max_archive_bytes(store):,}")
    print(import_workspace(store, path.read_bytes()))


def _prune(store: Store, args) -> None:
    print(f"deleted {store.prune(args.days)} workspace(s) unused for "
          f"{args.days if args.days is not None else store.config.retention_days:g} days")


COMMANDS = {"list-items": _list, "export": _export, "import": _import, "prune": _prune}


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        store = Store(StoreConfig(url=args.database or default_url()))
        try:
            COMMANDS[args.command](store, args)
        finally:
            store.close()
    except (ValueError, TypeError, StoreUnavailable) as exc:
        fail(str(exc))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
