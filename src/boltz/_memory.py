"""Refusing, before allocating, what cannot fit in this machine's memory."""
from __future__ import annotations

import contextlib
import os

try:
    import resource
except ImportError:  # not on Windows
    resource = None


def memory_limit() -> tuple[int, str] | None:
    """The most bytes this process can hold, and what sets it: the machine's physical
    memory, or the address-space limit (``RLIMIT_AS``) when that is set and smaller. None
    when neither is known."""
    limits = []
    with contextlib.suppress(AttributeError, ValueError, OSError):
        limits.append((os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"),
                       "this machine has {} of memory"))
    if resource is not None:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limits.append((soft, "this process may use {} (RLIMIT_AS)"))
    limits = [limit for limit in limits if limit[0] > 0]
    return min(limits) if limits else None


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} bytes"


def check_allocation(nbytes: int, argument: str, what: str) -> None:
    """Raise ValueError naming `argument` if `nbytes` cannot fit in memory.

    Parameters
    ----------
    nbytes : int
        Bytes the caller is about to allocate.
    argument : str
        What sets the size, as the user wrote it (e.g. ``"num_reads=1000000000000"``).
    what : str
        What the bytes are for, e.g. ``"the chains' spins and fields"``.

    Raises
    ------
    ValueError
        When `nbytes` exceeds :func:`memory_limit` (the message names `argument`, the
        bytes needed and the limit).
    """
    limit = memory_limit()
    if limit is not None and nbytes > limit[0]:
        raise ValueError(f"{argument} needs {_bytes(nbytes)} for {what}; "
                         + limit[1].format(_bytes(limit[0])))
