r"""Exact quantities of a Boltzmann machine, by enumeration (``_enumeration``): energies,
:math:`\log Z`, the visible distribution, the KL divergence from data, and the phase
statistics :math:`\langle s_i s_j \rangle`. Functions of (parameters, temperature), in nats
and energy units; limited to ``MAX_ENUMERATED_UNITS`` enumerated units.
"""
from __future__ import annotations

import numpy as np

from boltz.machines import _enumeration as enumeration
from boltz.machines._bm_parameters import Parameters


def check_enumerable(n: int, what: str) -> None:
    if n > enumeration.MAX_ENUMERATED_UNITS:
        raise ValueError(f"{what} enumerates 2^{n} states; exact computation is limited "
                         f"to {enumeration.MAX_ENUMERATED_UNITS} units")


def energy(p: Parameters, states: np.ndarray) -> np.ndarray:
    r""":math:`E(s) = -\tfrac12 s^T W s - \theta^T s` of each row of 0/1 `states`."""
    s = states.astype(np.float64)
    return -(0.5 * np.einsum("ki,ij,kj->k", s, p.W, s) + s @ p.theta)


def log_partition(p: Parameters, T: float) -> float:
    check_enumerable(p.theta.size, "log_partition")
    return enumeration.log_partition(p.W, p.theta, T)


def log_visible(p: Parameters, T: float, n_visible: int, V: np.ndarray) -> np.ndarray:
    r""":math:`\log P^-(v)` of each row of V (visible vectors)."""
    check_enumerable(p.theta.size, "the visible distribution")
    return (enumeration.log_marginals(p.W, p.theta, T, np.arange(n_visible), V)
            - enumeration.log_partition(p.W, p.theta, T))


def kl_divergence(p: Parameters, T: float, X: np.ndarray) -> float:
    r""":math:`\sum_v P^+(v) \log(P^+(v) / P^-(v))` with :math:`P^+` the empirical
    distribution of the rows of the 0/1 array X."""
    V, counts = np.unique(X, axis=0, return_counts=True)
    p_plus = counts / counts.sum()
    return float(np.sum(p_plus * (np.log(p_plus) - log_visible(p, T, X.shape[1], V))))


def positive_moments(p: Parameters, T: float, X: np.ndarray) -> np.ndarray:
    """<s_i s_j> with the visible units clamped to the rows of X (equally weighted) and
    the hidden units at equilibrium given them."""
    nv = X.shape[1]
    check_enumerable(p.theta.size - nv, "exact positive statistics")
    V, counts = np.unique(X, axis=0, return_counts=True)
    return enumeration.second_moments(p.W, p.theta, T, np.arange(nv), V, counts / counts.sum())


def negative_moments(p: Parameters, T: float) -> np.ndarray:
    """<s_i s_j> of the free-running machine."""
    check_enumerable(p.theta.size, "exact negative statistics")
    return enumeration.second_moments(p.W, p.theta, T)
