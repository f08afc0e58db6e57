"""``python -m wonderblogs_target``: the same as the ``wonderblogs-target`` command."""

import sys

from .cli import main

sys.exit(main())
