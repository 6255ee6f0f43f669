"""Row kernels of log-sum-exp, softmax, log-softmax, softplus sums and the logistic sigmoid.

Input is always a C-contiguous (rows, n) array (the Python layer moves the reduced axes last);
OpenMP runs over rows, and over fixed chunks of one row when rows are long. Results do not
depend on the thread count: a row's sum is always formed from the same chunks in the same
order. Arguments are trusted: boltz.logsumexp validated them.
"""
from cython cimport floating
from cython.parallel cimport prange
from boltz._core._simd cimport (affine, divide, expshift, max as _max, sigmoid, softplus_sum,
                                sumexp as _sumexp)
from libc.math cimport INFINITY, NAN, log, log1p, fabs, isnan

import numpy as np

cdef enum:
    # A row longer than this is reduced chunk by chunk, the chunks in parallel.
    CHUNK = 65536
    # Softplus sums over fewer elements run on one thread: they take well under a
    # millisecond, less than waking threads that BLAS may still be spinning on.
    SOFTPLUS_PARALLEL_MIN = 1000000


cdef inline const floating *_offset(const floating *p, Py_ssize_t k) noexcept nogil:
    """p + k, or NULL when p is NULL (an absent weight array)."""
    if p == NULL:
        return NULL
    return p + k


cdef inline bint _has_nan(const floating *x, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        if isnan(x[i]):
            return True
    return False


cdef inline double _sum_where_inf(const floating *x, const floating *w,
                                  Py_ssize_t n) noexcept nogil:
    """Sum of the weights of the +inf entries (their count when w is NULL)."""
    cdef Py_ssize_t i
    cdef double s = 0.0
    for i in range(n):
        if x[i] == INFINITY:
            s += 1.0 if w == NULL else w[i]
    return s


cdef inline void _finish(double m, double tie, double rest, double scale,
                         double *val, double *sgn) noexcept nogil:
    """log|tie + rest| + scale*m and its sign, exact when rest << tie (log1p)."""
    cdef double r, total
    if tie != 0.0:
        r = rest / tie
        if r > -1.0:
            val[0] = scale * m + log(fabs(tie)) + log1p(r)
            sgn[0] = 1.0 if tie > 0.0 else -1.0
            return
    if isnan(rest):
        val[0] = NAN
        sgn[0] = NAN
        return
    total = tie + rest
    val[0] = scale * m + log(fabs(total))
    sgn[0] = 1.0 if total > 0.0 else (-1.0 if total < 0.0 else 0.0)


cdef inline bint _nonfinite_max(const floating *x, const floating *w, Py_ssize_t n, double m,
                                double *val, double *sgn) noexcept nogil:
    """Settle a row whose max is not finite; False when m is finite and the sum is needed."""
    cdef double s
    if m == INFINITY:
        s = _sum_where_inf(x, w, n)
        if _has_nan(x, n) or s == 0.0 or isnan(s):
            val[0] = NAN
            sgn[0] = NAN
        else:
            val[0] = INFINITY
            sgn[0] = 1.0 if s > 0.0 else -1.0
        return True
    if m == -INFINITY:      # empty, all -inf, or all nan
        if _has_nan(x, n):
            val[0] = NAN
            sgn[0] = NAN
        else:
            val[0] = -INFINITY
            sgn[0] = 0.0
        return True
    return False


cdef void _lse_row(const floating *x, const floating *w, Py_ssize_t n, double scale,
                   double *val, double *sgn) noexcept nogil:
    """One short row (n <= CHUNK), serially."""
    cdef double tie = 0.0, rest, m = _max(x, n)
    if _nonfinite_max(x, w, n, m, val, sgn):
        return
    rest = _sumexp(x, w, n, m, scale, &tie)
    _finish(m, tie, rest, scale, val, sgn)


cdef void _lse_long_row(const floating *x, const floating *w, Py_ssize_t n, double scale,
                        double[::1] cmax, double[::1] crest, double[::1] ctie, int nthreads,
                        double *val, double *sgn) noexcept nogil:
    """One long row: chunk maxima and chunk sums in parallel, combined in chunk order."""
    cdef Py_ssize_t nchunks = (n + CHUNK - 1) // CHUNK, c, lo, length
    cdef double m = -INFINITY, tie = 0.0, rest = 0.0
    for c in prange(nchunks, num_threads=nthreads, schedule='static'):
        lo = c * CHUNK
        length = min(CHUNK, n - lo)
        cmax[c] = _max(x + lo, length)
    for c in range(nchunks):
        if cmax[c] > m:
            m = cmax[c]
    if _nonfinite_max(x, w, n, m, val, sgn):
        return
    for c in prange(nchunks, num_threads=nthreads, schedule='static'):
        lo = c * CHUNK
        length = min(CHUNK, n - lo)
        ctie[c] = 0.0
        crest[c] = _sumexp(x + lo, _offset(w, lo), length, m, scale, &ctie[c])
    for c in range(nchunks):
        rest += crest[c]
        tie += ctie[c]
    _finish(m, tie, rest, scale, val, sgn)


def logsumexp_rows(const floating[:, ::1] x, const floating[:, ::1] w, double scale,
                   int nthreads):
    """(log|sum_j w_ij exp(scale*x_ij)|, sign) for every row i; w may be None (all ones).

    Returns two float64 arrays of length rows. scale must be > 0.
    """
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], i
    cdef double[::1] val = np.empty(rows, dtype=np.float64)
    cdef double[::1] sgn = np.empty(rows, dtype=np.float64)
    cdef const floating *wp
    cdef Py_ssize_t nchunks = (n + CHUNK - 1) // CHUNK
    cdef double[::1] cmax, crest, ctie
    cdef bint weighted = w is not None
    if nchunks <= 1:
        for i in prange(rows, num_threads=nthreads, schedule='static', nogil=True):
            _lse_row(&x[i, 0] if n > 0 else NULL,
                     &w[i, 0] if (weighted and n > 0) else NULL, n, scale, &val[i], &sgn[i])
    else:
        cmax = np.empty(nchunks)
        crest = np.empty(nchunks)
        ctie = np.empty(nchunks)
        with nogil:
            for i in range(rows):
                wp = &w[i, 0] if weighted else NULL
                _lse_long_row(&x[i, 0], wp, n, scale, cmax, crest, ctie, nthreads,
                              &val[i], &sgn[i])
    return np.asarray(val), np.asarray(sgn)


cdef void _softmax_row(const floating *x, floating *out, Py_ssize_t n, double scale,
                       bint log_output) noexcept nogil:
    """out = softmax(scale*x) or its log. +inf entries share the mass; an all -inf or any-nan
    row gives nan."""
    cdef Py_ssize_t i
    cdef double m = _max(x, n), tie = 0.0, rest, logtotal
    if m == INFINITY and not _has_nan(x, n):
        tie = _sum_where_inf(x, <const floating *>NULL, n)
        for i in range(n):
            if x[i] == INFINITY:
                out[i] = -log(tie) if log_output else 1.0 / tie
            else:
                out[i] = -INFINITY if log_output else 0.0
        return
    if m == INFINITY or m == -INFINITY:
        for i in range(n):
            out[i] = NAN
        return
    if log_output:
        rest = _sumexp(x, <const floating *>NULL, n, m, scale, &tie)
        logtotal = log(tie) + log1p(rest / tie)
        affine(x, out, n, m, scale, logtotal)
    else:
        rest = expshift(x, out, n, m, scale, &tie)
        divide(out, n, tie + rest)


def softmax_rows(const floating[:, ::1] x, floating[:, ::1] out, double scale,
                 bint log_output, int nthreads):
    """Row-wise softmax (or log-softmax) of scale*x into out. scale must be > 0."""
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], i
    if n == 0:
        return
    for i in prange(rows, num_threads=nthreads, schedule='static', nogil=True):
        _softmax_row(&x[i, 0], &out[i, 0], n, scale, log_output)


def softplus_row_sums(const floating[:, ::1] x, int nthreads):
    """sum_j log(1 + exp(x[i, j])) of each row, as float64 (an RBM's free energy)."""
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], i
    out = np.zeros(rows, dtype=np.float64)
    cdef double[::1] o = out
    if n == 0:
        return out
    if rows * n < SOFTPLUS_PARALLEL_MIN:
        nthreads = 1
    for i in prange(rows, num_threads=nthreads, schedule='static', nogil=True):
        o[i] = softplus_sum(&x[i, 0], n)
    return out


def sigmoid_inplace(floating[::1] x):
    """x = 1 / (1 + exp(-x)), element by element (exp of -|x| only: never overflows)."""
    if x.shape[0] == 0:
        return
    with nogil:
        sigmoid(&x[0], x.shape[0])
