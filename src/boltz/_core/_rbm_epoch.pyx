"""Contrastive-divergence training of a Bernoulli RBM: a whole epoch of mini-batches in one
nogil call.

Products with a weight matrix are sums of its rows over the nonzero entries of the other
factor (rbm_rows.h): sampled states are binary and data are mostly zeros, so v^T W costs
nnz(v) rows of W instead of a dense product. Both W (n_hidden, n_visible, the estimator's
components_) and its transpose Wt are kept, so that every product reads contiguous rows.
Rows of a batch are split among threads (OpenMP); the random draws are taken in a fixed
order from one generator, so the result does not depend on the thread count.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t, uintptr_t
from libc.string cimport memcpy
from numpy.random cimport bitgen_t

import numpy as np

cdef extern from "rbm_rows.h" nogil:
    void boltz_rbm_bernoulli_f32(const float *P, float *S, Py_ssize_t n, bitgen_t *rng)
    void boltz_rbm_bernoulli_f64(const double *P, double *S, Py_ssize_t n, bitgen_t *rng)
    void boltz_rbm_activate_f32(const float *rows, Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t m,
                                const float *M, const float *bias, Py_ssize_t p, float *out,
                                int32_t *idx, float *coef, Py_ssize_t *count)
    void boltz_rbm_activate_f64(const double *rows, Py_ssize_t r0, Py_ssize_t r1,
                                Py_ssize_t m, const double *M, const double *bias,
                                Py_ssize_t p, double *out, int32_t *idx, double *coef,
                                Py_ssize_t *count)
    void boltz_rbm_weight_row_f32(Py_ssize_t nh, const int32_t *idx, const float *coef,
                                  Py_ssize_t count, const float *Hs, float momentum,
                                  float decay, float *vel, float *Wt_row)
    void boltz_rbm_weight_row_f64(Py_ssize_t nh, const int32_t *idx, const double *coef,
                                  Py_ssize_t count, const double *Hs, double momentum,
                                  double decay, double *vel, double *Wt_row)

# Multiply-adds below which a phase of a batch runs on one thread (a parallel region costs
# more than it saves).
cdef enum:
    PARALLEL_MIN_WORK = 200000


cdef struct Scratch:
    # lists of source rows with coefficients, `width` entries for each of a set of outputs
    int32_t *idx
    void *coef            # floating
    Py_ssize_t *count     # entries used, per output
    Py_ssize_t width


cdef void _probabilities(const floating *rows, Py_ssize_t nrows, Py_ssize_t m,
                         const floating *M, const floating *bias, Py_ssize_t p,
                         floating *out, int nthreads, Scratch sc) noexcept nogil:
    """out[r] = sigmoid(bias + sum_i rows[r, i] M[i]) for M of shape (m, p), the rows split
    into one contiguous chunk per thread."""
    cdef Py_ssize_t t, r0, r1
    cdef int chunks = nthreads if nrows * m * p >= PARALLEL_MIN_WORK else 1
    for t in prange(chunks, num_threads=chunks, schedule='static'):
        r0 = t * nrows // chunks
        r1 = (t + 1) * nrows // chunks
        if floating is float:
            boltz_rbm_activate_f32(rows, r0, r1, m, M, bias, p, out, &sc.idx[r0 * sc.width],
                                   &(<float *> sc.coef)[r0 * sc.width], &sc.count[r0])
        else:
            boltz_rbm_activate_f64(rows, r0, r1, m, M, bias, p, out, &sc.idx[r0 * sc.width],
                                   &(<double *> sc.coef)[r0 * sc.width], &sc.count[r0])


cdef inline void _bernoulli(const floating *P, floating *S, Py_ssize_t n,
                            bitgen_t *rng) noexcept nogil:
    """S[k] = 1 with probability P[k], else 0 (rbm_rows.h: two 32-bit uniforms per draw of
    the generator, in index order)."""
    if floating is float:
        boltz_rbm_bernoulli_f32(P, S, n, rng)
    else:
        boltz_rbm_bernoulli_f64(P, S, n, rng)


def train_epoch(const floating[:, ::1] X, const int64_t[::1] order, Py_ssize_t batch_rows,
                floating[:, ::1] W, floating[:, ::1] Wt, floating[::1] b, floating[::1] c,
                floating[:, ::1] chains, floating[:, ::1] vel_Wt, floating[::1] vel_b,
                floating[::1] vel_c, double learning_rate, double momentum,
                double weight_decay, int k, bint persistent, uintptr_t bitgen, int nthreads):
    """CD-k (persistent=False) or PCD-k updates over the batches order[s:s + batch_rows].

    Per batch of B rows V: h+ = sigmoid(c + V Wt); negative chains start from `chains`
    (PCD, its rows are the persistent hidden states) or from h ~ h+ (CD); k steps of
    v ~ sigmoid(b + h W), h- = sigmoid(c + v Wt), h ~ h-; then with R = learning_rate /
    batch_rows (scikit-learn's scaling)
        vel = momentum vel + R (V^T h+ - v^T h-) - learning_rate weight_decay Wt,  Wt += vel
    and the same without decay for b (V - v summed over rows) and c (h+ - h-). W is kept
    equal to Wt^T. All arrays are updated in place.
    """
    cdef Py_ssize_t n = order.shape[0], nv = X.shape[1], nh = c.shape[0]
    cdef Py_ssize_t nneg = chains.shape[0] if persistent else 0
    cdef Py_ssize_t rows = batch_rows + max(batch_rows, chains.shape[0])
    cdef Py_ssize_t bi, s, B, Bn, r, i, j, step
    cdef bitgen_t *rng = <bitgen_t *> bitgen
    cdef floating rate = <floating> (learning_rate / batch_rows)
    cdef floating decay = <floating> (learning_rate * weight_decay)
    cdef floating mom = <floating> momentum
    cdef floating x
    cdef int threads
    dt = np.float32 if floating is float else np.float64
    cdef floating[:, ::1] V = np.empty((batch_rows, nv), dtype=dt)
    cdef floating[:, ::1] Vn = np.empty((rows - batch_rows, nv), dtype=dt)
    cdef floating[:, ::1] Pv = np.empty((rows - batch_rows, nv), dtype=dt)
    # hidden rows: h+ of the batch, then h- of the negative chains (one array, so that the
    # weight update reads both through one index list)
    cdef floating[:, ::1] Hcat = np.empty((rows, nh), dtype=dt)
    cdef floating[:, ::1] Hs = np.empty((rows - batch_rows, nh), dtype=dt)
    cdef Scratch sc
    sc.width = max(nv, nh, rows)
    cdef int32_t[::1] idx_buf = np.zeros(rows * sc.width, dtype=np.int32)
    cdef floating[::1] coef_buf = np.zeros(rows * sc.width, dtype=dt)
    cdef Py_ssize_t[::1] count_buf = np.zeros(rows, dtype=np.intp)
    sc.idx = &idx_buf[0]
    sc.coef = <void *> &coef_buf[0]
    sc.count = &count_buf[0]
    cdef Scratch col                       # per visible unit: the rows where it is on
    col.width = rows
    cdef int32_t[::1] col_idx = np.zeros(nv * rows, dtype=np.int32)
    cdef floating[::1] col_coef = np.zeros(nv * rows, dtype=dt)
    cdef Py_ssize_t[::1] col_count = np.zeros(nv, dtype=np.intp)
    col.idx = &col_idx[0]
    col.coef = <void *> &col_coef[0]
    col.count = &col_count[0]
    if n == 0:
        return
    with nogil:
        for bi in range((n + batch_rows - 1) // batch_rows):
            s = bi * batch_rows
            B = min(batch_rows, n - s)
            for r in range(B):
                memcpy(&V[r, 0], &X[order[s + r], 0], nv * sizeof(floating))
            _probabilities(&V[0, 0], B, nv, &Wt[0, 0], &c[0], nh, &Hcat[0, 0], nthreads, sc)
            if persistent:
                Bn = nneg
                memcpy(&Hs[0, 0], &chains[0, 0], Bn * nh * sizeof(floating))
            else:
                Bn = B
                _bernoulli(&Hcat[0, 0], &Hs[0, 0], B * nh, rng)
            for step in range(k):
                _probabilities(&Hs[0, 0], Bn, nh, &W[0, 0], &b[0], nv, &Pv[0, 0], nthreads,
                               sc)
                _bernoulli(&Pv[0, 0], &Vn[0, 0], Bn * nv, rng)
                _probabilities(&Vn[0, 0], Bn, nv, &Wt[0, 0], &c[0], nh, &Hcat[B, 0],
                               nthreads, sc)
                _bernoulli(&Hcat[B, 0], &Hs[0, 0], Bn * nh, rng)
            if persistent:
                memcpy(&chains[0, 0], &Hs[0, 0], Bn * nh * sizeof(floating))
            # weights: row i of Wt takes the rows of h+ and h- where visible unit i is on;
            # those lists come from one row-wise pass over V and v (a sparse transpose)
            for i in range(nv):
                col.count[i] = 0
            for r in range(B + Bn):
                for i in range(nv):              # no branch: about half are zeros
                    x = V[r, i] if r < B else -Vn[r - B, i]
                    col.idx[i * col.width + col.count[i]] = <int32_t> r
                    (<floating *> col.coef)[i * col.width + col.count[i]] = rate * x
                    col.count[i] += x != 0
            threads = nthreads if (B + Bn) * nv * nh >= PARALLEL_MIN_WORK else 1
            for i in prange(nv, num_threads=threads, schedule='static'):
                if floating is float:
                    boltz_rbm_weight_row_f32(nh, &col.idx[i * col.width],
                                             &(<float *> col.coef)[i * col.width],
                                             col.count[i], &Hcat[0, 0], mom, decay,
                                             &vel_Wt[i, 0], &Wt[i, 0])
                else:
                    boltz_rbm_weight_row_f64(nh, &col.idx[i * col.width],
                                             &(<double *> col.coef)[i * col.width],
                                             col.count[i], &Hcat[0, 0], mom, decay,
                                             &vel_Wt[i, 0], &Wt[i, 0])
            for i in range(nv):
                x = 0
                for r in range(B):
                    x = x + V[r, i]
                for r in range(Bn):
                    x = x - Vn[r, i]
                vel_b[i] = mom * vel_b[i] + rate * x
                b[i] = b[i] + vel_b[i]
            for j in range(nh):
                x = 0
                for r in range(B):
                    x = x + Hcat[r, j]
                for r in range(Bn):
                    x = x - Hcat[B + r, j]
                vel_c[j] = mom * vel_c[j] + rate * x
                c[j] = c[j] + vel_c[j]
            for j in prange(nh, num_threads=threads, schedule='static'):
                for i in range(nv):
                    W[j, i] = Wt[i, j]
