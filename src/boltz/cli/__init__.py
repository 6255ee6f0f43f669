"""The ``boltz`` command line (also ``python -m boltz``).

Subcommands, one module each: ``info`` (:mod:`._info`, with the self-check in
:mod:`._self_check`), ``anneal`` (:mod:`._anneal`) and ``ising`` (:mod:`._ising`). The
library checks every argument; a subcommand reports the library's TypeError or ValueError
as one line ``boltz: error: ...`` with exit status 2, naming the option that was wrong.
Exit status: 0 success, 1 failed self-check, 2 bad input, 130 Ctrl-C, 141 closed output.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from boltz.cli import _anneal, _info, _ising

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boltz", description="Boltzmann distributions, "
                                     "samplers and Boltzmann machines.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (_info, _anneal, _ising):
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``boltz`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 1 failed self-check or out of memory, 2 bad input, 130
        Ctrl-C, 141 when the reader of the output went away.
    """
    args = _build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        # what no check foresaw (boltz refuses the sizes it can compute before allocating)
        print("boltz: error: out of memory", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (`boltz info | head`): stop quietly, and keep Python's final
        # flush of stdout from failing again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
