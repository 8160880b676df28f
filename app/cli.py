"""`digit-lens`: start the Streamlit app exactly as `make run` does."""

from __future__ import annotations

import sys
from pathlib import Path

ENTRY = Path(__file__).resolve().parent / "streamlit_app.py"


def main() -> None:
    from streamlit.web import cli as stcli

    # Extra arguments pass through, e.g. `digit-lens --server.port 8600`.
    sys.argv = ["streamlit", "run", str(ENTRY), *sys.argv[1:]]
    sys.exit(stcli.main())


if __name__ == "__main__":
    main()
