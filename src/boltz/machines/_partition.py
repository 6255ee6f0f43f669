r"""Partition function of a Bernoulli restricted Boltzmann machine: exact and AIS.

Visible units :math:`v \in \{0,1\}^{n_v}`, hidden :math:`h \in \{0,1\}^{n_h}`, weights
:math:`W` (n_v, n_h), visible biases b, hidden biases c:

.. math:: E(v, h) = -v^T W h - b^T v - c^T h, \qquad Z = \sum_{v,h} e^{-E(v,h)}.

Summing out one layer is closed form; with :math:`\operatorname{softplus}(x) = \log(1+e^x)`,

.. math:: \log \sum_h e^{-E(v,h)} = b^T v + \sum_j \operatorname{softplus}(c_j + (v^T W)_j)

(minus the free energy F(v)), and symmetrically over v for a given h. So the exact log Z
enumerates only the smaller layer. Annealed importance sampling (Neal 2001; Salakhutdinov &
Murray 2008) estimates log Z of larger machines. Groundwork for the RBM estimator: plain
functions of (W, b, c), float64 arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boltz._core import _logsumexp
from boltz._memory import check_allocation
from boltz._random import seed_sequence
from boltz._validation import as_float_array, check_positive_int, resolve_num_threads
from boltz.machines._enumeration import MAX_ENUMERATED_UNITS, all_binary_states
from boltz.numerics.log_domain import logsumexp

_CHUNK_ENTRIES = 1 << 22


def _softplus(x):
    return np.logaddexp(0.0, x)


def softplus_sums(x, num_threads=None):
    """sum_j softplus(x[i, j]) of each row as float64 (compiled, OpenMP over rows; numpy's
    float64 log is scalar here). float32 input is summed in float32."""
    x = np.ascontiguousarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    return _logsumexp.softplus_row_sums(x, resolve_num_threads(num_threads))


def _check_rbm(W, b, c):
    W, b, c = (as_float_array(x, name, finite=True, dtype=np.float64)
               for x, name in ((W, "W"), (b, "b"), (c, "c")))
    if W.ndim != 2 or b.shape != (W.shape[0],) or c.shape != (W.shape[1],):
        raise ValueError(f"W must be (n_visible, n_hidden) with b of shape (n_visible,) and c "
                         f"of shape (n_hidden,); got {W.shape}, {b.shape}, {c.shape}")
    return W, b, c


def log_partition_exact(W, b, c):
    r"""Exact :math:`\log Z` by enumerating the smaller layer (at most 26 units), in chunks
    of states: :math:`\log Z = \log \sum_h \exp(c^T h + \sum_i \operatorname{softplus}(b_i +
    (W h)_i))` when :math:`n_h \le n_v`, and the same over v otherwise."""
    W, b, c = _check_rbm(W, b, c)
    if W.shape[1] > W.shape[0]:                    # enumerate the visible layer instead
        W, b, c = W.T, c, b
    k = W.shape[1]
    if k > MAX_ENUMERATED_UNITS:
        raise ValueError(f"exact log Z enumerates 2^{k} states of the smaller layer; it is "
                         f"limited to {MAX_ENUMERATED_UNITS} units (use AIS)")
    H = all_binary_states(k).astype(np.float64)
    step = max(1, _CHUNK_ENTRIES // max(1, W.shape[0]))
    parts = [logsumexp(H[r:r + step] @ c + softplus_sums(H[r:r + step] @ W.T + b))
             for r in range(0, H.shape[0], step)]
    return float(logsumexp(np.array(parts)))


@dataclass(frozen=True)
class AISResult:
    r"""An annealed importance sampling estimate of :math:`\log Z`.

    Attributes
    ----------
    log_z : float
        :math:`\log \hat Z = \log Z_0 + \log \tfrac1M \sum_m w_m`.
    log_z_se : float
        Standard error of `log_z` (delta method: std of the weights / (mean sqrt M)).
    log_z_lower, log_z_upper : float
        :math:`\log(\hat Z \pm 3\,\mathrm{se}(\hat Z))`; the lower bound is -inf when the
        spread of the weights exceeds a third of their mean.
    log_weights : ndarray (n_runs,)
        Log importance weights of the runs.
    betas : ndarray
        The inverse-temperature schedule, 0 to 1.
    interrupted : bool
        Ctrl-C stopped a distributed estimate (``client=``): it pools the groups of runs
        whose task had finished (``log_weights`` holds them).
    """

    log_z: float
    log_z_se: float
    log_z_lower: float
    log_z_upper: float
    log_weights: np.ndarray
    betas: np.ndarray
    interrupted: bool = False


#: AIS runs that share one random stream and one matrix product per step. A group's log
#: weights depend only on its stream, so a distributed estimate cuts the runs between
#: groups and matches the single-process one bit for bit.
RUNS_PER_GROUP = 100


def _base_biases(base_rates, b):
    """Visible biases of the base model: logit of the clipped base rates (0: uniform)."""
    if base_rates is None:
        return np.zeros_like(b)
    p = as_float_array(base_rates, "base_rates").astype(np.float64, copy=False)
    if p.shape != b.shape:
        raise ValueError(f"base_rates must have shape {b.shape}, got {p.shape}")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("base_rates must be probabilities in [0, 1]")
    p = np.clip(p, 1e-3, 1 - 1e-3)
    return np.log(p) - np.log1p(-p)


def ais_log_weights(rbm, b0, betas, groups):
    """Log importance weights of the groups of runs [(seed, runs), ...], concatenated.

    rbm is (W, b, c); each group draws from its own ``default_rng(seed)``."""
    W, b, c = rbm
    return np.concatenate([_ais_group(W, b, c, b0, betas, seed, runs)
                           for seed, runs in groups])


def _ais_group(W, b, c, b0, betas, seed, runs):
    rng = np.random.default_rng(seed)
    V = (rng.random((runs, b.size)) < 1.0 / (1.0 + np.exp(-b0))).astype(np.float64)
    log_w = np.zeros(runs)
    for k in range(1, betas.size):
        # log p*_beta(v) = (1 - beta) b0.v + beta b.v + sum_j softplus(beta (c + v W)_j);
        # one product A = c + v W serves both terms of the weight and the next h
        A = V @ W + c
        log_w += ((betas[k] - betas[k - 1]) * (V @ b - V @ b0)
                  + softplus_sums(betas[k] * A) - softplus_sums(betas[k - 1] * A))
        if k < betas.size - 1:
            beta = betas[k]
            ph = 1.0 / (1.0 + np.exp(-beta * A))
            H = (rng.random(ph.shape) < ph).astype(np.float64)
            pv = 1.0 / (1.0 + np.exp(-((1.0 - beta) * b0 + beta * (H @ W.T + b))))
            V = (rng.random(pv.shape) < pv).astype(np.float64)
    return log_w


def ais_result(log_w, b0, n_hidden, betas, interrupted=False) -> AISResult:
    """The estimate and its ±3σ bounds from the runs' log weights."""
    log_z0 = float(_softplus(b0).sum()) + n_hidden * np.log(2.0)   # sum over v, h at beta 0
    return ais_estimate(log_w, log_z0, betas, interrupted)


def ais_checks(n_betas, n_runs, n_visible: int, n_hidden: int) -> tuple[int, int]:
    """`n_betas` and `n_runs` checked, and what the runs will hold against this machine's
    memory (the inverse temperatures; per group V, A = c + V W, the hidden probabilities,
    H, and the uniforms drawn for them)."""
    n_betas = check_positive_int(n_betas, "n_betas")
    n_runs = check_positive_int(n_runs, "n_runs")
    check_allocation(8 * (n_betas + 1), f"n_betas={n_betas}", "the inverse temperatures")
    check_allocation(8 * 4 * min(n_runs, RUNS_PER_GROUP) * (n_visible + n_hidden) + 8 * n_runs,
                     f"n_runs={n_runs}", "the annealing runs' states")
    return n_betas, n_runs


def ais_groups(n_betas: int, n_runs: int, seed) -> tuple[np.ndarray, list]:
    """The schedule, `n_betas` equal steps of β from 0 to 1, and the groups of runs
    [(seed, runs), ...]: ``RUNS_PER_GROUP`` runs each (the last one the rest), group g
    drawing from child g of the seed's SeedSequence."""
    betas = np.linspace(0.0, 1.0, n_betas + 1)
    sizes = [min(RUNS_PER_GROUP, n_runs - a) for a in range(0, n_runs, RUNS_PER_GROUP)]
    return betas, list(zip(seed_sequence(seed).spawn(len(sizes)), sizes, strict=True))


def ais_estimate(log_w, log_z0: float, betas, interrupted: bool = False) -> AISResult:
    r""":math:`\log \hat Z = \log Z_0 + \log \tfrac1M \sum_m w_m` and its ±3σ bounds from the
    runs' log weights (the standard error by the delta method)."""
    n_runs = log_w.size
    shift = log_w.max()
    w = np.exp(log_w - shift)
    mean = w.mean()
    se = w.std(ddof=1) / np.sqrt(n_runs) if n_runs > 1 else np.inf
    log_z = log_z0 + shift + np.log(mean)
    lower = log_z0 + shift + np.log(mean - 3 * se) if mean > 3 * se else -np.inf
    return AISResult(log_z=float(log_z), log_z_se=float(se / mean),
                     log_z_lower=float(lower),
                     log_z_upper=float(log_z0 + shift + np.log(mean + 3 * se)),
                     log_weights=log_w, betas=betas, interrupted=interrupted)


def log_partition_ais(W, b, c, *, n_betas=1000, n_runs=100, base_rates=None, seed=None,
                      client=None, shard_size=None):
    r"""Estimate :math:`\log Z` by annealed importance sampling from a base-rate model.

    The base model has independent visible units with biases
    :math:`b_0 = \operatorname{logit}(\text{base_rates})` (uniform when None) and
    :math:`\log Z_0 = \sum_i \operatorname{softplus}(b_{0,i}) + n_h \log 2` (the hidden units
    are free at β = 0). The intermediate
    distributions :math:`p_\beta(v) \propto \exp((1-\beta) b_0^T v + \beta b^T v)
    \prod_j (1 + e^{\beta (c_j + (v^T W)_j)})` run from the base model (β = 0) to the RBM
    (β = 1) over `n_betas` equally spaced steps; each run moves by one block Gibbs step
    per β (h given v, then v given h, both at β) and accumulates
    :math:`\log w = \sum_k [\log p^*_{\beta_k}(v_{k-1}) - \log p^*_{\beta_{k-1}}(v_{k-1})]`.

    Parameters
    ----------
    W, b, c : array_like
        Weights (n_visible, n_hidden), visible and hidden biases.
    n_betas : int
        Intermediate distributions (default 1000).
    n_runs : int
        Independent runs (default 100), vectorised in groups of ``RUNS_PER_GROUP`` (100),
        each group on its own random stream (child g of the seed's SeedSequence).
    base_rates : array_like (n_visible,), optional
        Visible marginals of the base model, e.g. the training data's means (clipped to
        [1e-3, 1 - 1e-3]); a base model close to the RBM lowers the variance.
    seed : None, int, SeedSequence or Generator
    client : dask.distributed.Client, "local" or str, optional
        Run the groups of runs on a Dask cluster (see :mod:`boltz.distributed`); the
        estimate is bit-identical to the one without it.
    shard_size : int, optional
        With `client`: runs per task, rounded up to whole groups.

    Returns
    -------
    AISResult
    """
    W, b, c = _check_rbm(W, b, c)
    n_betas, n_runs = ais_checks(n_betas, n_runs, b.size, c.size)
    b0 = _base_biases(base_rates, b)
    betas, groups = ais_groups(n_betas, n_runs, seed)
    if client is None:
        return ais_result(ais_log_weights((W, b, c), b0, betas, groups), b0, c.size, betas)
    from boltz.distributed._calls import ais

    if shard_size is not None:
        shard_size = -(-check_positive_int(shard_size, "shard_size") // RUNS_PER_GROUP)
    log_w, interrupted = ais((W, b, c), b0, betas, groups, client=client,
                             shard_size=shard_size,
                             work_per_group=RUNS_PER_GROUP * n_betas * W.size)
    return ais_result(log_w, b0, c.size, betas, interrupted)
