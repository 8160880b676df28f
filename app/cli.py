"""`digit-lens`: start the Streamlit app exactly as `make run` does."""

from __future__ import annotations

import sys
from pathlib import Path

ENTRY = Path(__file__).resolve().parent / "streamlit_app.py"


IDLE_S = 2.0  # no visitor this long after the start: import torch and the app's modules before anyone asks


def _preload() -> None:
    """If nobody has come 2 s after the server is up, import torch and the app (app.state), so a later
    visitor waits for none of it; if someone has, the warm-up thread imports them once that visitor has an
    answer (app/boot.py). Only once the server is up: importing beside Streamlit's own start delays it
    (one interpreter lock for both threads). Importing the first page's own modules here as well did not
    help (six fresh starts each: first prediction 3.84 s with, 3.70 s without, medians)."""
    import importlib
    import time

    from streamlit import runtime
    from streamlit.runtime.runtime import RuntimeState

    while not runtime.exists() or runtime.get_instance().state == RuntimeState.INITIAL:
        time.sleep(0.05)
    deadline = time.monotonic() + IDLE_S
    while time.monotonic() < deadline:
        if runtime.get_instance().state != RuntimeState.NO_SESSIONS_CONNECTED:
            return  # a visitor (or the server is stopping)
        time.sleep(0.05)
    importlib.import_module("app.state")


def _skip_component_scan() -> None:
    """Streamlit's runtime reads the metadata of every installed distribution at start-up, looking for
    packaged Custom Components (0.5–0.7 s of the start here, ~100 distributions). Ours are inline
    (app/components/base.py) and we install no packaged one, so our launcher skips that scan; `streamlit run`
    still does it. tests/test_boot.py fails if Streamlit moves the function this replaces."""
    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = lambda *args, **kwargs: []


def main() -> None:
    import threading

    from streamlit.web import cli as stcli

    _skip_component_scan()
    threading.Thread(target=_preload, name="preload", daemon=True).start()
    # Extra arguments pass through, e.g. `digit-lens --server.port 8600`.
    sys.argv = ["streamlit", "run", str(ENTRY), *sys.argv[1:]]
    sys.exit(stcli.main())


if __name__ == "__main__":
    main()
