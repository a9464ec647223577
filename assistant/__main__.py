"""``python -m assistant``: the command line (see assistant/cli.py)."""

import sys

from .cli import main

sys.exit(main())
