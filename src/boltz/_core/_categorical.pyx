"""Draws from categorical distributions given row-wise cumulative sums (inverse CDF)."""
from cython.parallel cimport prange
from libc.stdint cimport int64_t, uintptr_t
from numpy.random cimport bitgen_t


cdef inline Py_ssize_t _search(const double *cdf, Py_ssize_t n, double u) noexcept nogil:
    """First index i with cdf[i] > u (cdf non-decreasing, cdf[n-1] > u)."""
    cdef Py_ssize_t lo = 0, hi = n - 1, mid
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if cdf[mid] > u:
            hi = mid
        else:
            lo = mid + 1
    return lo


def draw_categorical(const double[:, ::1] cdf, int64_t[:, ::1] out,
                     const uintptr_t[::1] bitgens, Py_ssize_t block, int nthreads):
    """out[r, j] = a state drawn from row r of `cdf` (normalised: cdf[r, -1] == 1).

    The draws, in row-major order, are cut into blocks of `block`; block b uses only the
    generator bitgens[b], so the output does not depend on the number of threads. A state
    of probability zero is never drawn (its cdf equals its predecessor's).
    """
    cdef Py_ssize_t n = cdf.shape[1], per_row = out.shape[1]
    cdef Py_ssize_t nblocks = bitgens.shape[0], b, k, stop
    cdef bitgen_t *rng
    cdef double u
    for b in prange(nblocks, num_threads=nthreads, schedule='dynamic', nogil=True):
        rng = <bitgen_t *> bitgens[b]
        stop = min((b + 1) * block, out.shape[0] * per_row)
        for k in range(b * block, stop):
            u = rng.next_double(rng.state)
            out[k // per_row, k % per_row] = _search(&cdf[k // per_row, 0], n, u)
