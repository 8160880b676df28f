"""`python -m explain.readme` keeps working (shipped results record that command): see explain/cli/readme.py."""

import sys

from explain.cli.readme import main

if __name__ == "__main__":
    sys.exit(main())
