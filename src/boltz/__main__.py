"""``python -m boltz``: the same as the ``boltz`` command."""
import sys

from boltz.cli import main

sys.exit(main())
