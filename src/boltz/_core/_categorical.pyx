"""Draws from categorical distributions given row-wise cumulative sums (inverse CDF)."""
from cython.parallel cimport prange
from libc.stdint cimport int64_t, uintptr_t
from numpy.random cimport bitgen_t


cdef inline Py_ssize_t _search(const double *cdf, Py_ssize_t n, double u) noexcept nogil:
    """First index i with cdf[i] > u (cdf non-decreasing, cdf[n-1] > u).

    Branch-free binary search (the comparison feeds a conditional move), so a draw costs
    log2(n) dependent loads rather than log2(n) mispredicted branches.
    """
    cdef Py_ssize_t base = 0, half
    while n > 1:
        half = n // 2
        base = base + half if cdf[base + half] <= u else base
        n -= half
    return base + (cdf[base] <= u)


def draw_categorical(const double[:, ::1] cdf, int64_t[:, ::1] out,
                     const uintptr_t[::1] bitgens, Py_ssize_t block, int nthreads):
    """out[r, j] = a state drawn from row r of `cdf` (normalised: cdf[r, -1] == 1).

    The draws, in row-major order, are cut into blocks of `block`; block b uses only the
    generator bitgens[b], so the output does not depend on the number of threads. A state
    of probability zero is never drawn (its cdf equals its predecessor's).
    """
    cdef Py_ssize_t n = cdf.shape[1], per_row = out.shape[1]
    cdef Py_ssize_t nblocks = bitgens.shape[0], b, k, stop
    cdef int64_t *flat = &out[0, 0]
    cdef bitgen_t *rng
    cdef double u
    for b in prange(nblocks, num_threads=nthreads, schedule='dynamic', nogil=True):
        rng = <bitgen_t *> bitgens[b]
        stop = min((b + 1) * block, out.shape[0] * per_row)
        for k in range(b * block, stop):
            u = rng.next_double(rng.state)
            flat[k] = _search(&cdf[k // per_row, 0], n, u)
