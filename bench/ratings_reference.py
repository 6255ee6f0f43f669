"""A vectorised NumPy reference for one epoch of CD-1 on the ratings (softmax-visible) RBM
of Salakhutdinov, Mnih & Hinton (2007), the peer of ``boltz.RatingsRBM`` in the benches.

The model (DESIGN.md's convention): one RBM per user, all sharing the weights; each item
the user rated is a K-way softmax visible unit, unrated items are absent; F binary hidden
units. Parameters ``W[item, level, hidden]``, ``b[item, level]``, ``c[hidden]``. For a
mini-batch of users, with R = learning_rate / batch_size:

    p+ = sigmoid(c + sum_{i rated} W[i, r_i, :]);   h ~ Bernoulli(p+)
    for each rated i: P(v_i = k) = softmax_k(b[i, k] + W[i, k, :] . h);  v_i ~ that
    p- = sigmoid(c + sum_i W[i, v_i, :])
    W[i, k, :] += R sum_users (1[r_i = k] p+ - 1[v_i = k] p-)
    b[i, k]    += R sum_users (1[r_i = k] - 1[v_i = k])
    c          += R sum_users (p+ - p-)

(no momentum, no weight decay). The statistics of a batch are all taken with the
parameters as they were at the batch's start; then the update is applied.

Two vectorisations of the same update, neither dense over all items (a dense masked
version, every user against all 1682 items of MovieLens 100k when a user rates 106 on
average, would do about 16 times the work and flatter boltz's ratio by as much):

- ``method="gather"`` (the default; work per batch proportional to the batch's ratings
  times F, times K for the softmax logits): the K x F weights of each rating's item are
  gathered with ``np.take``, the hidden inputs summed per user with ``np.add.reduceat``
  (a user's ratings are contiguous), the logits an ``einsum`` over each rating's own
  weights, and the updates of both phases sorted by (item, level) row once, summed per
  row with ``np.add.reduceat`` and added to the touched rows (``np.add.at`` does the same
  about twice as slowly).
- ``method="batch_dense"``: BLAS over the batch's own items. The weights of the items
  that someone in the batch rated are gathered once; a 0/1 matrix A (batch users x those
  items' levels) marks each user's ratings, so the hidden inputs are ``A @ W_batch``, the
  logits one product ``W_batch @ h.T`` read at the rated entries, and the weight update
  ``A_pos.T @ p+ - A_neg.T @ p-``. This does more arithmetic (every batch user against
  every batch item: about 1,300 items per batch of 100 users on MovieLens, 12 times the
  ratings) but at BLAS speed, and is the faster reference on this machine's CPUs.

Random numbers, per batch in this order, the same for both methods: the users of the
epoch are visited in the order of one ``rng.permutation(n_users)``; for each batch,
``rng.random((n_batch_users, F))`` for the hidden samples (h = u < p+), then
``rng.random(n_batch_ratings)`` for the visible samples (v = the first level whose
cumulative probability exceeds u), the ratings in user order. :func:`loop_cd1_epoch`
draws the same numbers and does the same update with plain Python loops;
:func:`self_check` compares all three on a tiny problem.
"""
from __future__ import annotations

import numpy as np

METHODS = ("gather", "batch_dense")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow warnings for large negative x."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _softmax_sample(logits: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's softmax probabilities and a level drawn from them with the uniform u."""
    logits = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(axis=1, keepdims=True)
    K = prob.shape[1]
    v = np.minimum((np.cumsum(prob, axis=1) <= u[:, None]).sum(axis=1), K - 1)
    return prob, v


def _batch_gather(W, b, c, it, lv, rows, offsets, rated, n_users_b, rate, rng):
    """One batch's statistics and update, work proportional to its ratings x F."""
    n_items, K, F = W.shape
    dtype = W.dtype
    n_r = it.size
    W_rated = np.take(W, it, axis=0)                   # (n_r, K, F), once per batch
    W_rated_rows = W_rated.reshape(n_r * K, F)
    base = np.arange(n_r) * K

    pre = np.zeros((n_users_b, F), dtype=dtype)
    if n_r:
        pre[rated] = np.add.reduceat(np.take(W_rated_rows, base + lv, axis=0),
                                     offsets[rated], axis=0)
    p_pos = _sigmoid(pre + c)
    h = (rng.random((n_users_b, F)) < p_pos).astype(dtype)

    logits = np.take(b, it, axis=0) + np.einsum("rkf,rf->rk", W_rated, h[rows])
    prob, v = _softmax_sample(logits, rng.random(n_r))

    pre_neg = np.zeros((n_users_b, F), dtype=dtype)
    if n_r:
        pre_neg[rated] = np.add.reduceat(np.take(W_rated_rows, base + v, axis=0),
                                         offsets[rated], axis=0)
    p_neg = _sigmoid(pre_neg + c)

    if n_r:            # both phases' contributions sorted by (item, level) row once
        flat = np.concatenate([it * K + lv, it * K + v])
        source = np.concatenate([rows, rows + n_users_b])
        by_row = np.argsort(flat, kind="stable")
        flat = flat[by_row]
        starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
        touched = flat[starts]
        values = np.take(np.concatenate([p_pos, -p_neg]), source[by_row], axis=0)
        signs = np.where(by_row < n_r, dtype.type(1), dtype.type(-1))
        W.reshape(n_items * K, F)[touched] += rate * np.add.reduceat(values, starts, axis=0)
        b.reshape(n_items * K)[touched] += rate * np.add.reduceat(signs, starts)
    c += rate * (p_pos.sum(axis=0) - p_neg.sum(axis=0))
    return prob


def _batch_dense(W, b, c, it, lv, rows, offsets, rated, n_users_b, rate, rng):
    """One batch's statistics and update as BLAS products over the batch's own items."""
    K, F = W.shape[1:]
    dtype = W.dtype
    n_r = it.size
    batch_items, position = np.unique(it, return_inverse=True)
    W_batch = np.take(W, batch_items, axis=0).reshape(batch_items.size * K, F)
    column = position * K                               # each rating's first level row

    A_pos = np.zeros((n_users_b, batch_items.size * K), dtype=dtype)
    A_pos[rows, column + lv] = 1
    p_pos = _sigmoid(A_pos @ W_batch + c)
    h = (rng.random((n_users_b, F)) < p_pos).astype(dtype)

    scores = W_batch @ h.T                              # (batch item levels, users)
    logits = np.take(b, it, axis=0) + scores[column[:, None] + np.arange(K), rows[:, None]]
    prob, v = _softmax_sample(logits, rng.random(n_r))

    A_neg = np.zeros_like(A_pos)
    A_neg[rows, column + v] = 1
    p_neg = _sigmoid(A_neg @ W_batch + c)

    W[batch_items] += rate * (A_pos.T @ p_pos - A_neg.T @ p_neg).reshape(-1, K, F)
    b[batch_items] += rate * (A_pos.sum(axis=0) - A_neg.sum(axis=0)).reshape(-1, K)
    c += rate * (p_pos.sum(axis=0) - p_neg.sum(axis=0))
    return prob


def numpy_cd1_epoch(indptr: np.ndarray, items: np.ndarray, levels: np.ndarray,
                    W: np.ndarray, b: np.ndarray, c: np.ndarray, batch_size: int,
                    learning_rate: float, rng: np.random.Generator, *,
                    method: str = "gather") -> float:
    """One epoch of CD-1 on a ratings RBM, vectorised over each batch's ratings.

    Parameters
    ----------
    indptr : ndarray of int, shape (n_users + 1,)
        CSR row pointers: user u's ratings are ``items[indptr[u]:indptr[u + 1]]`` with
        levels ``levels[indptr[u]:indptr[u + 1]]`` (each item at most once per user).
    items : ndarray of int, shape (n_ratings,)
        The item index (0 .. n_items - 1) of each rating.
    levels : ndarray of int, shape (n_ratings,)
        The rating level of each rating, 0-based (0 .. K - 1: 1 star is 0).
    W : ndarray of float, shape (n_items, K, F)
        The weights, C-contiguous, updated in place.
    b : ndarray of float, shape (n_items, K)
        The visible biases, C-contiguous, updated in place.
    c : ndarray of float, shape (F,)
        The hidden biases, updated in place.
    batch_size : int
        Users per mini-batch (the last batch may be smaller); R = learning_rate /
        batch_size.
    learning_rate : float
        The step size.
    rng : numpy.random.Generator
        The source of the users' order and of the samples (see the module docstring).
    method : {"gather", "batch_dense"}
        The vectorisation (see the module docstring); both give the same result up to
        rounding from the same random numbers.

    Returns
    -------
    float
        The root-mean-square difference between each rating (1-based level) and the
        expected level of its one-step reconstruction, E[v_i | h], over the epoch.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    step = _batch_gather if method == "gather" else _batch_dense
    n_users = indptr.size - 1
    K = W.shape[1]
    rate = W.dtype.type(learning_rate / batch_size)
    level_values = np.arange(1, K + 1, dtype=W.dtype)
    order = rng.permutation(n_users)
    squared, count = 0.0, 0
    for start in range(0, n_users, batch_size):
        users = order[start:start + batch_size]
        first = indptr[users]
        lengths = indptr[users + 1] - first
        offsets = np.zeros(users.size, dtype=np.intp)
        np.cumsum(lengths[:-1], out=offsets[1:])
        n_r = int(lengths.sum())
        # the positions of the batch's ratings in items/levels, user by user
        rows = np.repeat(np.arange(users.size), lengths)
        where = np.arange(n_r) + np.repeat(first - offsets, lengths)
        it, lv = items[where], levels[where]
        prob = step(W, b, c, it, lv, rows, offsets, lengths > 0, users.size, rate, rng)
        squared += float(np.sum((prob @ level_values - (lv + 1)) ** 2))
        count += n_r
    return float(np.sqrt(squared / max(count, 1)))


def loop_cd1_epoch(indptr, items, levels, W, b, c, batch_size, learning_rate, rng) -> float:
    """:func:`numpy_cd1_epoch` written with plain Python loops over users, items, levels
    and hidden units (same arguments, same random numbers, same result up to rounding).
    For checking the vectorised version on tiny problems only."""
    n_users = len(indptr) - 1
    K, F = W.shape[1:]
    rate = learning_rate / batch_size
    order = rng.permutation(n_users)
    squared, count = 0.0, 0
    for start in range(0, n_users, batch_size):
        users = order[start:start + batch_size]
        ratings = [[(int(items[p]), int(levels[p])) for p in range(indptr[u], indptr[u + 1])]
                   for u in users]
        uh = rng.random((len(users), F))
        n_r = sum(len(r) for r in ratings)
        uv = rng.random(n_r)
        dW = np.zeros(W.shape)
        db = np.zeros(b.shape)
        dc = np.zeros(F)
        pos = 0
        for n, rated in enumerate(ratings):
            p_plus = [1.0 / (1.0 + np.exp(-(float(c[j]) + sum(float(W[i, k, j])
                                                              for i, k in rated))))
                      for j in range(F)]
            h = [1.0 if uh[n, j] < p_plus[j] else 0.0 for j in range(F)]
            sampled = []
            for i, k_true in rated:
                x = [float(b[i, k]) + sum(float(W[i, k, j]) * h[j] for j in range(F))
                     for k in range(K)]
                top = max(x)
                e = [np.exp(v - top) for v in x]
                total = sum(e)
                prob = [v / total for v in e]
                cum, choice = 0.0, K - 1
                for k in range(K):
                    cum += prob[k]
                    if uv[pos] < cum:
                        choice = k
                        break
                pos += 1
                sampled.append((i, choice))
                squared += (sum((k + 1) * prob[k] for k in range(K)) - (k_true + 1)) ** 2
                count += 1
            p_minus = [1.0 / (1.0 + np.exp(-(float(c[j]) + sum(float(W[i, k, j])
                                                               for i, k in sampled))))
                       for j in range(F)]
            for (i, k), (i2, k2) in zip(rated, sampled, strict=True):
                db[i, k] += 1.0
                db[i2, k2] -= 1.0
                for j in range(F):
                    dW[i, k, j] += p_plus[j]
                    dW[i2, k2, j] -= p_minus[j]
            for j in range(F):
                dc[j] += p_plus[j] - p_minus[j]
        W += rate * dW
        b += rate * db
        c += rate * dc
    return float(np.sqrt(squared / max(count, 1)))


def csr_from_ratings(users: np.ndarray, items: np.ndarray, ratings: np.ndarray,
                     n_users: int | None = None):
    """(indptr, items, levels) of ratings given as three parallel arrays: user and item
    indices from 0, ratings 1..K (levels = rating - 1), the ratings grouped by user."""
    users = np.asarray(users, dtype=np.intp)
    n_users = int(users.max()) + 1 if n_users is None else n_users
    order = np.argsort(users, kind="stable")
    counts = np.bincount(users, minlength=n_users)
    indptr = np.zeros(n_users + 1, dtype=np.intp)
    np.cumsum(counts, out=indptr[1:])
    levels = np.rint(np.asarray(ratings)[order]).astype(np.intp) - 1
    return indptr, np.asarray(items, dtype=np.intp)[order], levels


def self_check(seed: int = 0) -> float:
    """Compare both methods of :func:`numpy_cd1_epoch` with :func:`loop_cd1_epoch` on a
    tiny problem (9 users, 7 items, 5 levels, 4 hidden units, batches of 4 with a partial
    last one, one user with no ratings, two epochs, float64, the same random numbers).
    Returns the largest absolute difference of the parameters; raises AssertionError when
    it exceeds 1e-12, the reconstruction errors differ, or the epochs left a parameter
    array unchanged."""
    rng = np.random.default_rng(seed)
    n_users, n_items, K, F = 9, 7, 5, 4
    users, items = [], []
    for u in range(n_users):
        if u == 3:
            continue                                # a user without ratings
        chosen = rng.choice(n_items, size=rng.integers(1, n_items + 1), replace=False)
        users += [u] * chosen.size
        items += chosen.tolist()
    ratings = rng.integers(1, K + 1, size=len(users))
    indptr, it, lv = csr_from_ratings(np.array(users), np.array(items), ratings, n_users)
    params = [rng.normal(0, 0.5, (n_items, K, F)), rng.normal(0, 0.5, (n_items, K)),
              rng.normal(0, 0.5, F)]
    z = [p.copy() for p in params]
    rz = np.random.default_rng(seed + 1)
    errors = [loop_cd1_epoch(indptr, it, lv, *z, 4, 0.3, rz) for _ in range(2)]
    moved = min(float(np.max(np.abs(x - p))) for x, p in zip(z, params, strict=True))
    assert moved > 1e-3, moved                       # the epochs did change every parameter
    worst = 0.0
    for method in METHODS:
        a = [p.copy() for p in params]
        ra = np.random.default_rng(seed + 1)
        for epoch in range(2):
            e = numpy_cd1_epoch(indptr, it, lv, *a, 4, 0.3, ra, method=method)
            assert abs(e - errors[epoch]) < 1e-12, (method, e, errors[epoch])
        diff = max(float(np.max(np.abs(x - y))) for x, y in zip(a, z, strict=True))
        assert diff < 1e-12, (method, diff)
        worst = max(worst, diff)
    return worst


if __name__ == "__main__":
    print(f"numpy_cd1_epoch vs loop_cd1_epoch: largest difference {self_check():.2e}")
