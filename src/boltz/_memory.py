"""Refusing, before allocating, what cannot fit in this machine's memory."""
from __future__ import annotations

import os

try:
    import resource
except ImportError:  # not on Windows
    resource = None


def memory_limit() -> int | None:
    """Bytes this process may allocate at most: the machine's physical memory, or the
    address-space limit (``RLIMIT_AS``) when that is set and smaller; None when unknown."""
    limits = []
    try:
        limits.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        pass
    if resource is not None:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limits.append(soft)
    limits = [x for x in limits if x > 0]
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
        What sets the size, as the user wrote it (e.g. ``"num_reads=10**12"``).
    what : str
        What the bytes are for, e.g. ``"the chains' spins and fields"``.

    Raises
    ------
    ValueError
        When `nbytes` exceeds :func:`memory_limit`.
    """
    limit = memory_limit()
    if limit is not None and nbytes > limit:
        raise ValueError(f"{argument} needs {_bytes(nbytes)} for {what}; this machine has "
                         f"{_bytes(limit)} of memory")
