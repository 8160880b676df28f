"""`python -m explain.evaluate` keeps working (shipped results record that command): see explain/cli/leaderboard.py."""

import sys

from explain.cli.leaderboard import main

if __name__ == "__main__":
    sys.exit(main())
