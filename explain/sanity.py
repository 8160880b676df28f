"""`python -m explain.sanity`: see explain/cli/sanity.py."""

import sys

from explain.cli.sanity import main

if __name__ == "__main__":
    sys.exit(main())
