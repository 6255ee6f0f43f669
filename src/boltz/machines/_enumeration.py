r"""Exact sums over the states of small binary Boltzmann machines, by enumeration.

Units :math:`s_i \in \{0, 1\}` with symmetric weights :math:`W` (zero diagonal) and
thresholds :math:`\theta`:

.. math:: -E(s) = \tfrac12 s^T W s + \theta^T s, \qquad p(s) = e^{-E(s)/T} / Z.

The units are split in two groups A and B, so that with :math:`s = (a, b)`

.. math:: -E(a, b) = -E_A(a) - E_B(b) + a^T W_{AB}\, b,

and a sum over all :math:`2^{|A|+|B|}` states is a matrix product of the two groups'
state tables followed by a log-sum-exp over b (`boltz.logsumexp`), in chunks of rows of A
that keep the working array near 2^22 entries. Group A is either enumerated too (free
sums, log Z) or given as rows (states of the visible units clamped to data).

States are enumerated in lexicographic order: row k of :func:`all_binary_states` holds the
binary digits of k, unit 0 the most significant.
"""
from __future__ import annotations

import numpy as np

from boltz.numerics.log_domain import logsumexp

__all__ = ["MAX_ENUMERATED_UNITS", "all_binary_states"]

# 2^26 states (about 67 million) take a few seconds; beyond, enumeration is not the tool.
MAX_ENUMERATED_UNITS = 26
_CHUNK_ENTRIES = 1 << 22


def all_binary_states(n):
    """All 2^n binary vectors, shape (2^n, n) int8, lexicographic (unit 0 most significant)."""
    k = np.arange(2**n, dtype=np.int64)[:, None]
    return ((k >> np.arange(n - 1, -1, -1)) & 1).astype(np.int8)


def _neg_energy(states, W, theta):
    """-E of each row of `states` under (W, theta): 1/2 s W s + theta s."""
    s = states.astype(np.float64)
    return 0.5 * np.einsum("ki,ij,kj->k", s, W, s) + s @ theta


class _Split:
    """W, theta split into groups A (rows given or enumerated) and B (enumerated)."""

    def __init__(self, W, theta, temperature, a_idx, b_idx):
        self.a_idx, self.b_idx = np.asarray(a_idx), np.asarray(b_idx)
        self.T = float(temperature)
        self.W_aa = W[np.ix_(self.a_idx, self.a_idx)]
        self.W_ab = W[np.ix_(self.a_idx, self.b_idx)]
        self.theta_a = theta[self.a_idx]
        self.B = all_binary_states(self.b_idx.size).astype(np.float64)
        self.log_wb = _neg_energy(self.B, W[np.ix_(self.b_idx, self.b_idx)],
                                  theta[self.b_idx]) / self.T

    def chunks(self, A):
        """(rows, L) for chunks of rows of A: L[r, b] = -E(a_r, b) / T."""
        A = np.asarray(A, dtype=np.float64)
        step = max(1, _CHUNK_ENTRIES // self.B.shape[0])
        for r0 in range(0, A.shape[0], step):
            a = A[r0:r0 + step]
            L = (a @ self.W_ab) @ self.B.T / self.T
            L += _neg_energy(a, self.W_aa, self.theta_a)[:, None] / self.T
            L += self.log_wb[None, :]
            yield slice(r0, r0 + a.shape[0]), L


def _halves(n):
    idx = np.arange(n)
    return idx[: n // 2], idx[n // 2:]


def log_marginals(W, theta, temperature, a_idx, a_states):
    r"""For each row a of `a_states` (values of units `a_idx`): :math:`\log \sum_b
    e^{-E(a, b)/T}` over all values b of the other units."""
    n = theta.size
    b_idx = np.setdiff1d(np.arange(n), a_idx)
    split = _Split(W, theta, temperature, a_idx, b_idx)
    out = np.empty(len(a_states))
    for rows, L in split.chunks(a_states):
        out[rows] = logsumexp(L, axis=1)
    return out


def log_partition(W, theta, temperature):
    r""":math:`\log Z = \log \sum_s e^{-E(s)/T}` over all :math:`2^n` states."""
    a_idx, _ = _halves(theta.size)
    return float(logsumexp(log_marginals(W, theta, temperature, a_idx,
                                         all_binary_states(a_idx.size))))


def second_moments(W, theta, temperature, a_idx=None, a_states=None, a_weights=None):
    r"""Exact :math:`M_{ij} = \langle s_i s_j \rangle` (so :math:`M_{ii} = \langle s_i
    \rangle`), an (n, n) float64 matrix.

    Free-running (default): under :math:`p(s)`. Clamped: units `a_idx` take the rows of
    `a_states` with probabilities `a_weights` (summing to 1), and the other units follow
    their conditional distribution :math:`p(b \mid a)` given each row.
    """
    n = theta.size
    if a_idx is None:
        a_idx, b_idx = _halves(n)
        a_states = all_binary_states(a_idx.size)
    else:
        a_idx = np.asarray(a_idx)
        b_idx = np.setdiff1d(np.arange(n), a_idx)
    split = _Split(W, theta, temperature, a_idx, b_idx)
    A = np.asarray(a_states, dtype=np.float64)
    B = split.B
    if a_weights is None:                      # joint p(a, b) = exp(L - log Z)
        log_z = float(logsumexp(np.concatenate(
            [logsumexp(L, axis=1) for _, L in split.chunks(A)])))
    M_aa = np.zeros((a_idx.size, a_idx.size))
    M_ab = np.zeros((a_idx.size, b_idx.size))
    p_b = np.zeros(B.shape[0])
    for rows, L in split.chunks(A):
        if a_weights is None:
            P = np.exp(L - log_z)
        else:                                  # p(b | a) times the row's weight
            P = np.exp(L - logsumexp(L, axis=1, keepdims=True))
            P *= np.asarray(a_weights, dtype=np.float64)[rows, None]
        a = A[rows]
        p_a = P.sum(axis=1)
        M_aa += (a * p_a[:, None]).T @ a
        M_ab += a.T @ (P @ B)
        p_b += P.sum(axis=0)
    M = np.empty((n, n))
    M[np.ix_(a_idx, a_idx)] = M_aa
    M[np.ix_(a_idx, b_idx)] = M_ab
    M[np.ix_(b_idx, a_idx)] = M_ab.T
    M[np.ix_(b_idx, b_idx)] = (B * p_b[:, None]).T @ B
    return M
