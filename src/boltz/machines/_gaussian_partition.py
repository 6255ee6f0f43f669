r"""Partition function and free energy of a Gaussian-Bernoulli RBM: exact and AIS.

Visible :math:`v \in \mathbb{R}^{n_v}`, hidden :math:`h \in \{0,1\}^{n_h}`, weights W
(n_v, n_h), visible biases b, hidden biases c, per-unit standard deviations σ:

.. math:: E(v, h) = \sum_i \frac{(v_i - b_i)^2}{2\sigma_i^2} - c^T h
          - \sum_{ij} \frac{v_i}{\sigma_i^2} W_{ij} h_j .

Integrating out v for a given h (m = W h) is a Gaussian integral,

.. math:: \int e^{-E(v,h)}\,dv = e^{c^T h} \prod_i \sqrt{2\pi}\,\sigma_i
          \exp\Big(\frac{2 b_i m_i + m_i^2}{2\sigma_i^2}\Big),

so the exact :math:`\log Z` enumerates the :math:`2^{n_h}` hidden states (chunked,
log-sum-exp). Summing out h gives the free energy

.. math:: F(v) = \sum_i \frac{(v_i - b_i)^2}{2\sigma_i^2}
          - \sum_j \operatorname{softplus}\Big(c_j + \sum_i \frac{v_i}{\sigma_i^2} W_{ij}\Big),
          \qquad \log p(v) = -F(v) - \log Z .

AIS (Neal 2001) anneals the coupling: :math:`E_\beta = \sum_i (v_i - b_i)^2 / 2\sigma_i^2 -
c^T h - \beta \sum_{ij} v_i W_{ij} h_j / \sigma_i^2`, from the independent model at β = 0
(:math:`\log Z_0 = \sum_i \log(\sqrt{2\pi}\sigma_i) + \sum_j \operatorname{softplus}(c_j)`)
to the RBM at β = 1. Plain functions of (W, b, c, σ), float64 arithmetic.
"""
from __future__ import annotations

import numpy as np

from boltz.machines._partition import AISResult, ais_checks, ais_estimate, ais_groups, softplus_sums
from boltz.numerics.log_domain import logsumexp

#: Hidden units up to which ``log_partition(method="auto")`` enumerates (2^20 states).
MAX_EXACT_HIDDEN = 20
#: The enumeration's hard limit (2^24 hidden states).
MAX_ENUMERATED_HIDDEN = 24
_CHUNK_ENTRIES = 1 << 22
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)


def free_energy(V: np.ndarray, W: np.ndarray, b: np.ndarray, c: np.ndarray,
                sigma: np.ndarray, num_threads: int | None = None) -> np.ndarray:
    r""":math:`F(v)` of each row of V (float64)."""
    V = np.asarray(V, dtype=np.float64)
    var = sigma ** 2
    quad = (((V - b) ** 2) / (2.0 * var)).sum(axis=1)
    return quad - softplus_sums((V / var) @ W + c, num_threads)


def log_partition_exact(W: np.ndarray, b: np.ndarray, c: np.ndarray,
                        sigma: np.ndarray) -> float:
    r"""Exact :math:`\log Z` by enumerating the hidden states (at most
    ``MAX_ENUMERATED_HIDDEN``)."""
    nh = W.shape[1]
    if nh > MAX_ENUMERATED_HIDDEN:
        raise ValueError(f"exact log Z enumerates 2^{nh} hidden states; it is limited to "
                         f"{MAX_ENUMERATED_HIDDEN} hidden units (use method='ais')")
    inv_var = 1.0 / sigma ** 2
    const = float(np.sum(_HALF_LOG_2PI + np.log(sigma)))
    step = max(1, _CHUNK_ENTRIES // max(1, W.shape[0] + nh))
    bits = np.arange(nh - 1, -1, -1)
    parts = []
    for start in range(0, 2 ** nh, step):
        k = np.arange(start, min(start + step, 2 ** nh), dtype=np.int64)[:, None]
        H = ((k >> bits) & 1).astype(np.float64)           # hidden states, lexicographic
        M = H @ W.T                                        # (states, nv): m = W h
        parts.append(logsumexp(H @ c + ((2.0 * b + M) * M) @ (0.5 * inv_var)))
    return float(logsumexp(np.array(parts))) + const


def _ais_group(W, b, c, sigma, betas, seed, runs):
    rng = np.random.default_rng(seed)
    inv_var = 1.0 / sigma ** 2
    V = b + sigma * rng.standard_normal((runs, b.size))
    log_w = np.zeros(runs)
    for k in range(1, betas.size):
        # log p*_beta(v) = -sum (v - b)^2 / 2 sigma^2 + sum_j softplus(c_j + beta A_j)
        A = (V * inv_var) @ W
        log_w += softplus_sums(c + betas[k] * A) - softplus_sums(c + betas[k - 1] * A)
        if k < betas.size - 1:
            beta = betas[k]
            ph = 1.0 / (1.0 + np.exp(-(c + beta * A)))
            H = (rng.random(ph.shape) < ph).astype(np.float64)
            V = b + beta * (H @ W.T) + sigma * rng.standard_normal(V.shape)
    return log_w


def log_partition_ais(W: np.ndarray, b: np.ndarray, c: np.ndarray, sigma: np.ndarray, *,
                      n_betas: int = 1000, n_runs: int = 100, seed=None) -> AISResult:
    r"""Estimate :math:`\log Z` by annealed importance sampling over the coupling β.

    Each run starts from the β = 0 model (:math:`v \sim N(b, \sigma^2)`), takes one block
    Gibbs step per β (h given v, then v given h, both at β) over `n_betas` equally spaced
    steps, and accumulates :math:`\log w = \sum_k [\log p^*_{\beta_k}(v_{k-1}) - \log
    p^*_{\beta_{k-1}}(v_{k-1})]`; runs go in groups of ``RUNS_PER_GROUP``, each on its own
    stream (child g of the seed's SeedSequence)."""
    betas, groups = ais_groups(*ais_checks(n_betas, n_runs, b.size, c.size), seed)
    log_w = np.concatenate([_ais_group(W, b, c, sigma, betas, s, runs) for s, runs in groups])
    log_z0 = float(np.sum(_HALF_LOG_2PI + np.log(sigma)) + np.logaddexp(0.0, c).sum())
    return ais_estimate(log_w, log_z0, betas)
