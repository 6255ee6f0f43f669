"""Contrastive-divergence training of a Gaussian-Bernoulli RBM: a whole epoch of
mini-batches in one nogil call (CD-k or PCD-k, per-unit variances fixed or learned).

Energy (DESIGN.md), with z_i = log sigma_i^2 (Cho, Raiko & Ilin 2011):

    E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c^T h - sum_ij (v_i / sigma_i^2) W_ij h_j

so p(h_j = 1 | v) = sigmoid(c_j + sum_i (v_i / sigma_i^2) W_ij) and
v_i | h ~ N(b_i + sum_j W_ij h_j, sigma_i^2).

The products reuse the Bernoulli RBM's row kernels (rbm/rbm_rows.h): h given v is a row
sum of Wt (n_visible rows) with the coefficients v_i / sigma_i^2 (dense for real data, the
zeros skipped); v given h is a sum of the rows of W over the hidden units that are on (a
binary state, kept as a list); the weight gradient is a row sum of H (the batch's h+ and
the chains' h-) over each visible unit's column list, a block of units per call. Only the
Gaussian draw is new here (_gaussian_row: Box-Muller from the row's own PCG64 stream).

Each row of a batch and each negative chain has its own stream and the work on a row never
depends on another row, so rows are split among threads (OpenMP) and the model does not
depend on the thread count; the weight update is split by visible units, every sum in a
fixed order. Ctrl-C is checked between batches (the GIL taken back briefly, after about
CHECK_WORK multiply-adds): the call stops after the batch in progress, leaves every array
holding the finished batches, and raises what the signal handler raised.
"""
from cython cimport floating
from boltz._core._row_lists cimport SLACK, Lists, write_unpadded
from boltz._core._row_lists cimport padded_width as _padded_width
from boltz._core._row_lists cimport row_sums as _row_sums
from boltz._core._signals cimport check_due, raise_pending
from cython.parallel cimport prange
from boltz._core._rbm_kernels cimport rbm_nonzeros, rbm_row_sums, rbm_sample, rbm_transpose
from libc.math cimport cos, exp, log1p, sin, sqrt
from libc.stdint cimport int32_t, int64_t, uintptr_t
from numpy.random cimport bitgen_t

import numpy as np

cdef enum:
    PARALLEL_MIN_WORK = 200000
    UPDATE_UNITS = 16     # visible units per gradient call (_update_rows)

cdef double TWO_PI = 6.283185307179586


def _require(bint ok, str what):
    if not ok:
        raise ValueError(f"Gaussian RBM kernel: {what}")


cdef inline void _gaussian_row(floating *v, const floating *sigma, Py_ssize_t n,
                               bitgen_t *rng) noexcept nogil:
    """v[i] += sigma[i] * N(0, 1) for i < n: Box-Muller, two normals per pair of uniforms
    (the second of the last pair unused when n is odd)."""
    cdef Py_ssize_t i = 0
    cdef double u1, u2, rad, ang
    while i < n:
        u1 = rng.next_double(rng.state)
        u2 = rng.next_double(rng.state)
        rad = sqrt(-2.0 * log1p(-u1))
        ang = TWO_PI * u2
        v[i] = v[i] + sigma[i] * <floating> (rad * cos(ang))
        if i + 1 < n:
            v[i + 1] = v[i + 1] + sigma[i + 1] * <floating> (rad * sin(ang))
        i += 2


cdef void _positive(const floating[:, ::1] X, const int64_t *rows, Py_ssize_t r0,
                    Py_ssize_t r1, Lists data, const floating[:, ::1] Wt,
                    const floating *c, const floating *inv_var, Py_ssize_t nh,
                    floating[:, ::1] H, bitgen_t **rng, Lists hid) noexcept nogil:
    """Data rows r0..r1-1 (X[rows[r]]): their nonzero entries with coefficients
    v_i / sigma_i^2 into `data`, h+ = sigmoid(c + sum_i (v_i / sigma_i^2) Wt[i]) into H;
    with rng (CD), chain r's first hidden state is sampled from it into `hid`."""
    cdef Py_ssize_t r, q, p = H.shape[1], w = data.width
    cdef floating *coef = <floating *> data.coef
    for r in range(r0, r1):
        data.count[r] = rbm_nonzeros(&X[rows[r], 0], X.shape[1], &data.idx[r * w],
                                     &coef[r * w])
        for q in range(data.count[r]):
            coef[r * w + q] = coef[r * w + q] * inv_var[data.idx[r * w + q]]
    _row_sums(r0, r1, data, &Wt[0, 0], c, p, &H[0, 0])
    for r in range(r0, r1):
        if rng == NULL:
            rbm_sample(&H[r, 0], nh, p, NULL, NULL)
        else:
            hid.count[r] = rbm_sample(&H[r, 0], nh, p, rng[r], &hid.idx[r * hid.width])


cdef void _negative(Py_ssize_t r0, Py_ssize_t r1, int k, bint keep_last, Lists hid,
                    Lists vis, const floating[:, ::1] W, const floating[:, ::1] Wt,
                    const floating *b, const floating *c, const floating *sigma,
                    const floating *inv_var, Py_ssize_t nv, Py_ssize_t nh,
                    floating[:, ::1] Pv, floating[:, ::1] S, floating *Hn,
                    bitgen_t **rng) noexcept nogil:
    """Chains r0..r1-1, k steps from their hidden lists: v ~ N(b + h W, sigma^2) into Pv,
    S = v / sigma^2, h- = sigmoid(c + S Wt) into Hn, h ~ h- (skipped after the last step
    unless keep_last)."""
    cdef Py_ssize_t r, i, pv = Pv.shape[1], ph = Wt.shape[1]
    cdef int step
    for step in range(k):
        _row_sums(r0, r1, hid, &W[0, 0], b, pv, &Pv[0, 0])
        for r in range(r0, r1):
            _gaussian_row(&Pv[r, 0], sigma, nv, rng[r])
            for i in range(nv):
                S[r, i] = Pv[r, i] * inv_var[i]
        _row_sums(r0, r1, vis, &Wt[0, 0], c, ph, Hn)
        for r in range(r0, r1):
            if keep_last or step + 1 < k:
                hid.count[r] = rbm_sample(&Hn[r * ph], nh, ph, rng[r],
                                          &hid.idx[r * hid.width])
            else:
                rbm_sample(&Hn[r * ph], nh, ph, NULL, NULL)


cdef inline Py_ssize_t _chunk(Py_ssize_t t, Py_ssize_t chunks, Py_ssize_t n) noexcept nogil:
    return t * n // chunks


cdef void _update_rows(Py_ssize_t i0, Py_ssize_t i1, Lists col, const floating[:, ::1] H,
                       floating[:, ::1] grad, Py_ssize_t t, const floating *zero,
                       floating mom, floating decay,
                       floating sigma_rate, const floating[::1] dbias,
                       const floating[::1] dvar, const floating[::1] learn_z, floating z_min,
                       floating[:, ::1] vel_Wt, floating[:, ::1] Wt, floating[::1] vel_b,
                       floating[::1] b, floating[::1] vel_z, floating[::1] z) noexcept nogil:
    """Visible units i0..i1-1, UPDATE_UNITS at a time: their weight rows' gradients g (rows
    of H in each unit's column list, one rbm_row_sums call for the block, so that units with
    the same list, as with dense data, share each loaded row of H; into grad[t]), then per
    unit, with the old parameters
        dz_i = dvar_i - Wt[i] . g           (when learn_z[i]; -dE/dz_i's expectations)
    and the momentum steps of Wt[i] (g - decay Wt[i]), b_i (dbias_i) and z_i (kept at
    z_min or above)."""
    cdef Py_ssize_t i, i_blk, u, j, p = Wt.shape[1]
    cdef floating dot, dz
    cdef floating *g
    i_blk = i0
    while i_blk < i1:
        u = min(<Py_ssize_t> UPDATE_UNITS, i1 - i_blk)
        rbm_row_sums(0, u, &col.idx[i_blk * col.width], col.width,
                     &(<floating *> col.coef)[i_blk * col.width], col.coef_width,
                     &col.count[i_blk], &H[0, 0], zero, p, &grad[t * UPDATE_UNITS, 0])
        for i in range(i_blk, i_blk + u):
            g = &grad[t * UPDATE_UNITS + i - i_blk, 0]
            if learn_z[i] != 0:
                dot = 0
                for j in range(p):
                    dot = dot + Wt[i, j] * g[j]
                dz = sigma_rate * (dvar[i] - dot)
                vel_z[i] = mom * vel_z[i] + dz
                z[i] = z[i] + vel_z[i]
                if z[i] < z_min:
                    z[i] = z_min
            for j in range(p):
                vel_Wt[i, j] = mom * vel_Wt[i, j] - decay * Wt[i, j] + g[j]
                Wt[i, j] = Wt[i, j] + vel_Wt[i, j]
            vel_b[i] = mom * vel_b[i] + dbias[i]
            b[i] = b[i] + vel_b[i]
        i_blk += u


def train_epoch(const floating[:, ::1] X, const int64_t[::1] order, Py_ssize_t batch_rows,
                floating[:, ::1] W, floating[:, ::1] Wt, floating[::1] b, floating[::1] c,
                floating[::1] z, floating[:, ::1] chains, floating[:, ::1] vel_Wt,
                floating[::1] vel_b, floating[::1] vel_c, floating[::1] vel_z,
                const floating[::1] learn_z, double learning_rate, double sigma_rate,
                double momentum, double weight_decay, double z_min, int k, bint persistent,
                const uintptr_t[::1] bitgens, int nthreads,
                floating[:, ::1] components_out=None, floating[::1] b_out=None,
                floating[::1] c_out=None, floating[::1] z_out=None):
    """CD-k (persistent=False) or PCD-k updates of a Gaussian-Bernoulli RBM over the
    batches order[s:s + batch_rows].

    Sizes: X (n, nv); W (nh, pv) and Wt (nv, ph) padded to whole 32-byte vectors, zero in
    their padding, W = Wt^T; b, z, vel_b, vel_z, learn_z (pv); c, vel_c (ph); vel_Wt like
    Wt; chains (n_chains, nh) of 0/1, the persistent hidden states (PCD); one generator per
    row of a batch and per chain (`bitgens`, at least max(batch_rows, n_chains)).

    Per batch of B rows V, with s = exp(z / 2) (sigma) and u = exp(-z) (1 / sigma^2):
    h+ = sigmoid(c + (V u) Wt); the chains start from `chains` (PCD, Bg = n_chains of them)
    or from h ~ h+ (CD, Bg = B); k steps of v ~ N(b + h W, s^2), h- = sigmoid(c + (v u) Wt),
    h ~ h-. With R+ = learning_rate / B and R- = learning_rate / Bg, and sums over the
    batch (+) and over the chains' last v with h- (-):

        g_ij  = u_i (R+ sum+ v_i h_j - R- sum- v_i h_j)                     (dW^T)
        db_i  = u_i (R+ sum+ (v_i - b_i) - R- sum- (v_i - b_i))
        dc_j  = R+ sum+ h_j - R- sum- h_j
        dz_i  = sigma_rate / learning_rate (u_i (R+ sum+ (v_i - b_i)^2 / 2
                - R- sum- (v_i - b_i)^2 / 2) - sum_j Wt_ij g_ij)   (only where learn_z_i)

    (the last is -dE/dz_i = u_i ((v_i - b_i)^2 / 2 - v_i (W h)_i) summed through g), each
    through its momentum buffer, Wt also losing learning_rate * weight_decay * Wt; z stays
    >= z_min. All arrays are updated in place; the unpadded parameters are also written to
    the optional outputs when the call ends. Ctrl-C is checked between batches: the call
    stops after the batch in progress, every array holding the finished batches, and raises
    the handler's exception. Returns the number of batches done.
    """
    cdef Py_ssize_t n = order.shape[0], nv = X.shape[1], nh = chains.shape[1]
    cdef Py_ssize_t pv = W.shape[1], ph = Wt.shape[1], size = sizeof(floating)
    _require(batch_rows >= 1 and k >= 1 and nthreads >= 1,
             "batch_rows, k and nthreads must be >= 1")
    _require(W.shape[0] == nh and Wt.shape[0] == nv and _padded_width(pv, nv, size)
             and _padded_width(ph, nh, size), "W must be (nh, pv) and Wt (nv, ph), padded")
    _require(b.shape[0] == pv and z.shape[0] == pv and vel_b.shape[0] == pv
             and vel_z.shape[0] == pv and learn_z.shape[0] == pv and c.shape[0] == ph
             and vel_c.shape[0] == ph and vel_Wt.shape[0] == nv and vel_Wt.shape[1] == ph,
             "b, z, learn_z and their buffers must be (pv,), c (ph,), vel_Wt like Wt")
    _require(components_out is None or (components_out.shape[0] == nh
                                        and components_out.shape[1] == nv),
             f"components_out must be ({nh}, {nv})")
    _require((b_out is None or b_out.shape[0] == nv) and (z_out is None or z_out.shape[0] == nv)
             and (c_out is None or c_out.shape[0] == nh), "outputs of the wrong length")
    _require(not persistent or chains.shape[0] >= 1, "PCD needs at least one chain")
    cdef Py_ssize_t row
    cdef bint rows_ok = True
    for row in range(n):
        rows_ok &= 0 <= order[row] < X.shape[0]
    _require(rows_ok, "order must index rows of X")
    cdef Py_ssize_t nneg = chains.shape[0] if persistent else 0
    cdef Py_ssize_t nchains = max(batch_rows, nneg)
    cdef Py_ssize_t bi, s, B, Bg, r, i, j, q, t, chunks, done = 0, cnt
    cdef double work = 0
    cdef bint stop = False
    cdef floating decay = <floating> (learning_rate * weight_decay)
    cdef floating mom = <floating> momentum
    cdef floating zrate = <floating> (sigma_rate / learning_rate)
    cdef floating zmin = <floating> z_min
    cdef floating rp, rn, x, u
    dt = np.float32 if floating is float else np.float64
    # hidden rows: h+ of the batch, then h- of the chains (one array, so that a weight row's
    # column list reaches both)
    cdef Py_ssize_t G = batch_rows + nchains
    cdef floating[:, ::1] H = np.zeros((G, ph), dtype=dt)
    cdef floating[:, ::1] Pv = np.zeros((nchains, pv), dtype=dt)
    cdef floating[:, ::1] S = np.zeros((nchains, pv), dtype=dt)
    cdef floating[:, ::1] grad = np.zeros((nthreads * UPDATE_UNITS, ph), dtype=dt)
    cdef floating[::1] zero_h = np.zeros(ph, dtype=dt)
    cdef floating[::1] sigma = np.zeros(pv, dtype=dt)
    cdef floating[::1] inv_var = np.zeros(pv, dtype=dt)
    cdef floating[::1] dbias = np.zeros(pv, dtype=dt)
    cdef floating[::1] dvar = np.zeros(pv, dtype=dt)
    cdef floating[::1] ones = np.ones(nh + SLACK, dtype=dt)
    cdef int32_t[::1] visible_units = np.arange(nv + SLACK, dtype=np.int32)
    cdef Py_ssize_t wv = nv + SLACK, wh = nh + SLACK
    cdef int32_t[::1] data_idx = np.zeros(batch_rows * wv, dtype=np.int32)
    cdef floating[::1] data_coef = np.zeros(batch_rows * wv, dtype=dt)
    cdef int32_t[::1] hid_idx = np.zeros(nchains * wh, dtype=np.int32)
    cdef int32_t[::1] col_idx = np.zeros(nv * (G + SLACK), dtype=np.int32)
    cdef floating[::1] col_coef = np.zeros(nv * (G + SLACK), dtype=dt)
    cdef Py_ssize_t[:, ::1] counts = np.zeros((4, max(nchains, nv)), dtype=np.intp)
    counts[1, :] = nv
    cdef Lists data = Lists(&data_idx[0], &data_coef[0], &counts[0, 0], wv, wv)
    cdef Lists vis = Lists(&visible_units[0], &S[0, 0], &counts[1, 0], 0, pv)
    cdef Lists hid = Lists(&hid_idx[0], &ones[0], &counts[2, 0], wh, 0)
    cdef Lists col = Lists(&col_idx[0], &col_coef[0], &counts[3, 0], G + SLACK, G + SLACK)
    if n == 0:
        _write_out(W, b, c, z, nv, nh, components_out, b_out, c_out, z_out)
        return 0
    if bitgens.shape[0] < nchains:
        raise ValueError(f"need {nchains} random streams, got {bitgens.shape[0]}")
    cdef bitgen_t **rng = <bitgen_t **> <uintptr_t> &bitgens[0]
    with nogil:
        for r in range(nneg):
            cnt = 0
            for j in range(nh):
                if chains[r, j] != 0:
                    hid_idx[r * wh + cnt] = <int32_t> j
                    cnt = cnt + 1
            counts[2, r] = cnt
        for bi in range((n + batch_rows - 1) // batch_rows):
            if check_due(&work):
                stop = True
                break
            s = bi * batch_rows
            B = min(batch_rows, n - s)
            Bg = nneg if persistent else B
            work += <double> (B + Bg * (2 * k + 1)) * nv * nh
            for i in range(nv):
                sigma[i] = <floating> exp(0.5 * z[i])
                inv_var[i] = <floating> exp(-z[i])
            chunks = nthreads if B * nv * nh >= PARALLEL_MIN_WORK else 1
            if chunks == 1:
                _positive(X, &order[s], 0, B, data, Wt, &c[0], &inv_var[0], nh, H,
                          NULL if persistent else rng, hid)
            else:
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _positive(X, &order[s], _chunk(t, chunks, B), _chunk(t + 1, chunks, B),
                              data, Wt, &c[0], &inv_var[0], nh, H,
                              NULL if persistent else rng, hid)
            chunks = nthreads if Bg * nv * nh >= PARALLEL_MIN_WORK else 1
            if chunks == 1:
                _negative(0, Bg, k, persistent, hid, vis, W, Wt, &b[0], &c[0], &sigma[0],
                          &inv_var[0], nv, nh, Pv, S, &H[B, 0], rng)
            else:
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _negative(_chunk(t, chunks, Bg), _chunk(t + 1, chunks, Bg), k, persistent,
                              hid, vis, W, Wt, &b[0], &c[0], &sigma[0], &inv_var[0], nv, nh,
                              Pv, S, &H[B, 0], rng)
            rp = <floating> (learning_rate / B)
            rn = <floating> (learning_rate / Bg)
            # per visible unit: its column list (the rows of H where the unit is nonzero,
            # with coefficients +-R v_i / sigma_i^2), the bias gradient, and the variance
            # statistic u_i (R+ sum+ (v_i - b_i)^2 - R- sum- (v_i - b_i)^2) / 2
            for i in range(nv):
                counts[3, i] = 0
                dbias[i] = 0
                dvar[i] = 0
            for r in range(B):
                for q in range(data.count[r]):
                    i = data_idx[r * wv + q]
                    col_idx[i * col.width + counts[3, i]] = <int32_t> r
                    col_coef[i * col.width + counts[3, i]] = rp * data_coef[r * wv + q]
                    counts[3, i] += 1
                for i in range(nv):
                    x = X[order[s + r], i] - b[i]
                    dbias[i] = dbias[i] + rp * x
                    dvar[i] = dvar[i] + rp * x * x
            for r in range(Bg):
                for i in range(nv):
                    col_idx[i * col.width + counts[3, i]] = <int32_t> (B + r)
                    col_coef[i * col.width + counts[3, i]] = -rn * S[r, i]
                    counts[3, i] += 1
                    x = Pv[r, i] - b[i]
                    dbias[i] = dbias[i] - rn * x
                    dvar[i] = dvar[i] - rn * x * x
            for i in range(nv):
                u = inv_var[i]
                dbias[i] = u * dbias[i]
                dvar[i] = <floating> 0.5 * u * dvar[i]
            chunks = nthreads if (B + Bg) * nv * nh >= PARALLEL_MIN_WORK else 1
            if chunks == 1:
                _update_rows(0, nv, col, H, grad, 0, &zero_h[0], mom, decay, zrate, dbias,
                             dvar, learn_z, zmin, vel_Wt, Wt, vel_b, b, vel_z, z)
            else:
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _update_rows(_chunk(t, chunks, nv), _chunk(t + 1, chunks, nv), col, H,
                                 grad, t, &zero_h[0], mom, decay, zrate, dbias, dvar, learn_z, zmin,
                                 vel_Wt, Wt, vel_b, b, vel_z, z)
            # hidden biases: R+ sum+ h+ - R- sum- h-, summed in row order
            for j in range(nh):
                x = 0
                for r in range(B):
                    x = x + H[r, j]
                u = 0
                for r in range(Bg):
                    u = u + H[B + r, j]
                vel_c[j] = mom * vel_c[j] + rp * x - rn * u
                c[j] = c[j] + vel_c[j]
            if chunks == 1:
                rbm_transpose(&Wt[0, 0], nv, ph, 0, nh, &W[0, 0], pv)
            else:
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    rbm_transpose(&Wt[0, 0], nv, ph, _chunk(t, chunks, nh),
                                  _chunk(t + 1, chunks, nh), &W[0, 0], pv)
            done = bi + 1
        for r in range(nneg):
            for j in range(nh):
                chains[r, j] = 0
            for q in range(counts[2, r]):
                chains[r, hid_idx[r * wh + q]] = 1
        _write_out(W, b, c, z, nv, nh, components_out, b_out, c_out, z_out)
    if stop:
        raise_pending()
    return done


cdef void _write_out(const floating[:, ::1] W, const floating[::1] b, const floating[::1] c,
                     const floating[::1] z, Py_ssize_t nv, Py_ssize_t nh,
                     floating[:, ::1] components_out, floating[::1] b_out,
                     floating[::1] c_out, floating[::1] z_out) noexcept nogil:
    """The unpadded parameters (and the log-variances z) into the optional outputs."""
    cdef Py_ssize_t i
    write_unpadded(W, b, c, nv, nh, components_out, b_out, c_out)
    if z_out is not None:
        for i in range(nv):
            z_out[i] = z[i]
