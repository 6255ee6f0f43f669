# Ctrl-C inside a long nogil kernel (the training epochs): signal_pending() takes the GIL
# back briefly and runs Python's signal handlers. When one raised (KeyboardInterrupt from
# Ctrl-C), its exception stays set; the kernel stops at its next boundary, finishes what it
# must (every array holding the finished work), and, back with the GIL, calls
# raise_pending(): an `except -1` function that returns -1, so Cython propagates the
# exception that is set.

cdef enum:
    # multiply-adds between two checks: about a millisecond of work, so that the check
    # costs nothing
    CHECK_WORK = 1 << 22


cdef extern from "Python.h":
    int _run_signal_handlers "PyErr_CheckSignals" ()


cdef inline bint signal_pending() noexcept nogil:
    cdef int failed
    with gil:
        failed = _run_signal_handlers()
    return failed != 0


cdef inline int raise_pending() except -1:
    return -1


cdef inline bint check_due(double *work) noexcept nogil:
    """signal_pending() once `work` multiply-adds since the last check reach CHECK_WORK
    (which restarts the count); False before then."""
    if work[0] < CHECK_WORK:
        return False
    work[0] = 0
    return signal_pending()
