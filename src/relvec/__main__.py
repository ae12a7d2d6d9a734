"""``python -m relvec``: the same as the ``relvec`` command."""

import sys

from relvec.cli import main

sys.exit(main())
