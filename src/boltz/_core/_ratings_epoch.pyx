"""Contrastive-divergence training and exact predictions of the ratings RBM (softmax visible
units, Salakhutdinov, Mnih & Hinton 2007): a whole epoch of mini-batches of users in one
nogil call, and the predictive distributions of rating queries.

The model is kept as a binary RBM over *visible rows*: row i K + l of Wt (n_rows, ph) holds
the weights of "item i has level l" (K levels), and, in the conditional variant, row
n_items K + i the weights D[i] of "item i was seen". A user is the list of its rows that are
on (one level per rated item, and its seen items), so every product with the weights is a
sum of the rows in a list (rbm_rows.h) and costs the user's own ratings, never the catalogue.
Rows are padded to whole 32-byte vectors (ph), the padding zero.

A user of a batch has its own PCG64 stream (its position in the batch), the work on a user
never depends on another user, and each weight row takes its gradient from its own list in
a fixed order, so users and rows are split among threads (OpenMP) and the result does not
depend on the thread count.

Every entry point checks the sizes it is given against each other before it touches memory
(a ValueError, not a crash). train_epoch checks for Ctrl-C between batches, leaves every
array holding the finished batches, and raises what the signal handler raised.
"""
from cython cimport floating
from boltz._core._signals cimport check_due, raise_pending
from cython.parallel cimport prange
from boltz._core._row_lists cimport SLACK
from boltz._core._rbm_kernels cimport (rbm_level_scores, rbm_row_sums, rbm_sample,
                                       rbm_weight_row)
from boltz._core._simd cimport expshift, softplus_sum
from libc.math cimport exp
from libc.stdint cimport int32_t, int64_t, uintptr_t
from numpy.random cimport bitgen_t

import numpy as np

cdef enum:
    PARALLEL_MIN_WORK = 100000    # multiply-adds below which a phase runs on one thread
    MAX_LEVELS = 64


def _require(bint ok, str what):
    if not ok:
        raise ValueError(f"ratings RBM kernel: {what}")


cdef void _balanced_cuts(const double *cost, Py_ssize_t n, Py_ssize_t chunks,
                         Py_ssize_t *cuts) noexcept nogil:
    """cuts[0 .. chunks]: chunk t is items cuts[t] .. cuts[t + 1] - 1, about equal in total
    cost (users rate from 20 to hundreds of items: equal counts would leave one thread
    waiting). Any cut gives the same result; this one only balances the work."""
    cdef Py_ssize_t i, t = 1
    cdef double total = 0, acc = 0
    for i in range(n):
        total += cost[i]
    cuts[0] = 0
    for i in range(n):
        acc += cost[i]
        while t < chunks and acc >= total * t / chunks:
            cuts[t] = i + 1
            t += 1
    while t <= chunks:
        cuts[t] = n
        t += 1


def _check_model(const floating[:, ::1] Wt, const floating[::1] b, const floating[::1] c,
                 Py_ssize_t n_items, Py_ssize_t K, Py_ssize_t nh, bint conditional):
    cdef Py_ssize_t rows = n_items * K + (n_items if conditional else 0)
    _require(1 <= K <= MAX_LEVELS, f"the number of levels must be in [1, {MAX_LEVELS}]")
    _require(Wt.shape[0] == rows, f"Wt must have {rows} rows, got {Wt.shape[0]}")
    _require(Wt.shape[1] >= nh and (Wt.shape[1] * sizeof(floating)) % 32 == 0
             and c.shape[0] == Wt.shape[1],
             "Wt's rows and c must be padded to whole 32-byte vectors")
    _require(b.shape[0] == n_items * K, f"b must have {n_items * K} entries")


def _check_lists(const int64_t[::1] indptr, const int32_t[::1] rows, Py_ssize_t lo,
                 Py_ssize_t hi, str what):
    """indptr increasing from 0 to len(rows), every row in [lo, hi)."""
    cdef Py_ssize_t u, q, n = indptr.shape[0] - 1
    cdef bint ok = n >= 0 and indptr[0] == 0 and indptr[n] == rows.shape[0]
    if ok:
        for u in range(n):
            ok &= indptr[u] <= indptr[u + 1]
    if ok:
        for q in range(rows.shape[0]):
            ok &= lo <= rows[q] < hi
    _require(ok, f"{what} must be a CSR list of rows in [{lo}, {hi})")


cdef struct Batch:
    # the lists of the batch's users (user r at idx + r * width, count[r] entries)
    int32_t *pos          # its rated rows, then its seen rows: the data
    int32_t *neg          # the reconstruction's rows, then the seen rows
    Py_ssize_t *npos
    Py_ssize_t *nrated    # of the data's entries, how many are ratings (the rest: seen)
    Py_ssize_t width
    int32_t *hid          # the sampled hidden units that are on
    Py_ssize_t *nhid
    Py_ssize_t hwidth
    double *sq_err        # the reconstruction's squared error, summed over the user's items
    void *dense_h         # floating: per user, its sampled hidden state as 0/1 (row of ph)
    void *shifted         # floating: per user, its items' level scores less each item's top
    void *expd            # floating: their exponentials (width x K entries per user)
    void *ones            # floating: coefficient 1 for every entry of a list


cdef void _fill(const int64_t[::1] indptr, const int32_t[::1] rated,
                const int64_t[::1] seen_ptr, const int32_t[::1] seen, Py_ssize_t u,
                Py_ssize_t r, Batch L) noexcept nogil:
    """User u's data into list r of the batch (the seen rows after the ratings, in both
    lists: they are clamped)."""
    cdef Py_ssize_t q, c = 0
    for q in range(indptr[u], indptr[u + 1]):
        L.pos[r * L.width + c] = rated[q]
        c += 1
    L.nrated[r] = c
    for q in range(seen_ptr[u], seen_ptr[u + 1]):
        L.pos[r * L.width + c] = seen[q]
        L.neg[r * L.width + c] = seen[q]
        c += 1
    L.npos[r] = c


cdef void _reconstruct(Py_ssize_t r, Batch L, const floating[:, ::1] Wt,
                       const floating[::1] b, Py_ssize_t K, const double[::1] values,
                       bitgen_t *rng) noexcept nogil:
    """v ~ P(v_i = l | h) = softmax_l(b[iK+l] + Wt[iK+l] . h) for each rated item i of user
    r, in the order of its ratings, one uniform each; the drawn rows go into r's negative
    list, and the squared error of the expected rating sum_l values[l] P(l) into
    sq_err[r]. The exponentials of all the user's items are taken in one vector call."""
    cdef Py_ssize_t q, s, lv, base, ph = Wt.shape[1], n = L.nrated[r]
    cdef floating *h = &(<floating *> L.dense_h)[r * ph]
    cdef floating *z = &(<floating *> L.shifted)[r * L.width * K]
    cdef floating *e = &(<floating *> L.expd)[r * L.width * K]
    cdef double logit[MAX_LEVELS]
    cdef double top, total, u, expected, tie = 0, err = 0
    cdef int32_t row
    for s in range(ph):
        h[s] = 0
    for s in range(L.nhid[r]):
        h[L.hid[r * L.hwidth + s]] = 1
    for q in range(n):
        row = L.pos[r * L.width + q]
        base = row - row % K
        for lv in range(K):
            logit[lv] = b[base + lv]
        rbm_level_scores(&Wt[base, 0], ph, <int> K, h, logit)
        top = logit[0]
        for lv in range(1, K):
            if logit[lv] > top:
                top = logit[lv]
        for lv in range(K):
            z[q * K + lv] = <floating> (logit[lv] - top)
    expshift(z, e, n * K, 0.0, 1.0, &tie)
    for q in range(n):
        row = L.pos[r * L.width + q]
        base = row - row % K
        total = 0
        expected = 0
        for lv in range(K):
            total += e[q * K + lv]
            expected += values[lv] * e[q * K + lv]
        expected = expected / total - values[row - base]
        err += expected * expected
        u = rng.next_double(rng.state) * total
        lv = 0
        while lv < K - 1 and u >= e[q * K + lv]:
            u -= e[q * K + lv]
            lv += 1
        L.neg[r * L.width + q] = <int32_t> (base + lv)
    L.sq_err[r] = err


cdef void _users(Py_ssize_t r0, Py_ssize_t r1, const int64_t *users,
                 const int64_t[::1] indptr, const int32_t[::1] rated,
                 const int64_t[::1] seen_ptr, const int32_t[::1] seen, Batch L, int k,
                 const floating[:, ::1] Wt, const floating[::1] b, const floating[::1] c,
                 Py_ssize_t K, Py_ssize_t nh, const double[::1] values,
                 floating[:, ::1] H, Py_ssize_t B, bitgen_t **rng) noexcept nogil:
    """Users r0..r1-1 of the batch: h+ = sigmoid(c + sum of the data's rows) into H[r],
    then k steps of h ~ (h+ or h-), v ~ P(v | h), h- = sigmoid(c + sum of v's rows and the
    seen rows) into H[B + r]."""
    cdef Py_ssize_t r, step, ph = Wt.shape[1]
    for r in range(r0, r1):
        _fill(indptr, rated, seen_ptr, seen, users[r], r, L)
    rbm_row_sums(r0, r1, L.pos, L.width, <floating *> L.ones, 0, L.npos, &Wt[0, 0], &c[0], ph,
                 &H[0, 0])
    for r in range(r0, r1):
        L.nhid[r] = rbm_sample(&H[r, 0], nh, ph, rng[r], &L.hid[r * L.hwidth])
    for step in range(k):
        for r in range(r0, r1):
            _reconstruct(r, L, Wt, b, K, values, rng[r])
        rbm_row_sums(r0, r1, L.neg, L.width, <floating *> L.ones, 0, L.npos, &Wt[0, 0], &c[0], ph,
                     &H[B, 0])
        for r in range(r0, r1):
            if step + 1 < k:
                L.nhid[r] = rbm_sample(&H[B + r, 0], nh, ph, rng[r], &L.hid[r * L.hwidth])
            else:
                rbm_sample(&H[B + r, 0], nh, ph, NULL, NULL)


cdef void _weights(Py_ssize_t t0, Py_ssize_t t1, const int32_t[::1] touched,
                   const int64_t[::1] start, const int32_t[::1] col_idx,
                   const floating[::1] col_coef, const floating[:, ::1] H,
                   Py_ssize_t n_item_rows, floating mom, floating decay_w, floating decay_d,
                   bint use_velocity, floating[:, ::1] vel_Wt,
                   floating[:, ::1] Wt) noexcept nogil:
    """The touched rows touched[t0..t1) of Wt: each takes the rows of H in its column list
    (through its velocity when `use_velocity`)."""
    cdef Py_ssize_t t, row
    for t in range(t0, t1):
        row = touched[t]
        rbm_weight_row(Wt.shape[1], &col_idx[start[row]], &col_coef[start[row]],
                       start[row + 1] - start[row], &H[0, 0], mom,
                       decay_w if row < n_item_rows else decay_d,
                       &vel_Wt[row, 0] if use_velocity else NULL, &Wt[row, 0])


def train_epoch(const int64_t[::1] indptr, const int32_t[::1] rated,
                const int64_t[::1] seen_ptr, const int32_t[::1] seen,
                const int64_t[::1] order, Py_ssize_t batch_rows, Py_ssize_t n_items,
                Py_ssize_t K, Py_ssize_t nh, const double[::1] values,
                floating[:, ::1] Wt, floating[::1] b, floating[::1] c,
                floating[:, ::1] vel_Wt, floating[::1] vel_b, floating[::1] vel_c,
                const double[::1] learning_rates, double momentum, double weight_decay,
                int k, const uintptr_t[::1] bitgens, int nthreads, double[::1] sq_err_out):
    """CD-k updates over the batches of users order[s:s + batch_rows].

    Data: user u's ratings are the rows rated[indptr[u]:indptr[u + 1]] (i K + l for level l
    of item i), its seen items (conditional variant) the rows seen[seen_ptr[u]:...] (n_items
    K + i; empty lists without the variant). Parameters: Wt (n_rows, ph), b (n_items K),
    c (ph) and their velocities; `values` (K) the levels' ratings, for the reconstruction
    error; learning_rates = (weights, visible biases, hidden biases, conditional weights).

    Per batch of B users, with R_g = learning_rates[g] / batch_rows:
        h+ = sigmoid(c + sum of the user's rows); k steps of h ~ h, v ~ P(v | h) for each
        rated item, h- = sigmoid(c + sum of v's rows and the seen rows);
        vel_row = momentum vel_row - lr_g weight_decay Wt_row
                  + R_g (sum over users with the row in their data of h+
                         - sum over users with the row in their reconstruction of h-),
        Wt_row += vel_row, for the rows with an entry in the batch's lists only (a sparse
        update: rows of items outside the batch keep their values and velocities);
        vel_b = momentum vel_b + R_b (counts in the data - counts in the reconstruction),
        b += vel_b (the same rows); vel_c = momentum vel_c + R_c sum (h+ - h-), c += vel_c.

    sq_err_out (n_users) receives each trained user's reconstruction squared error (the
    expected rating of the last step's P(v | h) against the data). Ctrl-C is checked between
    batches. Returns the number of batches done.
    """
    cdef Py_ssize_t n_users = indptr.shape[0] - 1, n = order.shape[0]
    cdef Py_ssize_t n_item_rows = n_items * K, n_rows = Wt.shape[0], ph = Wt.shape[1]
    cdef bint conditional = n_rows > n_item_rows
    _require(batch_rows >= 1 and k >= 1 and nthreads >= 1 and nh >= 1,
             "batch_rows, k, nthreads and nh must be >= 1")
    _check_model(Wt, b, c, n_items, K, nh, conditional)
    _require(vel_Wt.shape[0] == n_rows and vel_Wt.shape[1] == ph and vel_b.shape[0] ==
             b.shape[0] and vel_c.shape[0] == ph, "the velocities must match Wt, b and c")
    _require(values.shape[0] == K and learning_rates.shape[0] == 4,
             "values must have K entries and learning_rates 4")
    _require(seen_ptr.shape[0] == n_users + 1 and sq_err_out.shape[0] == n_users,
             "seen_ptr and sq_err_out must have one entry per user")
    _check_lists(indptr, rated, 0, n_item_rows, "the ratings")
    _check_lists(seen_ptr, seen, n_item_rows, n_rows, "the seen items")
    cdef Py_ssize_t r, q, u, width = 0
    cdef bint ok = True
    for r in range(n):
        ok &= 0 <= order[r] < n_users
    _require(ok, "order must index users")
    cdef Py_ssize_t batches = (n + batch_rows - 1) // batch_rows, most = 0, s, B, total
    for r in range(n):
        u = order[r]
        width = max(width, indptr[u + 1] - indptr[u] + seen_ptr[u + 1] - seen_ptr[u])
    for s in range(0, n, batch_rows):
        total = 0
        for r in range(s, min(n, s + batch_rows)):
            u = order[r]
            total += indptr[u + 1] - indptr[u] + seen_ptr[u + 1] - seen_ptr[u]
        most = max(most, total)
    if n == 0:
        return 0
    _require(bitgens.shape[0] >= min(batch_rows, n), "one random stream per user of a batch")
    width += SLACK
    dt = np.float32 if floating is float else np.float64
    cdef Py_ssize_t Bmax = min(batch_rows, n)
    cdef int32_t[::1] pos = np.zeros(Bmax * width, dtype=np.int32)
    cdef int32_t[::1] neg = np.zeros(Bmax * width, dtype=np.int32)
    cdef int32_t[::1] hid = np.zeros(Bmax * (nh + SLACK), dtype=np.int32)
    cdef Py_ssize_t[:, ::1] counts = np.zeros((3, Bmax), dtype=np.intp)
    cdef double[::1] sq_err = np.zeros(Bmax)
    cdef floating[::1] ones = np.ones(width, dtype=dt)
    cdef floating[:, ::1] H = np.zeros((2 * Bmax, ph), dtype=dt)
    cdef floating[:, ::1] dense_h = np.zeros((Bmax, ph), dtype=dt)
    cdef floating[:, ::1] shifted = np.zeros((Bmax, width * K), dtype=dt)
    cdef floating[:, ::1] expd = np.zeros((Bmax, width * K), dtype=dt)
    cdef Batch L = Batch(&pos[0], &neg[0], &counts[0, 0], &counts[1, 0], width, &hid[0],
                         &counts[2, 0], nh + SLACK, &sq_err[0], &dense_h[0, 0],
                         &shifted[0, 0], &expd[0, 0], &ones[0])
    # the batch's gradient lists, transposed: row w's entries at start[w] .. start[w + 1]
    cdef int64_t[::1] start = np.zeros(n_rows + 1, dtype=np.int64)
    cdef int64_t[::1] fill = np.zeros(n_rows, dtype=np.int64)
    cdef int32_t[::1] col_idx = np.zeros(2 * most + 1, dtype=np.int32)
    cdef floating[::1] col_coef = np.zeros(2 * most + 1, dtype=dt)
    cdef floating[::1] db = np.zeros(n_item_rows, dtype=dt)
    cdef int32_t[::1] touched = np.zeros(n_rows, dtype=np.int32)
    # the costs of a batch's users or touched rows, and the threads' shares of them
    cdef double[::1] cost = np.zeros(max(Bmax, n_rows), dtype=np.float64)
    cdef Py_ssize_t[::1] cuts = np.zeros(nthreads + 1, dtype=np.intp)
    cdef bitgen_t **rng = <bitgen_t **> <uintptr_t> &bitgens[0]
    cdef floating rate_w = <floating> (learning_rates[0] / batch_rows)
    cdef floating rate_b = <floating> (learning_rates[1] / batch_rows)
    cdef floating rate_c = <floating> (learning_rates[2] / batch_rows)
    cdef floating rate_d = <floating> (learning_rates[3] / batch_rows)
    cdef floating decay_w = <floating> (learning_rates[0] * weight_decay)
    cdef floating decay_d = <floating> (learning_rates[3] * weight_decay)
    cdef floating mom = <floating> momentum, g
    cdef bint use_velocity = momentum != 0 or weight_decay != 0
    cdef Py_ssize_t bi, t, chunks, w, j, nt, done = 0, phase
    cdef int32_t row
    cdef double work = 0, entries
    cdef bint stop = False
    with nogil:
        for bi in range(batches):
            if check_due(&work):
                stop = True
                break
            s = bi * batch_rows
            B = min(batch_rows, n - s)
            entries = 0
            for r in range(s, s + B):
                entries += indptr[order[r] + 1] - indptr[order[r]]
            work += entries * (k * K + 2 * k + 2) * nh
            chunks = nthreads if entries * k * K * nh >= PARALLEL_MIN_WORK else 1
            if chunks == 1:
                _users(0, B, &order[s], indptr, rated, seen_ptr, seen, L, k, Wt, b, c, K, nh,
                       values, H, B, rng)
            else:
                for r in range(B):
                    u = order[s + r]
                    cost[r] = (indptr[u + 1] - indptr[u]) * (k * K + 2) + seen_ptr[u + 1] \
                        - seen_ptr[u] + 4
                _balanced_cuts(&cost[0], B, chunks, &cuts[0])
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _users(cuts[t], cuts[t + 1], &order[s], indptr, rated, seen_ptr, seen, L,
                           k, Wt, b, c, K, nh, values, H, B, rng)
            for r in range(B):
                sq_err_out[order[s + r]] = sq_err[r]
            # transpose the lists: data entries (H row r, +R), then reconstruction entries
            # (H row B + r, -R), each in user order, so every row's sum has a fixed order
            for w in range(n_rows + 1):
                start[w] = 0
            for r in range(B):
                for q in range(L.npos[r]):
                    start[pos[r * width + q] + 1] += 1
                    start[neg[r * width + q] + 1] += 1
            for w in range(n_rows):
                start[w + 1] += start[w]
                fill[w] = start[w]
            for w in range(n_item_rows):
                db[w] = 0
            for phase in range(2):
                for r in range(B):
                    for q in range(L.npos[r]):
                        row = pos[r * width + q] if phase == 0 else neg[r * width + q]
                        g = rate_w if row < n_item_rows else rate_d
                        col_idx[fill[row]] = <int32_t> (r + phase * B)
                        col_coef[fill[row]] = g if phase == 0 else -g
                        fill[row] += 1
                        if row < n_item_rows:
                            db[row] += rate_b if phase == 0 else -rate_b
            nt = 0
            for w in range(n_rows):
                if start[w + 1] > start[w]:
                    touched[nt] = <int32_t> w
                    nt += 1
            chunks = nthreads if 2 * entries * nh >= PARALLEL_MIN_WORK else 1
            if chunks == 1:
                _weights(0, nt, touched, start, col_idx, col_coef, H, n_item_rows, mom,
                         decay_w, decay_d, use_velocity, vel_Wt, Wt)
            else:
                for q in range(nt):
                    w = touched[q]
                    cost[q] = start[w + 1] - start[w] + 2
                _balanced_cuts(&cost[0], nt, chunks, &cuts[0])
                for t in prange(chunks, num_threads=chunks, schedule='static'):
                    _weights(cuts[t], cuts[t + 1], touched, start, col_idx, col_coef, H,
                             n_item_rows, mom, decay_w, decay_d, use_velocity, vel_Wt, Wt)
            for q in range(nt):
                w = touched[q]
                if w < n_item_rows:
                    vel_b[w] = mom * vel_b[w] + db[w]
                    b[w] += vel_b[w]
            for j in range(nh):
                g = 0
                for r in range(B):
                    g = g + H[r, j] - H[B + r, j]
                vel_c[j] = mom * vel_c[j] + rate_c * g
                c[j] += vel_c[j]
            done = bi + 1
    if stop:
        raise_pending()
    return done


def predict_proba(const int64_t[::1] indptr, const int32_t[::1] given,
                  const int64_t[::1] query_ptr, const int64_t[::1] query_user,
                  const int32_t[::1] query_item, const int32_t[::1] query_drop,
                  const floating[:, ::1] Wt, const floating[::1] b, const floating[::1] c,
                  Py_ssize_t n_items, Py_ssize_t K, Py_ssize_t nh, int nthreads):
    """Exact predictive distributions of rating queries.

    Queries come in groups of one user: group g is queries query_ptr[g] .. query_ptr[g + 1]
    of user query_user[g], conditioned on the rows given[indptr[u]:indptr[u + 1]] (its
    ratings and, conditional, its seen items). Query q asks for item query_item[q]; with
    query_drop[q] >= 0 that row is left out of the conditioning (leave-one-out on a rating
    the user gave). With x = c + the sum of the conditioning rows, summing out the hidden
    units exactly,
        P(v_i = l | data) = softmax_l(b[iK+l] + sum_j softplus(x_j + Wt[iK+l, j])).
    Returns P (n_queries, K), float64; groups are split among threads.
    """
    cdef Py_ssize_t n_groups = query_ptr.shape[0] - 1, nq = query_item.shape[0]
    cdef Py_ssize_t n_item_rows = n_items * K, ph = Wt.shape[1], g, t, chunks
    _check_model(Wt, b, c, n_items, K, nh, Wt.shape[0] > n_item_rows)
    _require(nthreads >= 1 and nh >= 1, "nthreads and nh must be >= 1")
    _check_lists(indptr, given, 0, Wt.shape[0], "the conditioning rows")
    _require(n_groups >= 0 and query_user.shape[0] == n_groups and query_drop.shape[0] == nq
             and query_ptr[0] == 0 and query_ptr[n_groups] == nq,
             "query_ptr, query_user, query_item and query_drop must agree")
    cdef bint ok = True
    for g in range(n_groups):
        ok &= (query_ptr[g] <= query_ptr[g + 1]
               and 0 <= query_user[g] < indptr.shape[0] - 1)
    for g in range(nq):
        ok &= 0 <= query_item[g] < n_items and query_drop[g] < Wt.shape[0]
    _require(ok, "the queries must name users and items of the model")
    out_arr = np.zeros((nq, K))
    if nq == 0:
        return out_arr
    dt = np.float32 if floating is float else np.float64
    chunks = nthreads if nq * K * nh >= PARALLEL_MIN_WORK else 1
    cdef floating[:, ::1] x = np.zeros((chunks, ph), dtype=dt)
    cdef floating[:, ::1] tmp = np.zeros((chunks, ph), dtype=dt)
    cdef Py_ssize_t most = 1
    for g in range(indptr.shape[0] - 1):
        most = max(most, indptr[g + 1] - indptr[g])
    cdef floating[::1] ones = np.ones(most, dtype=dt)
    cdef double[:, ::1] out = out_arr
    cdef double[::1] cost = np.zeros(max(n_groups, 1), dtype=np.float64)
    cdef Py_ssize_t[::1] cuts = np.zeros(chunks + 1, dtype=np.intp)
    for g in range(n_groups):
        cost[g] = (query_ptr[g + 1] - query_ptr[g]) * K + indptr[query_user[g] + 1] \
            - indptr[query_user[g]]
    _balanced_cuts(&cost[0], n_groups, chunks, &cuts[0])
    for t in prange(chunks, num_threads=chunks, schedule='static', nogil=True):
        _predict_groups(cuts[t], cuts[t + 1], indptr, given, query_ptr, query_user,
                        query_item, query_drop, Wt, b, c, K, nh, &x[t, 0], &tmp[t, 0],
                        &ones[0], out)
    return out_arr


cdef void _predict_groups(Py_ssize_t g0, Py_ssize_t g1, const int64_t[::1] indptr,
                          const int32_t[::1] given, const int64_t[::1] query_ptr,
                          const int64_t[::1] query_user, const int32_t[::1] query_item,
                          const int32_t[::1] query_drop, const floating[:, ::1] Wt,
                          const floating[::1] b, const floating[::1] c, Py_ssize_t K,
                          Py_ssize_t nh, floating *x, floating *tmp, const floating *ones,
                          double[:, ::1] out) noexcept nogil:
    cdef Py_ssize_t g, q, lv, j, u, base, ph = Wt.shape[1]
    cdef Py_ssize_t count
    cdef double top, total
    for g in range(g0, g1):
        u = query_user[g]
        count = indptr[u + 1] - indptr[u]
        rbm_row_sums(0, 1, &given[indptr[u]], 0, ones, 0, &count, &Wt[0, 0], &c[0], ph, x)
        for q in range(query_ptr[g], query_ptr[g + 1]):
            base = query_item[q] * K
            for lv in range(K):
                for j in range(nh):
                    tmp[j] = x[j] + Wt[base + lv, j]
                if query_drop[q] >= 0:
                    for j in range(nh):
                        tmp[j] = tmp[j] - Wt[query_drop[q], j]
                out[q, lv] = b[base + lv] + softplus_sum(tmp, nh)
            top = out[q, 0]
            for lv in range(1, K):
                if out[q, lv] > top:
                    top = out[q, lv]
            total = 0
            for lv in range(K):
                out[q, lv] = exp(out[q, lv] - top)
                total += out[q, lv]
            for lv in range(K):
                out[q, lv] /= total
