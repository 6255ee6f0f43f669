r"""The parameters of a Boltzmann machine: connectivity, weights and thresholds, and the
equivalent Ising model that the sampler runs.

Units :math:`s \in \{0, 1\}^n`, :math:`E(s) = -\sum_{i<j} w_{ij} s_i s_j - \sum_i \theta_i
s_i`. With :math:`s = (1 + \sigma)/2` this is the QUBO :math:`E = x^T Q x`,
:math:`Q = -(\operatorname{triu}(W, 1) + \operatorname{diag}(\theta))`, which
:meth:`boltz.IsingModel.from_qubo` turns into spins :math:`\sigma \in \{-1, +1\}^n`.
"""
from __future__ import annotations

import numpy as np

from boltz._memory import check_allocation
from boltz._validation import as_float_array, check_positive_int
from boltz.spin.ising_model import IsingModel


def connectivity_mask(connectivity, n: int) -> np.ndarray:
    """Which pairs may carry a weight: an (n, n) bool mask, symmetric, False diagonal
    (all pairs when `connectivity` is None)."""
    if connectivity is None:
        return ~np.eye(n, dtype=bool)
    mask = np.asarray(connectivity)
    if mask.dtype != np.bool_:
        raise TypeError(f"connectivity must be a boolean (n, n) mask, got dtype {mask.dtype}")
    if mask.shape != (n, n):
        raise ValueError(f"connectivity must have shape ({n}, {n}), got {mask.shape}")
    if not np.array_equal(mask, mask.T):
        raise ValueError("connectivity must be symmetric")
    mask = mask.copy()
    np.fill_diagonal(mask, False)
    return mask


def encoder_connectivity(group_size, n_hidden, hidden_connected) -> np.ndarray:
    """The (2 g + h, 2 g + h) mask of the encoder problems: groups V1, V2 (g units each)
    connected internally and to every hidden unit, not to each other."""
    g = check_positive_int(group_size, "group_size")
    h = check_positive_int(n_hidden, "n_hidden")
    n = 2 * g + h
    check_allocation(3 * n * n + 8 * n, f"group_size={g}, n_hidden={h}",
                     f"the {n} x {n} connectivity mask")
    group = np.repeat([0, 1, 2], [g, g, h])
    mask = (group[:, None] == group[None, :]) | (group[:, None] == 2) | (group[None, :] == 2)
    if not hidden_connected:
        mask &= ~((group[:, None] == 2) & (group[None, :] == 2))
    np.fill_diagonal(mask, False)
    return mask


def initial_weights(seq: np.random.SeedSequence, mask: np.ndarray) -> np.ndarray:
    """Small random symmetric weights, N(0, 0.01^2), zero outside `mask`."""
    n = mask.shape[0]
    W = np.triu(np.random.default_rng(seq).normal(0.0, 0.01, size=(n, n)), 1)
    return (W + W.T) * mask


def check_weights(W, n: int, mask: np.ndarray) -> np.ndarray:
    """W as a new float64 (n, n) array: finite, symmetric, zero diagonal and zero outside
    `mask`; symmetrised exactly."""
    W = as_float_array(W, "weights_", finite=True).astype(np.float64)   # a copy
    if W.shape != (n, n):
        raise ValueError(f"weights_ must have shape ({n}, {n}), got {W.shape}")
    if not np.allclose(W, W.T, rtol=1e-12, atol=0.0):
        raise ValueError("weights_ must be symmetric")
    if np.any(np.diag(W) != 0):
        raise ValueError("weights_ must have a zero diagonal")
    if np.any(W[~mask] != 0):
        raise ValueError("weights_ must be zero where connectivity is False")
    return 0.5 * (W + W.T)


def check_thresholds(theta, n: int) -> np.ndarray:
    """theta as a new finite float64 (n,) array."""
    theta = as_float_array(theta, "thresholds_", finite=True).astype(np.float64)   # a copy
    if theta.shape != (n,):
        raise ValueError(f"thresholds_ must have shape ({n},), got {theta.shape}")
    return theta


class Parameters:
    """Weights W (n, n) and thresholds theta (n,), read-only: a change is a new object, so
    the Ising form cached here never goes stale."""

    def __init__(self, W: np.ndarray, theta: np.ndarray):
        W.flags.writeable = False
        theta.flags.writeable = False
        self.W, self.theta = W, theta
        self._ising = {}

    def __setstate__(self, state: dict) -> None:
        """Unpickled or copied: read-only again (NumPy restores arrays writeable)."""
        self.__init__(state["W"], state["theta"])

    def ising(self, dtype: np.dtype) -> IsingModel:
        """The Ising model with the same energies, couplings in `dtype` (built once)."""
        if dtype not in self._ising:
            Q = -(np.triu(self.W, 1) + np.diag(self.theta))
            self._ising[dtype] = IsingModel.from_qubo(Q, dtype=dtype)
        return self._ising[dtype]
