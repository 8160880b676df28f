"""`digit-lens`: start the Streamlit app exactly as `make run` does."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

ENTRY = Path(__file__).resolve().parent / "streamlit_app.py"


def main() -> None:
    from streamlit.web import cli as stcli

    from app.startup import preload_when_idle
    from app.streamlit_private import skip_component_scan

    skip_component_scan()
    threading.Thread(target=preload_when_idle, name="preload", daemon=True).start()
    # Extra arguments pass through, e.g. `digit-lens --server.port 8600`.
    sys.argv = ["streamlit", "run", str(ENTRY), *sys.argv[1:]]
    sys.exit(stcli.main())


if __name__ == "__main__":
    main()
