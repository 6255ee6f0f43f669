"""``boltz info``: version, OpenMP and SIMD facts, and the self-check."""
from __future__ import annotations

import argparse
import platform
import sys

import numpy as np


def add_parser(sub) -> None:
    """Register ``boltz info`` on the subparsers `sub`."""
    info = sub.add_parser("info", help="version, OpenMP, threads, and a 5-second self-check")
    info.add_argument("--no-check", action="store_true", help="skip the self-check")
    info.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the facts, then run the self-check unless ``--no-check``; 0 when it passes."""
    import boltz
    from boltz._core import _parallel
    from boltz.cli._self_check import run_self_check

    out = sys.stdout
    print(f"boltz {boltz.__version__}  (Python {platform.python_version()}, "
          f"numpy {np.__version__}, {platform.machine()})", file=out)
    print(f"OpenMP: {'on' if _parallel.openmp_enabled() else 'OFF (serial build)'}, "
          f"default threads: {_parallel.default_num_threads()}", file=out)
    print(f"SIMD kernels: {_parallel.simd_isa()}", file=out)
    if args.no_check:
        return 0
    print("self-check:", file=out)
    ok = run_self_check(out)
    print("self-check passed" if ok else "self-check FAILED", file=out)
    return 0 if ok else 1
