"""`digit-lens`: start the Streamlit app exactly as `make run` does."""

from __future__ import annotations

import sys
from pathlib import Path

ENTRY = Path(__file__).resolve().parent / "streamlit_app.py"


def _preload() -> None:
    """torch, the app's own modules and the method registry, imported while Streamlit's server starts: the
    first visitor's page would otherwise wait for them (`import torch` alone takes 1.5–2.7 s here). The first
    script run importing the same modules simply waits for this import to finish (Python's module locks)."""
    import importlib

    importlib.import_module("app.state")
    from explain.warmup import ensure_imported

    # The method list (Draw's settings). The rest (captum for the maps, pandas for tables, …) comes from
    # the warm-up thread once the first page has run (app.state.first_page_served).
    ensure_imported("methods")


def main() -> None:
    import threading

    from streamlit.web import cli as stcli

    threading.Thread(target=_preload, name="preload", daemon=True).start()
    # Extra arguments pass through, e.g. `digit-lens --server.port 8600`.
    sys.argv = ["streamlit", "run", str(ENTRY), *sys.argv[1:]]
    sys.exit(stcli.main())


if __name__ == "__main__":
    main()
