"""`python -m explain …`: the command line lives in explain/cli/main.py."""

import sys

from explain.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
