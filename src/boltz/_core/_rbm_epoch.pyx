"""Contrastive-divergence training of a Bernoulli RBM: a whole epoch of mini-batches in one
nogil call (CD-k, PCD-k or PCD with a tempered negative phase, plain or centred).

Products with a weight matrix are sums of its rows over the nonzero entries of the other
factor (rbm_rows.h): sampled states are binary and data are mostly zeros, so v^T W costs
nnz(v) rows of W instead of a dense product, and a sampled state is kept only as the list of
its units that are on. Both W (n_hidden rows) and its transpose Wt (n_visible rows) are
kept, so that every product reads contiguous rows; rows are padded to whole vectors.

Each row of a batch and each negative chain has its own PCG64 stream (a Bernoulli draw
takes one byte of a 64-bit word, rbm_rows.h), and the work on a row never depends on
another row, so rows are split among threads (OpenMP) and the result does not depend on the
thread count. row_products (free energies) and monitor_stats (the per-epoch monitors and
score_samples) use the same row sums.

Every entry point checks the sizes it is given against each other before it touches memory
(a ValueError, not a crash). train_epoch checks for Ctrl-C between batches (the GIL taken
back briefly, after about CHECK_WORK multiply-adds): it stops after the batch in progress,
leaves every array holding the finished batches, and raises what the signal handler raised.
"""
from cython cimport floating
from boltz._core._row_lists cimport SLACK, Lists, write_unpadded
from boltz._core._row_lists cimport padded_width as _padded_width
from boltz._core._row_lists cimport row_sums as _row_sums
from boltz._core._signals cimport check_due, raise_pending
from cython.parallel cimport prange
from boltz._core._rbm_kernels cimport (rbm_nonzeros, rbm_sample, rbm_transpose,
                                       rbm_weight_row)
from boltz._core._simd cimport sigmoid, softplus_sum
from libc.math cimport exp, fabs, fmax, log, log1p
from libc.stdint cimport int32_t, int64_t, uintptr_t
from numpy.random cimport bitgen_t

import numpy as np

# Multiply-adds below which a phase of a batch runs on one thread (a parallel region costs
# more than it saves).
cdef enum:
    PARALLEL_MIN_WORK = 200000


def _require(bint ok, str what):
    if not ok:
        raise ValueError(f"RBM kernel: {what}")


def _check_weights(const floating[:, ::1] W, const floating[:, ::1] Wt, const floating[::1] b,
                   const floating[::1] c, Py_ssize_t nv, Py_ssize_t nh):
    """W (nh, pv) and Wt (nv, ph) padded to whole vectors, b (pv), c (ph)."""
    cdef Py_ssize_t size = sizeof(floating)
    _require(W.shape[0] == nh and Wt.shape[0] == nv, f"W must be ({nh}, pv) and Wt ({nv}, ph)"
             f", got {W.shape[0]} and {Wt.shape[0]} rows")
    _require(_padded_width(W.shape[1], nv, size) and _padded_width(Wt.shape[1], nh, size),
             "the rows of W and Wt must be padded to whole 32-byte vectors")
    _require(b.shape[0] == W.shape[1] and c.shape[0] == Wt.shape[1],
             "b and c must be as long as the rows of W and Wt")


cdef inline void _finish(floating *prob, Py_ssize_t r, Py_ssize_t n, Py_ssize_t p,
                         bitgen_t *rng, Lists L) noexcept nogil:
    """Row r: sigmoid in place; with rng, also sample it into row r of L."""
    if rng == NULL:
        rbm_sample(prob, n, p, NULL, NULL)
    else:
        L.count[r] = rbm_sample(prob, n, p, rng, &L.idx[r * L.width])


cdef inline void _nonzeros(const floating *x, Py_ssize_t m, Py_ssize_t r,
                           Lists L) noexcept nogil:
    L.count[r] = rbm_nonzeros(x, m, &L.idx[r * L.width],
                              &(<floating *> L.coef)[r * L.coef_width])


cdef void _positive(const floating[:, ::1] X, const int64_t *rows, Py_ssize_t r0,
                    Py_ssize_t r1, Lists data, const floating[:, ::1] Wt,
                    const floating *c, Py_ssize_t nh, floating[:, ::1] H,
                    bitgen_t **rng, Lists hid) noexcept nogil:
    """Data rows r0..r1-1 (X[rows[r]]): h+ = sigmoid(c + v Wt) into H; with rng (CD), the
    first hidden state of chain r is sampled from it."""
    cdef Py_ssize_t r, p = H.shape[1]
    for r in range(r0, r1):
        _nonzeros(&X[rows[r], 0], X.shape[1], r, data)
    _row_sums(r0, r1, data, &Wt[0, 0], c, p, &H[0, 0])
    for r in range(r0, r1):
        _finish(&H[r, 0], r, nh, p, rng[r] if rng != NULL else NULL, hid)


cdef void _negative(Py_ssize_t r0, Py_ssize_t r1, int k, bint keep_last, Lists hid,
                    Lists vis, const floating[:, ::1] W, const floating[:, ::1] Wt,
                    const floating *b, const floating *c, Py_ssize_t nv, Py_ssize_t nh,
                    floating[:, ::1] Pv, floating *Hn, bitgen_t **rng) noexcept nogil:
    """Chains r0..r1-1, k steps from their hidden lists: v ~ sigmoid(b + h W),
    h- = sigmoid(c + v Wt) into Hn, h ~ h- (skipped after the last step unless keep_last)."""
    cdef Py_ssize_t r, pv = Pv.shape[1], ph = Wt.shape[1]
    cdef int step
    for step in range(k):
        _row_sums(r0, r1, hid, &W[0, 0], b, pv, &Pv[0, 0])
        for r in range(r0, r1):
            _finish(&Pv[r, 0], r, nv, pv, rng[r], vis)
        _row_sums(r0, r1, vis, &Wt[0, 0], c, ph, Hn)
        for r in range(r0, r1):
            _finish(&Hn[r * ph], r, nh, ph, rng[r] if keep_last or step + 1 < k else NULL, hid)


cdef inline Py_ssize_t _chunk(Py_ssize_t t, Py_ssize_t chunks, Py_ssize_t n) noexcept nogil:
    return t * n // chunks


cdef void _negative_chains(Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t M, Py_ssize_t S, int k,
                           bint keep_last, Lists hid, Lists vis, const floating[:, ::1] W,
                           const floating[:, ::1] Wt, const floating[::1] b,
                           const floating[::1] c, const floating[:, ::1] bb,
                           const floating[:, ::1] cb, const floating[:, ::1] coef,
                           Py_ssize_t nv, Py_ssize_t nh, floating[:, ::1] Pv, floating *Hn,
                           bitgen_t **rng) noexcept nogil:
    """_negative for chains r0..r1-1: at beta = 1 (M = 1), or of a tempered set of M blocks
    of S chains, where chain r runs at inverse temperature beta_m, m = r // S, with the
    biases bb[m] = beta_m b, cb[m] = beta_m c and every row sum scaled by beta_m (its lists'
    coefficients, coef[m]); tempered chains keep their last hidden states."""
    cdef Py_ssize_t m, a, e
    cdef Lists h = hid, v = vis
    if M == 1:
        _negative(r0, r1, k, keep_last, hid, vis, W, Wt, &b[0], &c[0], nv, nh, Pv, Hn, rng)
        return
    while r0 < r1:
        m = r0 // S
        a, e = r0, min(r1, (m + 1) * S)
        h.coef = &coef[m, 0]
        v.coef = &coef[m, 0]
        _negative(a, e, k, True, h, v, W, Wt, &bb[m, 0], &cb[m, 0], nv, nh, Pv, Hn, rng)
        r0 = e


cdef double _joint_energy(Py_ssize_t r, Lists hid, Lists vis, const floating[:, ::1] Wt,
                          const floating *b, const floating *c) noexcept nogil:
    """E(v, h) = -v^T W h - b^T v - c^T h of chain r's sampled states (its lists)."""
    cdef Py_ssize_t q, s, i
    cdef double e = 0
    for q in range(vis.count[r]):
        i = vis.idx[r * vis.width + q]
        e -= b[i]
        for s in range(hid.count[r]):
            e -= Wt[i, hid.idx[r * hid.width + s]]
    for s in range(hid.count[r]):
        e -= c[hid.idx[r * hid.width + s]]
    return e


cdef void _swap_replicas(Py_ssize_t S, Py_ssize_t M, const double[::1] betas, Lists hid,
                         Lists vis, const floating[:, ::1] Wt, const floating *b,
                         const floating *c, double[::1] energy, bitgen_t **rng,
                         int64_t[:, ::1] swaps) noexcept nogil:
    """Replica exchange between neighbouring temperatures: for each chain r < S and
    m = 0 .. M-2 in turn, the states of chains m S + r and (m + 1) S + r swap with
    probability min(1, exp((beta_m - beta_{m+1}) (E_m - E_{m+1}))), E the joint energies
    of the last Gibbs step's states; the uniform comes from chain m S + r's stream. Only the
    hidden lists move (the next step draws v from h). swaps[0, m] counts the accepted
    exchanges of pair m, swaps[1, m] the attempts."""
    cdef Py_ssize_t r, m, a, z, q, n
    cdef int32_t t
    cdef double e
    for r in range(M * S):
        energy[r] = _joint_energy(r, hid, vis, Wt, b, c)
    for r in range(S):
        for m in range(M - 1):
            a, z = m * S + r, (m + 1) * S + r
            e = (betas[m] - betas[m + 1]) * (energy[a] - energy[z])
            swaps[1, m] += 1
            if e < 0 and log(rng[a].next_double(rng[a].state)) >= e:
                continue
            swaps[0, m] += 1
            n = max(hid.count[a], hid.count[z])
            for q in range(n):
                t = hid.idx[a * hid.width + q]
                hid.idx[a * hid.width + q] = hid.idx[z * hid.width + q]
                hid.idx[z * hid.width + q] = t
            hid.count[a], hid.count[z] = hid.count[z], hid.count[a]
            energy[a], energy[z] = energy[z], energy[a]


def train_epoch(const floating[:, ::1] X, const int64_t[::1] order, Py_ssize_t batch_rows,
                floating[:, ::1] W, floating[:, ::1] Wt, floating[::1] b, floating[::1] c,
                floating[:, ::1] chains, floating[:, ::1] vel_Wt, floating[::1] vel_b,
                floating[::1] vel_c, double learning_rate, double momentum,
                double weight_decay, int k, bint persistent, const uintptr_t[::1] bitgens,
                int nthreads, floating[:, ::1] components_out=None, floating[::1] b_out=None,
                floating[::1] c_out=None, floating[::1] visible_offset=None,
                floating[::1] hidden_offset=None, double offset_rate=0.0,
                const double[::1] betas=None, int64_t[:, ::1] swaps=None):
    """CD-k (persistent=False) or PCD-k updates over the batches order[s:s + batch_rows],
    optionally centred and with a tempered negative phase.

    Sizes: X (n, nv); W (nh, pv) and Wt (nv, ph) with pv >= nv and ph >= nh multiples of
    the vector width, zero in their padding; b, vel_b (pv); c, vel_c (ph); vel_Wt like Wt;
    chains (n_chains, nh) of 0/1, the persistent hidden states; one generator per row of a
    batch and per chain (`bitgens`, at least max(batch_rows, n_chains)).

    Per batch of B rows V: h+ = sigmoid(c + V Wt); negative chains start from `chains`
    (PCD) or from h ~ h+ (CD); k steps of v ~ sigmoid(b + h W), h- = sigmoid(c + v Wt),
    h ~ h-; then with R = learning_rate / batch_rows (scikit-learn's scaling)
        vel = momentum vel + R (V^T h+ - v^T h-) - learning_rate weight_decay Wt,  Wt += vel
    and the same without decay for b (V - v summed over rows) and c (h+ - h-). W is kept
    equal to Wt^T. All arrays are updated in place; with `components_out` (nh, nv),
    `b_out` (nv) and `c_out` (nh), the unpadded parameters are also written there when the
    call ends (inside the nogil region, so that they always match the chains, buffers and
    streams).

    Centring (Melchior, Fischer & Wiskott 2016), with `visible_offset` mu (pv) and
    `hidden_offset` lam (ph): the gradients are those of the centred energy
    -(v - mu)^T W (h - lam) - b'^T (v - mu) - c'^T (h - lam), i.e. the weight gradient
    loses mu dc^T + db lam^T (db, dc the bias gradients above) and gains
    R (B - Bg) mu lam^T (B data rows against Bg chains), and the step is taken back
    to the plain parameters the arrays hold: b += vel_b - vel_W lam, c += vel_c -
    vel_W^T mu. After each batch mu and lam move by `offset_rate` towards the batch means
    of V and h+ (a plain model does not change when they move).

    Tempered negative phase (parallel tempering, Desjardins et al. 2010), `betas` of M >= 2
    inverse temperatures starting at 1: PCD only; `chains` holds M blocks of S chains,
    block m at beta_m (its conditionals are those of beta_m E); after each batch's k steps
    neighbouring blocks exchange states (_swap_replicas). Only block 0 (beta = 1) enters the
    gradient. `swaps` (2, M - 1) counts the accepted (row 0) and attempted (row 1)
    exchanges of each pair.

    Ctrl-C is checked between batches: the call then stops after the batch in progress,
    with every array holding the finished batches, and raises the handler's exception.
    Returns the number of batches done.
    """
    cdef Py_ssize_t n = order.shape[0], nv = X.shape[1], nh = chains.shape[1]
    cdef Py_ssize_t pv = W.shape[1], ph = Wt.shape[1]
    _require(batch_rows >= 1 and k >= 1 and nthreads >= 1,
             "batch_rows, k and nthreads must be >= 1")
    _check_weights(W, Wt, b, c, nv, nh)
    _require(vel_Wt.shape[0] == nv and vel_Wt.shape[1] == ph and vel_b.shape[0] == pv
             and vel_c.shape[0] == ph, "the momentum buffers must match Wt, b and c")
    _require(components_out is None or (components_out.shape[0] == nh
                                        and components_out.shape[1] == nv),
             f"components_out must be ({nh}, {nv})")
    _require(b_out is None or b_out.shape[0] == nv, f"b_out must have {nv} entries")
    _require(c_out is None or c_out.shape[0] == nh, f"c_out must have {nh} entries")
    cdef bint centered = visible_offset is not None
    _require((visible_offset is None) == (hidden_offset is None) and (
        not centered or (visible_offset.shape[0] == pv and hidden_offset.shape[0] == ph)),
        "the offsets must be given together, as long as b and c")
    cdef Py_ssize_t M = 1 if betas is None else betas.shape[0]
    _require(M >= 1 and (M == 1 or (persistent and chains.shape[0] % M == 0)),
             "tempering needs persistent chains, a whole number of blocks per beta")
    _require(M == 1 or (swaps is not None and swaps.shape[0] == 2
                        and swaps.shape[1] == M - 1),
             "swaps must be (2, len(betas) - 1)")
    cdef Py_ssize_t row
    cdef bint rows_ok = True
    for row in range(n):
        rows_ok &= 0 <= order[row] < X.shape[0]
    _require(rows_ok, "order must index rows of X")
    # nneg persistent chains, the first S of them (beta = 1) in the gradient
    cdef Py_ssize_t nneg = chains.shape[0] if persistent else 0, S = nneg // M
    cdef Py_ssize_t nchains = max(batch_rows, chains.shape[0])
    cdef Py_ssize_t bi, s, B, Bn, Bg, r, i, j, q, t, m, chunks, done = 0
    cdef double work = 0
    cdef bint stop = False
    cdef floating rate = <floating> (learning_rate / batch_rows)
    cdef floating decay = <floating> (learning_rate * weight_decay)
    cdef floating mom = <floating> momentum
    cdef floating nu = <floating> offset_rate
    cdef bint use_velocity = centered or momentum != 0 or weight_decay != 0
    dt = np.float32 if floating is float else np.float64
    # hidden rows: h+ of the batch, then h- of the negative chains (one array, so that the
    # weight update reads both through one index list), then the two rows of the centring
    # terms: R (h+ - h-) summed over rows, and lam
    cdef Py_ssize_t G = batch_rows + nchains
    cdef floating[:, ::1] H = np.zeros((G + 2, ph), dtype=dt)
    cdef floating[:, ::1] Pv = np.zeros((nchains, pv), dtype=dt)
    cdef floating[::1] hpos = np.zeros(ph, dtype=dt)
    cdef floating[::1] vpos = np.zeros(pv, dtype=dt)
    cdef floating[::1] db = np.zeros(pv, dtype=dt)
    cdef floating[::1] shift = np.zeros(ph, dtype=dt)
    cdef floating[::1] zero_h = np.zeros(ph, dtype=dt)
    cdef int32_t[::1] visible_units = np.arange(nv + SLACK, dtype=np.int32)
    cdef Py_ssize_t[::1] nv_count = np.full(1, nv, dtype=np.intp)
    cdef floating[::1] ones = np.ones(max(nv, nh), dtype=dt)
    # tempered copies: beta_m b, beta_m c, and beta_m as the row sums' coefficients
    cdef floating[:, ::1] bb = np.zeros((M, pv), dtype=dt)
    cdef floating[:, ::1] cb = np.zeros((M, ph), dtype=dt)
    cdef floating[:, ::1] beta_coef = np.ones((M, max(nv, nh)), dtype=dt)
    cdef double[::1] energy = np.zeros(max(nneg, 1))
    if M > 1:
        for m in range(M):
            beta_coef[m, :] = <floating> betas[m]
    # a list of m units has room for m + SLACK entries (the kernels store whole vectors)
    cdef Py_ssize_t wv = nv + SLACK, wh = nh + SLACK
    cdef int32_t[::1] data_idx = np.zeros(batch_rows * wv, dtype=np.int32)
    cdef floating[::1] data_coef = np.zeros(max(batch_rows * wv, nchains * wh), dtype=dt)
    cdef int32_t[::1] vis_idx = np.zeros(nchains * wv, dtype=np.int32)
    cdef int32_t[::1] hid_idx = np.zeros(nchains * wh, dtype=np.int32)
    cdef int32_t[::1] col_idx = np.zeros(nv * (G + 2), dtype=np.int32)
    cdef floating[::1] col_coef = np.zeros(nv * (G + 2), dtype=dt)
    cdef Py_ssize_t[:, ::1] counts = np.zeros((4, max(nchains, nv)), dtype=np.intp)
    cdef Lists data = Lists(&data_idx[0], &data_coef[0], &counts[0, 0], wv, wv)
    cdef Lists vis = Lists(&vis_idx[0], &ones[0], &counts[1, 0], wv, 0)
    cdef Lists hid = Lists(&hid_idx[0], &ones[0], &counts[2, 0], wh, 0)
    cdef Lists col = Lists(&col_idx[0], &col_coef[0], &counts[3, 0], G + 2, G + 2)
    cdef Lists every_visible = Lists(&visible_units[0], NULL, &nv_count[0], 0, 0)
    if centered:
        every_visible.coef = &visible_offset[0]
    if n == 0:
        write_unpadded(W, b, c, nv, nh, components_out, b_out, c_out)
        return 0
    if bitgens.shape[0] < nchains:
        raise ValueError(f"need {nchains} random streams, got {bitgens.shape[0]}")
    cdef bitgen_t **rng = <bitgen_t **> <uintptr_t> &bitgens[0]
    cdef Lists scratch = data
    scratch.idx = &hid_idx[0]
    scratch.count = hid.count
    scratch.width = wh
    scratch.coef_width = wh
    with nogil:
        for r in range(nneg):
            _nonzeros(&chains[r, 0], nh, r, scratch)
        for bi in range((n + batch_rows - 1) // batch_rows):
            if check_due(&work):
                stop = True
                break
            s = bi * batch_rows
            B = min(batch_rows, n - s)
            Bn = nneg if persistent else B          # chains run
            Bg = S if persistent else B             # chains in the gradient
            work += <double> (B + Bn * (2 * k + 1)) * nv * nh
            # (one chunk runs outside a parallel region, which costs more than a small batch)
            chunks = nthreads if B * nv * nh >= PARALLEL_MIN_WORK else 1
            if chunks == 1:
                _positive(X, &order[s], 0, B, data, Wt, &c[0], nh, H,
                          NULL if persistent else rng, hid)
            else:
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _positive(X, &order[s], _chunk(t, chunks, B), _chunk(t + 1, chunks, B),
                              data, Wt, &c[0], nh, H, NULL if persistent else rng, hid)
            if M > 1:
                for m in range(M):
                    for i in range(pv):
                        bb[m, i] = <floating> betas[m] * b[i]
                    for j in range(ph):
                        cb[m, j] = <floating> betas[m] * c[j]
            chunks = nthreads if Bn * nv * nh >= PARALLEL_MIN_WORK else 1
            if chunks == 1:
                _negative_chains(0, Bn, M, S, k, persistent, hid, vis, W, Wt, b, c, bb, cb,
                                 beta_coef, nv, nh, Pv, &H[B, 0], rng)
            else:
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _negative_chains(_chunk(t, chunks, Bn), _chunk(t + 1, chunks, Bn), M, S,
                                     k, persistent, hid, vis, W, Wt, b, c, bb, cb, beta_coef,
                                     nv, nh, Pv, &H[B, 0], rng)
            # weights: row i of Wt takes the rows of h+ and h- where visible unit i is
            # on; those lists are the data and sample lists transposed. db[i] is the sum of
            # row i's coefficients, the visible bias gradient.
            for i in range(nv):
                col.count[i] = 0
                db[i] = 0
            for r in range(B):
                for q in range(data.count[r]):
                    i = data.idx[r * wv + q]
                    col.idx[i * col.width + col.count[i]] = <int32_t> r
                    (<floating *> col.coef)[i * col.width + col.count[i]] = \
                        rate * (<floating *> data.coef)[r * wv + q]
                    db[i] = db[i] + (<floating *> col.coef)[i * col.width + col.count[i]]
                    col.count[i] += 1
            for r in range(Bg):
                for q in range(vis.count[r]):
                    i = vis.idx[r * wv + q]
                    col.idx[i * col.width + col.count[i]] = <int32_t> (B + r)
                    (<floating *> col.coef)[i * col.width + col.count[i]] = -rate
                    db[i] = db[i] - rate
                    col.count[i] += 1
            # hidden bias gradient R (h+ - h-), h+ summed first (the centring needs it)
            for j in range(ph):
                hpos[j] = 0
            for r in range(B):
                for j in range(nh):
                    hpos[j] += H[r, j]
            for j in range(ph):
                H[G, j] = hpos[j]
            for r in range(B, B + Bg):
                for j in range(nh):
                    H[G, j] -= H[r, j]
            for j in range(nh):
                H[G, j] = rate * H[G, j]
            if centered:
                # the centred weight gradient's extra terms: - mu_i dc - db_i lam, and
                # + R (B - Bg) mu_i lam when the batch and the chains differ in number
                for j in range(ph):
                    H[G + 1, j] = hidden_offset[j]
                for i in range(nv):
                    col.idx[i * col.width + col.count[i]] = <int32_t> G
                    (<floating *> col.coef)[i * col.width + col.count[i]] = -visible_offset[i]
                    col.idx[i * col.width + col.count[i] + 1] = <int32_t> (G + 1)
                    (<floating *> col.coef)[i * col.width + col.count[i] + 1] = \
                        rate * (B - Bg) * visible_offset[i] - db[i]
                    col.count[i] += 2
            if M > 1:
                _swap_replicas(S, M, betas, hid, vis, Wt, &b[0], &c[0], energy, rng, swaps)
            chunks = nthreads if (B + Bn) * nv * nh >= PARALLEL_MIN_WORK else 1
            if chunks == 1:
                _weights(0, nv, col, H, mom, decay, use_velocity, db, hidden_offset, vel_Wt,
                         Wt, vel_b, b)
            else:
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _weights(_chunk(t, chunks, nv), _chunk(t + 1, chunks, nv), col, H, mom,
                             decay, use_velocity, db, hidden_offset, vel_Wt, Wt, vel_b, b)
            if centered:
                # the plain hidden biases move by - vel_W^T mu beside the centred step: the
                # rows of vel_Wt summed with the coefficients mu
                _row_sums(0, 1, every_visible, &vel_Wt[0, 0], &zero_h[0], ph, &shift[0])
            for j in range(nh):
                vel_c[j] = mom * vel_c[j] + H[G, j]
                c[j] = c[j] + vel_c[j] - shift[j]
            if centered:
                for i in range(nv):
                    vpos[i] = 0
                for r in range(B):
                    for q in range(data.count[r]):
                        i = data.idx[r * wv + q]
                        vpos[i] += (<floating *> data.coef)[r * wv + q]
                for i in range(nv):
                    visible_offset[i] += nu * (vpos[i] / B - visible_offset[i])
                for j in range(nh):
                    hidden_offset[j] += nu * (hpos[j] / B - hidden_offset[j])
            if chunks == 1:
                _transpose(Wt, nv, 0, nh, W)
            else:
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _transpose(Wt, nv, _chunk(t, chunks, nh), _chunk(t + 1, chunks, nh), W)
            done = bi + 1
        for r in range(nneg):
            for j in range(nh):
                chains[r, j] = 0
            for q in range(hid.count[r]):
                chains[r, hid.idx[r * wh + q]] = 1
        write_unpadded(W, b, c, nv, nh, components_out, b_out, c_out)
    if stop:
        raise_pending()
    return done


cdef void _weights(Py_ssize_t i0, Py_ssize_t i1, Lists col, const floating[:, ::1] H,
                   floating mom, floating decay, bint use_velocity, const floating[::1] db,
                   const floating[::1] hidden_offset, floating[:, ::1] vel_Wt,
                   floating[:, ::1] Wt, floating[::1] vel_b, floating[::1] b) noexcept nogil:
    """Rows i0..i1-1 of Wt and of b: each takes the rows of H in its column list, through
    the velocity when `use_velocity`; b takes its gradient db and, centred (hidden_offset
    given), - vel_Wt[i] . hidden_offset."""
    cdef Py_ssize_t i, j, p = Wt.shape[1]
    cdef floating x
    for i in range(i0, i1):
        rbm_weight_row(p, &col.idx[i * col.width], &(<floating *> col.coef)[i * col.width],
                       col.count[i], &H[0, 0], mom, decay,
                       &vel_Wt[i, 0] if use_velocity else NULL, &Wt[i, 0])
        vel_b[i] = mom * vel_b[i] + db[i]
        x = 0
        if hidden_offset is not None:
            for j in range(p):
                x = x + vel_Wt[i, j] * hidden_offset[j]
        b[i] = b[i] + vel_b[i] - x


cdef inline void _transpose(const floating[:, ::1] Wt, Py_ssize_t nv, Py_ssize_t j0,
                            Py_ssize_t j1, floating[:, ::1] W) noexcept nogil:
    rbm_transpose(&Wt[0, 0], nv, Wt.shape[1], j0, j1, &W[0, 0], W.shape[1])


def row_products(const floating[:, ::1] V, const floating[:, ::1] M,
                 const floating[::1] bias, int nthreads):
    """out[r] = bias + V[r] M for V (rows, m) and M (m, p), p a multiple of the vector width
    (as train_epoch pads it): sums of the rows of M picked by the nonzero entries of V, the
    rows split among threads. Returns out (rows, p)."""
    cdef Py_ssize_t rows = V.shape[0], m = V.shape[1], p = M.shape[1], w = m + SLACK
    cdef Py_ssize_t t, chunks
    _require(M.shape[0] == m, f"M must have {m} rows (the columns of V), got {M.shape[0]}")
    _require(bias.shape[0] == p and _padded_width(p, 0, sizeof(floating)) and nthreads >= 1,
             "bias must be as long as the rows of M, padded to whole 32-byte vectors")
    dt = np.float32 if floating is float else np.float64
    out_arr = np.empty((rows, p), dtype=dt)
    cdef floating[:, ::1] out = out_arr
    cdef int32_t[::1] idx = np.empty(max(rows, 1) * w, dtype=np.int32)
    cdef floating[::1] coef = np.empty(max(rows, 1) * w, dtype=dt)
    cdef Py_ssize_t[::1] count = np.zeros(max(rows, 1), dtype=np.intp)
    cdef Lists L = Lists(&idx[0], &coef[0], &count[0], w, w)
    if rows == 0 or m == 0:
        out_arr[...] = np.asarray(bias)
        return out_arr
    chunks = nthreads if rows * m * p >= PARALLEL_MIN_WORK else 1
    for t in prange(chunks, num_threads=chunks, schedule='static', nogil=True):
        _products(V, _chunk(t, chunks, rows), _chunk(t + 1, chunks, rows), L, M, bias, out)
    return out_arr


cdef void _products(const floating[:, ::1] V, Py_ssize_t r0, Py_ssize_t r1, Lists L,
                    const floating[:, ::1] M, const floating[::1] bias,
                    floating[:, ::1] out) noexcept nogil:
    cdef Py_ssize_t r
    for r in range(r0, r1):
        _nonzeros(&V[r, 0], V.shape[1], r, L)
    _row_sums(r0, r1, L, &M[0, 0], &bias[0], out.shape[1], &out[0, 0])


def monitor_stats(const floating[:, ::1] V, const int64_t[::1] flip, const floating[:, ::1] W,
                  const floating[:, ::1] Wt, const floating[::1] b, const floating[::1] c,
                  int nthreads):
    """Per row of V (rows, nv), for the RBM with weights W (nh, pv) = Wt^T (nv, ph) padded
    like train_epoch's, visible biases b (pv) and hidden biases c (ph):

    - err[r] = sum_i (v_i - r_i)^2 with the mean-field reconstruction
      r = sigmoid(b + W^T sigmoid(c + v Wt));
    - pl[r] = nv log sigmoid(F(v~) - F(v)), the pseudo-likelihood with feature flip[r] of
      the row flipped (v~_i = 1 - v_i), F(v) = -b.v - sum_j softplus(c_j + (v Wt)_j).

    Both from the same row sums as training (no BLAS), rows split among threads. Returns
    (err, pl), float64."""
    cdef Py_ssize_t rows = V.shape[0], nv = V.shape[1], nh = W.shape[0]
    cdef Py_ssize_t pv = W.shape[1], ph = Wt.shape[1], t, chunks, r
    _check_weights(W, Wt, b, c, nv, nh)
    _require(flip.shape[0] == rows and nthreads >= 1, "flip must have one entry per row")
    cdef bint flip_ok = True
    for r in range(rows):
        flip_ok &= 0 <= flip[r] < nv
    _require(flip_ok, "flip must index features")
    dt = np.float32 if floating is float else np.float64
    err_arr, pl_arr = np.zeros(rows), np.zeros(rows)
    if rows == 0:
        return err_arr, pl_arr
    cdef double[::1] err = err_arr, pl = pl_arr
    cdef floating[:, ::1] act = np.zeros((rows, ph), dtype=dt)
    cdef floating[:, ::1] hid = np.zeros((rows, ph), dtype=dt)
    cdef floating[:, ::1] vis = np.zeros((rows, pv), dtype=dt)
    cdef int32_t[::1] data_idx = np.zeros(rows * (nv + SLACK), dtype=np.int32)
    cdef floating[::1] data_coef = np.zeros(rows * (nv + SLACK), dtype=dt)
    cdef int32_t[::1] every = np.arange(nh, dtype=np.int32)
    cdef Py_ssize_t[:, ::1] counts = np.zeros((2, rows), dtype=np.intp)
    counts[1, :] = nh
    cdef Lists data = Lists(&data_idx[0], &data_coef[0], &counts[0, 0], nv + SLACK, nv + SLACK)
    # the hidden probabilities as coefficients of every row of W (one index list for all)
    cdef Lists dense = Lists(&every[0], &hid[0, 0], &counts[1, 0], 0, ph)
    chunks = nthreads if rows * nv * nh >= PARALLEL_MIN_WORK else 1
    for t in prange(chunks, num_threads=chunks, schedule='static', nogil=True):
        _monitor_rows(V, flip, _chunk(t, chunks, rows), _chunk(t + 1, chunks, rows), W, Wt,
                      b, c, data, dense, act, hid, vis, err, pl)
    return err_arr, pl_arr


cdef void _monitor_rows(const floating[:, ::1] V, const int64_t[::1] flip, Py_ssize_t r0,
                        Py_ssize_t r1, const floating[:, ::1] W, const floating[:, ::1] Wt,
                        const floating[::1] b, const floating[::1] c, Lists data, Lists dense,
                        floating[:, ::1] act, floating[:, ::1] hid, floating[:, ::1] vis,
                        double[::1] err, double[::1] pl) noexcept nogil:
    cdef Py_ssize_t r, i, j, nv = V.shape[1], nh = W.shape[0]
    cdef floating d
    cdef double e, diff
    _products(V, r0, r1, data, Wt, c, act)
    for r in range(r0, r1):
        for j in range(nh):
            hid[r, j] = act[r, j]
        sigmoid(&hid[r, 0], nh)
    _row_sums(r0, r1, dense, &W[0, 0], &b[0], vis.shape[1], &vis[0, 0])
    for r in range(r0, r1):
        sigmoid(&vis[r, 0], nv)
        e = 0
        for i in range(nv):
            e = e + (V[r, i] - vis[r, i]) * (V[r, i] - vis[r, i])
        err[r] = e
        # flipping v_i moves it by d = 1 - 2 v_i, and the hidden inputs by d W[:, i] =
        # d Wt[i]; hid[r] is free again and holds the moved inputs
        i = flip[r]
        d = 1 - 2 * V[r, i]
        for j in range(nh):
            hid[r, j] = act[r, j] + d * Wt[i, j]
        diff = -d * b[i] - (softplus_sum(&hid[r, 0], nh) - softplus_sum(&act[r, 0], nh))
        pl[r] = -nv * (fmax(-diff, 0) + log1p(exp(-fabs(diff))))
