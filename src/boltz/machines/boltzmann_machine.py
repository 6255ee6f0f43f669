r"""The general Boltzmann machine (Ackley, Hinton & Sejnowski 1985): visible and hidden binary
units, every pair possibly connected, learning from positive and negative phase statistics.

Units :math:`s_i \in \{0, 1\}`, visible units first. With symmetric weights :math:`W` (zero
diagonal) and thresholds :math:`\theta`,

.. math:: E(s) = -\sum_{i<j} w_{ij} s_i s_j - \sum_i \theta_i s_i, \qquad
          p(s) = e^{-E(s)/T} / Z,

and a unit turns on with probability :math:`\sigma(\Delta E_i / T)`,
:math:`\Delta E_i = \sum_j w_{ij} s_j + \theta_i`. The sampler is the Ising sweep kernel of
:func:`boltz.sample` (heat bath, sequential order) on the equivalent Ising model
(:math:`s = (1 + \sigma)/2`, :meth:`boltz.IsingModel.from_qubo`), with clamped units held by
its mask; exact quantities come from enumeration (``boltz.machines._enumeration``).
"""
from __future__ import annotations

import numpy as np

from boltz.machines import _enumeration as enumeration
from boltz.spin._chains import METHODS, ORDERS, Chains
from boltz._progress import run_in_blocks
from boltz._random import seed_sequence
from boltz._validation import (as_float_array, check_positive_int, check_real,
                               check_temperature, resolve_num_threads)
from boltz.spin.ising_model import IsingModel

__all__ = ["BoltzmannMachine"]

_GIBBS, _SEQUENTIAL = METHODS["gibbs"], ORDERS["sequential"]
# Exact KL is tracked per epoch up to this many units (2^16 states: about a millisecond).
KL_HISTORY_MAX_UNITS = 16


def _check_binary(X, name, width):
    """X as an int8 {0, 1} array of shape (rows, width); bools, ints and floats accepted."""
    try:
        arr = np.asarray(X)
    except ValueError as exc:
        raise ValueError(f"{name} must be a rectangular array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold 0/1 values (bool, int or float), "
                        f"got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(f"{name} must have shape (n, {width}), got {np.shape(X)}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must have at least one row")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must be binary: every entry 0 or 1")
    return arr.astype(np.int8)


def _anneal_betas(anneal):
    """Per-sweep inverse temperatures of an annealing schedule (empty for None)."""
    if anneal is None:
        return np.zeros(0)
    try:
        arr = np.asarray(anneal, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("anneal must be a sequence of temperatures or of "
                        "(temperature, sweeps) pairs") from None
    if arr.ndim == 1:
        temps, sweeps = arr, np.ones(arr.size, dtype=np.int64)
    elif arr.ndim == 2 and arr.shape[1] == 2:
        temps, sweeps = arr[:, 0], arr[:, 1]
        if np.any(sweeps < 1) or np.any(sweeps != np.round(sweeps)):
            raise ValueError("anneal: sweeps per temperature must be positive integers")
    else:
        raise ValueError("anneal must be a sequence of temperatures or of "
                         f"(temperature, sweeps) pairs, got shape {arr.shape}")
    temps = check_temperature(np.atleast_1d(temps), "anneal temperatures")
    return np.repeat(1.0 / temps, sweeps.astype(np.int64))


class BoltzmannMachine:
    r"""A Boltzmann machine with visible and hidden binary units, trained by contrasting
    positive (data-clamped) and negative (free-running) phase statistics.

    Units :math:`s \in \{0, 1\}^n`, the `n_visible` visible units first, then the hidden
    ones. Energy and distribution at temperature :math:`T`:

    .. math:: E(s) = -\sum_{i<j} w_{ij} s_i s_j - \sum_i \theta_i s_i, \qquad
              P(s) = e^{-E(s)/T} / Z;

    a unit turns on with probability :math:`\sigma(\Delta E_i / T)` where
    :math:`\Delta E_i = \sum_j w_{ij} s_j + \theta_i` (energy units). Learning follows
    Ackley, Hinton & Sejnowski (1985): with :math:`p^+_{ij}` the probability that units i
    and j are both on when the visible units are clamped to the data (hidden units at
    equilibrium) and :math:`p^-_{ij}` the same when the network runs freely,

    .. math:: \Delta w_{ij} = R\,(p^+_{ij} - p^-_{ij}) - R\lambda w_{ij}, \qquad
              \Delta \theta_i = R\,(p^+_i - p^-_i),

    which descends :math:`G = \sum_v P^+(v) \log(P^+(v) / P^-(v))` (the gradient is
    :math:`-(p^+_{ij} - p^-_{ij})/T`). Statistics are averaged over Gibbs sweeps of many
    chains that run in parallel (OpenMP), each sweep visiting every unclamped unit once.

    Parameters
    ----------
    n_visible : int
        Visible units (the width of the data).
    n_hidden : int
        Hidden units (default 0: a fully visible machine).
    temperature : float
        :math:`T > 0` of sampling and statistics (energy units).
    learning_rate : float
        :math:`R > 0`.
    n_iter : int
        Learning iterations (epochs; with `batch_size`, one mini-batch each).
    num_sweeps : int
        Sweeps per phase over which the statistics are averaged, after equilibration.
    anneal : sequence, optional
        Equilibrate each phase by annealing, as in the 1985 paper: temperatures (one sweep
        each) or ``(temperature, sweeps)`` pairs, hot to cold, then `burn_in` sweeps at
        `temperature`. Default: no annealing.
    persistent : bool
        Keep the negative-phase chains from one iteration to the next (persistent chains,
        as in PCD); they are equilibrated only in the first iteration.
    weight_decay : float
        :math:`\lambda \ge 0`, an L2 penalty on the weights.
    random_state : None, int, SeedSequence or Generator
        Seed of the initial weights and of every sampling run.
    num_threads : int, optional
        OpenMP threads over chains (``None``: OpenMP's default). Results do not depend on it.
    verbose : int
        0: silent; 1: a progress bar over iterations (tqdm when installed).
    connectivity : array_like of bool (n, n), optional
        Which pairs may carry a weight (symmetric; the diagonal is ignored). Default: all
        pairs. See :meth:`encoder_connectivity`.
    n_chains : int
        Chains of the negative phase; the positive phase runs
        ``ceil(n_chains / batch rows)`` chains per data vector (only with hidden units: a
        fully visible machine's positive statistics are the data's own moments).
    burn_in : int, optional
        Sweeps at `temperature` before the statistics (default: `num_sweeps` without
        `anneal`, 0 with it).
    batch_size : int, optional
        Rows of X per iteration, cycling through a shuffled order (default: all of X).
    dtype : {numpy.float64, numpy.float32}
        Precision of the couplings in the sweep kernel (float32 halves memory traffic).
    warm_start : bool
        Continue from the current ``weights_`` / ``thresholds_`` in :meth:`fit` (set by an
        earlier fit or by hand) instead of drawing new ones.

    Attributes
    ----------
    weights_ : ndarray (n, n)
        Symmetric weights, zero diagonal and zero outside `connectivity`. Read-only array;
        assign a new one to change it (checked on assignment).
    thresholds_ : ndarray (n,)
        Read-only array; assign a new one to change it.
    kl_history_ : list of float
        Exact :meth:`kl_divergence` of the training data after each iteration (machines of
        at most 16 units; empty otherwise).
    moment_gap_history_ : list of float
        The sampled :math:`\max_{ij} |p^+_{ij} - p^-_{ij}|` of each iteration (zero at a
        stationary point of learning), for machines of any size.
    n_iter_ : int
        Iterations completed (fewer than `n_iter` when Ctrl-C stopped learning).

    Notes
    -----
    Without hidden units the likelihood is concave and learning approaches the
    moment-matching optimum from any start. With hidden units it can stop in a local
    optimum: the 4-2-4 encoder (``encoder_connectivity(4, 2)``, ``learning_rate=2``,
    600 iterations, the annealing of the README) found four distinct hidden codes from 3
    of 6 random starts here. Compare fits from several `random_state` values by
    :meth:`kl_divergence`, as the 1985 paper compared runs.

    Examples
    --------
    >>> import numpy as np, boltz
    >>> X = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [1, 1, 1]])
    >>> bm = boltz.BoltzmannMachine(3, n_hidden=1, n_iter=50, random_state=0).fit(X)
    >>> bm.kl_history_[-1] < bm.kl_history_[0]
    True
    """

    def __init__(self, n_visible, n_hidden=0, temperature=1.0, learning_rate=0.1, n_iter=100,
                 num_sweeps=20, anneal=None, persistent=False, weight_decay=0.0,
                 random_state=None, num_threads=None, verbose=0, *, connectivity=None,
                 n_chains=64, burn_in=None, batch_size=None, dtype=np.float64,
                 warm_start=False):
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        self.temperature = temperature
        self.learning_rate = learning_rate
        self.n_iter = n_iter
        self.num_sweeps = num_sweeps
        self.anneal = anneal
        self.persistent = persistent
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.num_threads = num_threads
        self.verbose = verbose
        self.connectivity = connectivity
        self.n_chains = n_chains
        self.burn_in = burn_in
        self.batch_size = batch_size
        self.dtype = dtype
        self.warm_start = warm_start

    # ---- structure and parameters -----------------------------------------------------

    @property
    def n_units(self) -> int:
        return check_positive_int(self.n_visible, "n_visible") + check_positive_int(
            self.n_hidden, "n_hidden", minimum=0)

    @staticmethod
    def encoder_connectivity(group_size, n_hidden, *, hidden_connected=False):
        """Connectivity of the encoder problems of Ackley, Hinton & Sejnowski (1985).

        Units in the order [V1 (group_size), V2 (group_size), H (n_hidden)]: each visible
        group is connected internally and to every hidden unit, and the two visible groups
        are not connected to each other, so that all they share passes through the hidden
        units. ``hidden_connected=True`` also connects the hidden units to each other. Use
        with ``n_visible = 2 * group_size``.

        Examples
        --------
        >>> import boltz
        >>> mask = boltz.BoltzmannMachine.encoder_connectivity(4, 2)
        >>> int(mask.sum()) // 2        # 6 + 6 within the groups, 8 + 8 to the hidden units
        28
        """
        g = check_positive_int(group_size, "group_size")
        h = check_positive_int(n_hidden, "n_hidden")
        n = 2 * g + h
        group = np.repeat([0, 1, 2], [g, g, h])
        mask = (group[:, None] == group[None, :]) | (group[:, None] == 2) | (group[None, :] == 2)
        if not hidden_connected:
            mask &= ~((group[:, None] == 2) & (group[None, :] == 2))
        np.fill_diagonal(mask, False)
        return mask

    def _mask(self):
        n = self.n_units
        if self.connectivity is None:
            mask = ~np.eye(n, dtype=bool)
        else:
            mask = np.asarray(self.connectivity)
            if mask.dtype != np.bool_:
                raise TypeError(f"connectivity must be a boolean (n, n) mask, got dtype "
                                f"{mask.dtype}")
            if mask.shape != (n, n):
                raise ValueError(f"connectivity must have shape ({n}, {n}), got {mask.shape}")
            if not np.array_equal(mask, mask.T):
                raise ValueError("connectivity must be symmetric")
            mask = mask.copy()
            np.fill_diagonal(mask, False)
        return mask

    @property
    def weights_(self) -> np.ndarray:
        if not hasattr(self, "_weights"):
            raise AttributeError("weights_ is not set: call fit(X) or assign weights_")
        return self._weights

    @weights_.setter
    def weights_(self, W):
        n = self.n_units
        W = as_float_array(W, "weights_").astype(np.float64)
        if W.shape != (n, n):
            raise ValueError(f"weights_ must have shape ({n}, {n}), got {W.shape}")
        if not np.all(np.isfinite(W)):
            raise ValueError("weights_ must be finite")
        if not np.allclose(W, W.T, rtol=1e-12, atol=0.0):
            raise ValueError("weights_ must be symmetric")
        if np.any(np.diag(W) != 0):
            raise ValueError("weights_ must have a zero diagonal")
        if np.any(W[~self._mask()] != 0):
            raise ValueError("weights_ must be zero where connectivity is False")
        self._set_params(0.5 * (W + W.T), getattr(self, "_thresholds", np.zeros(n)))

    @property
    def thresholds_(self) -> np.ndarray:
        if not hasattr(self, "_thresholds"):
            raise AttributeError("thresholds_ is not set: call fit(X) or assign thresholds_")
        return self._thresholds

    @thresholds_.setter
    def thresholds_(self, theta):
        n = self.n_units
        theta = as_float_array(theta, "thresholds_").astype(np.float64)
        if theta.shape != (n,):
            raise ValueError(f"thresholds_ must have shape ({n},), got {theta.shape}")
        if not np.all(np.isfinite(theta)):
            raise ValueError("thresholds_ must be finite")
        self._set_params(getattr(self, "_weights", np.zeros((n, n))), theta.copy())

    def _set_params(self, W, theta):
        """Store new parameter arrays, read-only so that the cached Ising model stays valid
        (change them by assigning weights_ / thresholds_)."""
        W.flags.writeable = False
        theta.flags.writeable = False
        self._weights, self._thresholds = W, theta

    def _params(self):
        if not hasattr(self, "_weights"):
            raise ValueError("this BoltzmannMachine has no parameters yet: call fit(X) or "
                             "assign weights_ and thresholds_")
        return self._weights, self._thresholds

    def _T(self):
        return check_temperature(self.temperature, "temperature")

    # ---- energies and exact quantities ------------------------------------------------

    def energy(self, states):
        r""":math:`E(s) = -\tfrac12 s^T W s - \theta^T s` of each row (energy units).

        Parameters
        ----------
        states : array_like (k, n_units) or (n_units,) of 0/1

        Returns
        -------
        ndarray (k,) of float64
        """
        W, theta = self._params()
        s = _check_binary(states, "states", self.n_units).astype(np.float64)
        return -(0.5 * np.einsum("ki,ij,kj->k", s, W, s) + s @ theta)

    def _check_exact(self, n, what):
        if n > enumeration.MAX_ENUMERATED_UNITS:
            raise ValueError(f"{what} enumerates 2^{n} states; exact computation is limited "
                             f"to {enumeration.MAX_ENUMERATED_UNITS} units")

    def log_partition(self, method="exact"):
        r""":math:`\log Z = \log \sum_s e^{-E(s)/T}` over all :math:`2^n` states
        (dimensionless).

        Parameters
        ----------
        method : {"exact"}
            Enumeration, split in two halves so that the sum is a matrix product and a
            log-sum-exp (machines of up to 26 units; a few seconds at 26).
        """
        if method != "exact":
            raise ValueError(f"method must be 'exact', got {method!r}")
        W, theta = self._params()
        self._check_exact(self.n_units, "log_partition")
        return enumeration.log_partition(W, theta, self._T())

    def _log_visible(self, V):
        """log P^-(v) of each row of V (visible vectors), exactly."""
        W, theta = self._params()
        self._check_exact(self.n_units, "the visible distribution")
        T = self._T()
        nv = check_positive_int(self.n_visible, "n_visible")
        return enumeration.log_marginals(W, theta, T, np.arange(nv), V) - enumeration.log_partition(
            W, theta, T)

    def visible_distribution(self):
        r"""Exact :math:`P^-(v) = \sum_h P(v, h)` of every visible vector.

        Returns
        -------
        states : ndarray (2^n_visible, n_visible) of int8
            All visible vectors, lexicographic (unit 0 most significant).
        probabilities : ndarray (2^n_visible,)
        """
        V = enumeration.all_binary_states(check_positive_int(self.n_visible, "n_visible"))
        return V, np.exp(self._log_visible(V))

    def kl_divergence(self, X):
        r"""Exact :math:`G = \sum_v P^+(v) \log(P^+(v) / P^-(v))` (nats), with
        :math:`P^+` the empirical distribution of the rows of X.

        Zero only when the machine's visible distribution equals the data's.
        """
        V, counts = np.unique(_check_binary(X, "X", self.n_visible), axis=0,
                              return_counts=True)
        p_plus = counts / counts.sum()
        return float(np.sum(p_plus * (np.log(p_plus) - self._log_visible(V))))

    # ---- sampling ----------------------------------------------------------------------

    def _ising(self):
        """The Ising model with the same energies (s = (1 + sigma) / 2, E = x^T Q x), built
        once per set of parameters."""
        W, theta = self._params()
        dtype = np.dtype(self.dtype)
        cached = getattr(self, "_ising_cache", None)
        # parameters are read-only arrays, replaced (never changed) by _set_params
        if cached is None or not (cached[0] is W and cached[1] is theta and cached[2] == dtype):
            Q = -(np.triu(W, 1) + np.diag(theta))
            cached = (W, theta, dtype, IsingModel.from_qubo(Q, dtype=dtype))
            self._ising_cache = cached
        return cached[3]

    def _equilibration(self, first=True):
        """Per-sweep betas before the statistics: the anneal, then the burn-in."""
        beta = 1.0 / self._T()
        anneal = _anneal_betas(self.anneal)
        if not first:
            return np.zeros(0)
        burn = self.burn_in
        if burn is None:
            burn = 0 if anneal.size else check_positive_int(self.num_sweeps, "num_sweeps")
        burn = check_positive_int(burn, "burn_in", minimum=0)
        return np.concatenate([anneal, np.full(burn, beta)])

    def _run(self, model, spins, clamped, seed, equilibrate, record_sweeps):
        """Gibbs sweeps of chains starting at `spins` (±1); returns (chains, recorded
        states (chains, record_sweeps, n) as ±1 int8 or None)."""
        nthreads = resolve_num_threads(self.num_threads)
        chains = Chains(model, spins.shape[0], seed, spins, nthreads, clamped=clamped)
        ones = np.ones(spins.shape[0])
        if equilibrate.size:
            chains.sweep(equilibrate, ones, _GIBBS, _SEQUENTIAL)
        if not record_sweeps:
            return chains, None
        c, n = spins.shape
        states = np.empty((c, record_sweeps, n), dtype=np.int8)
        e = np.empty((c, record_sweeps))
        chains.sweep(np.full(record_sweeps, 1.0 / self._T()), ones, _GIBBS, _SEQUENTIAL,
                     rec_energy=e, rec_magnet=np.empty_like(e), rec_states=states)
        return chains, states

    @staticmethod
    def _moments(states):
        """<s_i s_j> of recorded ±1 states as 0/1 units (diagonal: <s_i>)."""
        x = (states.reshape(-1, states.shape[-1]) > 0).astype(np.float64)
        return x.T @ x / x.shape[0]

    def _clamp_spec(self, clamp, n_samples):
        """(initial ±1 spins or None, clamped mask or None) from a 0/1/-1 clamp array."""
        n = self.n_units
        if clamp is None:
            return None, None
        c = np.asarray(clamp)
        if c.dtype.kind not in "biuf":
            raise TypeError(f"clamp must hold 0, 1 or -1 (free), got dtype {c.dtype}")
        if c.ndim == 1:
            c = np.broadcast_to(c, (n_samples, c.size))
        if c.ndim != 2 or c.shape != (n_samples, n):
            raise ValueError(f"clamp must have shape ({n},) or ({n_samples}, {n}), "
                             f"got {np.shape(clamp)}")
        if not np.all((c == 0) | (c == 1) | (c == -1)):
            raise ValueError("clamp entries must be 0, 1 or -1 (free)")
        mask = c[0] >= 0
        if not np.array_equal(c >= 0, np.broadcast_to(mask, c.shape)):
            raise ValueError("clamp must hold the same units fixed in every row")
        return c.astype(np.int8), mask

    def sample(self, n_samples=1, num_sweeps=None, *, clamp=None, visible_only=False,
               seed=None):
        r"""Generate states by free-running (or partly clamped) Gibbs sampling.

        Each sample is the last state of its own chain, started uniformly at random,
        equilibrated like a learning phase (`anneal`, then `burn_in`), then swept
        `num_sweeps` more times at `temperature`.

        Parameters
        ----------
        n_samples : int
        num_sweeps : int, optional
            Sweeps after equilibration (default: the machine's `num_sweeps`).
        clamp : array_like (n_units,) or (n_samples, n_units), optional
            0 or 1 for units held at that value, -1 for units to sample: samples from
            :math:`P(\text{free} \mid \text{clamped})`. Every row must clamp the same units.
        visible_only : bool
            Return the visible units only.
        seed : None, int, SeedSequence or Generator

        Returns
        -------
        ndarray (n_samples, n_units) or (n_samples, n_visible) of int8 in {0, 1}
        """
        n_samples = check_positive_int(n_samples, "n_samples")
        sweeps = check_positive_int(self.num_sweeps if num_sweeps is None else num_sweeps,
                                    "num_sweeps")
        n = self.n_units
        model = self._ising()
        seq = seed_sequence(seed)
        values, mask = self._clamp_spec(clamp, n_samples)
        start_rng = np.random.default_rng(seq.spawn(1)[0])
        spins = 2 * start_rng.integers(0, 2, size=(n_samples, n), dtype=np.int8) - 1
        if mask is not None:
            spins[:, mask] = 2 * values[:, mask] - 1
        schedule = np.concatenate([self._equilibration(), np.full(sweeps, 1.0 / self._T())])
        chains, _ = self._run(model, spins, mask, seq, schedule, 0)
        out = (chains.spins > 0).astype(np.int8)
        return out[:, : self.n_visible] if visible_only else out

    # ---- phase statistics --------------------------------------------------------------

    def positive_statistics(self, X, method="gibbs", seed=None):
        r"""Positive-phase :math:`p^+_{ij} = \langle s_i s_j \rangle_+` with the visible units
        clamped to the rows of X (equally weighted) and the hidden units at equilibrium.

        Returns an (n_units, n_units) matrix whose diagonal holds :math:`p^+_i`.
        ``method="exact"`` enumerates the hidden states; ``"gibbs"`` samples them as
        :meth:`fit` does.
        """
        X = _check_binary(X, "X", self.n_visible)
        return self._positive(self._ising(), X, method, seed_sequence(seed))

    def negative_statistics(self, method="gibbs", seed=None):
        r"""Negative-phase :math:`p^-_{ij} = \langle s_i s_j \rangle_-` of the free-running
        machine; (n_units, n_units), diagonal :math:`p^-_i`. ``method="exact"`` enumerates,
        ``"gibbs"`` samples `n_chains` chains as :meth:`fit` does."""
        stats, _ = self._negative(self._ising(), None, method, seed_sequence(seed))
        return stats

    def _check_method(self, method):
        if method not in ("gibbs", "exact"):
            raise ValueError(f"method must be 'gibbs' or 'exact', got {method!r}")
        return method

    def _positive(self, model, X, method, seq):
        nv, n = X.shape[1], self.n_units
        if n == nv:                               # no hidden units: the data's moments
            x = X.astype(np.float64)
            return x.T @ x / x.shape[0]
        if self._check_method(method) == "exact":
            W, theta = self._params()
            self._check_exact(n - nv, "exact positive statistics")
            V, counts = np.unique(X, axis=0, return_counts=True)
            return enumeration.second_moments(W, theta, self._T(), np.arange(nv), V,
                                       counts / counts.sum())
        copies = -(-check_positive_int(self.n_chains, "n_chains") // X.shape[0])
        spins = 2 * np.random.default_rng(seq.spawn(1)[0]).integers(
            0, 2, size=(X.shape[0] * copies, n), dtype=np.int8) - 1
        spins[:, :nv] = 2 * np.repeat(X, copies, axis=0) - 1
        mask = np.zeros(n, dtype=bool)
        mask[:nv] = True
        sweeps = check_positive_int(self.num_sweeps, "num_sweeps")
        _, states = self._run(model, spins, mask, seq, self._equilibration(), sweeps)
        return self._moments(states)

    def _negative(self, model, spins, method, seq):
        """(statistics, final spins of the chains or None)."""
        if self._check_method(method) == "exact":
            W, theta = self._params()
            self._check_exact(self.n_units, "exact negative statistics")
            return enumeration.second_moments(W, theta, self._T()), None
        first = spins is None
        if first:
            c = check_positive_int(self.n_chains, "n_chains")
            spins = 2 * np.random.default_rng(seq.spawn(1)[0]).integers(
                0, 2, size=(c, self.n_units), dtype=np.int8) - 1
        sweeps = check_positive_int(self.num_sweeps, "num_sweeps")
        chains, states = self._run(model, spins, None, seq, self._equilibration(first),
                                   sweeps)
        return self._moments(states), chains.spins

    # ---- learning ----------------------------------------------------------------------

    def fit(self, X, y=None):
        """Learn weights and thresholds from the binary training vectors X.

        Parameters
        ----------
        X : array_like (n_samples, n_visible) of 0/1
        y : ignored

        Returns
        -------
        self
        """
        X = _check_binary(X, "X", check_positive_int(self.n_visible, "n_visible"))
        n = self.n_units
        rate = check_real(self.learning_rate, "learning_rate", above=0.0)
        decay = check_real(self.weight_decay, "weight_decay", at_least=0.0)
        n_iter = check_positive_int(self.n_iter, "n_iter")
        check_positive_int(self.num_sweeps, "num_sweeps")
        check_positive_int(self.n_chains, "n_chains")
        self._equilibration()                      # validates anneal and burn_in early
        batch = X.shape[0] if self.batch_size is None else min(
            check_positive_int(self.batch_size, "batch_size"), X.shape[0])
        mask = self._mask()
        root = seed_sequence(self.random_state, "random_state")
        init_seq, order_seq, run_seq = root.spawn(3)
        if not (self.warm_start and hasattr(self, "_weights")):
            W = np.random.default_rng(init_seq).normal(0.0, 0.01, size=(n, n))
            W = np.triu(W, 1)
            self._set_params((W + W.T) * mask, np.zeros(n))
        order_rng = np.random.default_rng(order_seq)
        run_seqs = run_seq.spawn(n_iter)
        order, pos = order_rng.permutation(X.shape[0]), 0
        track_kl = n <= KL_HISTORY_MAX_UNITS
        self.kl_history_, self.moment_gap_history_ = [], []
        neg_spins = None

        def step(it, _):
            nonlocal order, pos, neg_spins
            if pos + batch > X.shape[0]:
                order, pos = order_rng.permutation(X.shape[0]), 0
            Xb = X[order[pos:pos + batch]]
            pos += batch
            model = self._ising()
            pos_seq, neg_seq = run_seqs[it].spawn(2)
            p_plus = self._positive(model, Xb, "gibbs", pos_seq)
            p_minus, spins = self._negative(model, neg_spins if self.persistent else None,
                                            "gibbs", neg_seq)
            neg_spins = spins
            grad = p_plus - p_minus
            W = self._weights + rate * (np.where(mask, grad, 0.0) - decay * self._weights)
            self._set_params(W, self._thresholds + rate * np.diag(grad))
            self.moment_gap_history_.append(float(np.max(np.abs(grad))))
            if track_kl:
                self.kl_history_.append(self.kl_divergence(X))

        self.n_iter_, interrupted = run_in_blocks(n_iter, 1, step, progress=self.verbose > 0,
                                                  desc="learning", unit="iteration")
        self.interrupted_ = interrupted
        return self

    def __repr__(self) -> str:
        return (f"BoltzmannMachine(n_visible={self.n_visible}, n_hidden={self.n_hidden}, "
                f"temperature={self.temperature})")
