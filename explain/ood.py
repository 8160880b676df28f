"""`python -m explain.ood` keeps working (shipped results record that command): see explain/cli/ood.py."""

import sys

from explain.cli.ood import main

if __name__ == "__main__":
    sys.exit(main())
