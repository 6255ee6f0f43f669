"""What every subcommand shares: one-line errors with exit status 2, number formatting."""
from __future__ import annotations

import math
import re
import sys


class UsageError(Exception):
    """A problem with the command's input: reported as one line on stderr, exit status 2."""


def fail(message) -> int:
    """Print ``boltz: error: <message>`` as one line on stderr; return exit status 2."""
    text = " ".join(str(message).split())      # one line, whatever the message held
    print(f"boltz: error: {text}", file=sys.stderr)
    return 2


def library_error(exc: Exception, options: dict[str, str]) -> UsageError:
    """The library's TypeError/ValueError for the command line: the library's argument
    names in its message become the options that set them (``num_reads`` -> ``--reads``).

    The library validates every argument; the command line only names them its own way.
    """
    text = str(exc)
    for name, option in options.items():
        text = re.sub(rf"(?<![\w-]){re.escape(name)}\b", option, text)
    return UsageError(text)


def fmt(x) -> str:
    """A float for humans: shortest repr, '-123.0' for integral values."""
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    return f"{x:.12g}"
