r"""The general Boltzmann machine (Ackley, Hinton & Sejnowski 1985): visible and hidden binary
units, every pair possibly connected, learning from positive and negative phase statistics.

Units :math:`s_i \in \{0, 1\}`, visible units first. With symmetric weights :math:`W` (zero
diagonal) and thresholds :math:`\theta`,

.. math:: E(s) = -\sum_{i<j} w_{ij} s_i s_j - \sum_i \theta_i s_i, \qquad
          p(s) = e^{-E(s)/T} / Z,

and a unit turns on with probability :math:`\sigma(\Delta E_i / T)`,
:math:`\Delta E_i = \sum_j w_{ij} s_j + \theta_i`.

The class is the public face; each concern lives in its own module:

- ``_bm_settings``: the constructor arguments, checked (when the machine is built and
  again by every operation);
- ``_bm_parameters``: connectivity, weights and thresholds, the equivalent Ising model;
- ``_bm_exact``: energies and exact quantities by enumeration (``_enumeration``);
- ``_bm_gibbs``: the sampler, the Ising sweep kernel of :func:`boltz.sample` (heat bath,
  sequential order) on the Ising form (:math:`s = (1 + \sigma)/2`), clamped units held by
  its mask;
- ``_bm_learning``: the learning loop.

Argument names (the rule of ``boltz._validation``): scikit-learn's names for
what an estimator has (``n_iter``, ``learning_rate``, ``batch_size``, ``random_state``,
``warm_start``, ``verbose``, ``n_samples``; ``n_visible`` / ``n_hidden`` for layer sizes);
the spin wing's sampler names for sampling (``num_sweeps``, ``num_chains``,
``num_threads``, ``burn_in``, ``temperature``, and ``seed`` for one call's randomness).
``n_chains`` was renamed ``num_chains`` in 0.2; the old name warns and goes in 0.3.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from boltz._progress import deferred_interrupts
from boltz._random import SeedLike, seed_sequence
from boltz._validation import (
    check_binary,
    check_bool,
    check_choice,
    check_positive_int,
    renamed_parameter,
    warn_user,
)
from boltz.machines import _bm_exact, _bm_gibbs, _bm_learning
from boltz.machines._bm_parameters import (
    Parameters,
    check_thresholds,
    check_weights,
    encoder_connectivity,
)
from boltz.machines._bm_settings import Settings, check_arguments, settings
from boltz.machines._enumeration import all_binary_states
from boltz.spin.ising_model import IsingModel

__all__ = ["BoltzmannMachine"]


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

    The arguments are stored as given and checked when the machine is built and again by
    every operation: a bad one is a ``TypeError`` or ``ValueError`` naming it (numbers
    are never accepted as strings).

    Parameters
    ----------
    n_visible : int
        Visible units (the width of the data), >= 1.
    n_hidden : int
        Hidden units, >= 0 (default 0: a fully visible machine).
    temperature : float
        :math:`T > 0` of sampling and statistics (energy units); one number.
    learning_rate : float
        :math:`R > 0`.
    n_iter : int
        Learning iterations (epochs; with `batch_size`, one mini-batch each).
    num_sweeps : int
        Sweeps per phase over which the statistics are averaged, after equilibration.
    anneal : sequence of float or of (float, int) pairs, optional
        Equilibrate each phase by annealing, as in the 1985 paper: temperatures (one sweep
        each) or ``(temperature, sweeps)`` pairs, hot to cold, then `burn_in` sweeps at
        `temperature`. Default: no annealing.
    persistent : bool
        Keep the negative-phase chains from one iteration to the next (persistent chains,
        as in PCD); they are equilibrated only in the first iteration.
    weight_decay : float
        :math:`\lambda \ge 0`, an L2 penalty on the weights.
    random_state : None, int, SeedSequence, Generator or RandomState
        Seed of the initial weights and of every sampling run. A
        ``numpy.random.RandomState`` (scikit-learn's idiom) is advanced by each ``fit``
        (128 bits of entropy drawn from it), so an equal RandomState gives an equal model.
    num_threads : int, optional
        OpenMP threads over chains (``None``: OpenMP's default). Results do not depend on it.
    verbose : int
        0: silent; 1: a progress bar over iterations (tqdm when installed).
    connectivity : array_like of bool (n, n), optional
        Which pairs may carry a weight (symmetric; the diagonal is ignored). Default: all
        pairs. See :meth:`encoder_connectivity`.
    num_chains : int
        Chains of the negative phase; the positive phase runs
        ``ceil(num_chains / batch rows)`` chains per data vector (only with hidden units: a
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
    n_chains : int, optional
        Deprecated alias of `num_chains` (a ``DeprecationWarning``; removed in 0.3).

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
    interrupted_ : bool
        Whether Ctrl-C stopped the last :meth:`fit` (within one block of sweeps, tens of
        milliseconds: the iteration that was running is dropped, the finished ones are
        kept).
    sample_interrupted_ : bool
        Whether Ctrl-C stopped the last :meth:`sample` (set by it).

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

    def __init__(self, n_visible: int, n_hidden: int = 0, temperature: float = 1.0,
                 learning_rate: float = 0.1, n_iter: int = 100, num_sweeps: int = 20,
                 anneal: ArrayLike | None = None, persistent: bool = False,
                 weight_decay: float = 0.0, random_state: SeedLike = None,
                 num_threads: int | None = None, verbose: int = 0, *,
                 connectivity: ArrayLike | None = None, num_chains: int = 64,
                 burn_in: int | None = None, batch_size: int | None = None,
                 dtype: DTypeLike = np.float64, warm_start: bool = False,
                 n_chains: int | None = None):
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
        self.num_chains = num_chains
        if n_chains is not None:
            renamed_parameter("n_chains", "num_chains")
            self.num_chains = n_chains
        self.burn_in = burn_in
        self.batch_size = batch_size
        self.dtype = dtype
        self.warm_start = warm_start
        self._parameters: Parameters | None = None
        check_arguments(self)                          # fail early, naming the argument

    # ---- structure and parameters -----------------------------------------------------

    @property
    def n_units(self) -> int:
        """Number of units, ``n_visible + n_hidden`` (visible units first)."""
        return settings(self).n_units

    @property
    def n_chains(self) -> int:
        """Deprecated alias of ``num_chains`` (a ``DeprecationWarning``; removed in 0.3)."""
        renamed_parameter("n_chains", "num_chains")
        return self.num_chains

    @n_chains.setter
    def n_chains(self, value):
        renamed_parameter("n_chains", "num_chains")
        self.num_chains = value

    @staticmethod
    def encoder_connectivity(group_size: int, n_hidden: int, *,
                             hidden_connected: bool = False) -> np.ndarray:
        """Connectivity of the encoder problems of Ackley, Hinton & Sejnowski (1985).

        Units in the order [V1 (group_size), V2 (group_size), H (n_hidden)]: each visible
        group is connected internally and to every hidden unit, and the two visible groups
        are not connected to each other, so that all they share passes through the hidden
        units. Use with ``n_visible = 2 * group_size``.

        Parameters
        ----------
        group_size : int
            Units g >= 1 in each of the two visible groups.
        n_hidden : int
            Hidden units h >= 1.
        hidden_connected : bool
            Also connect the hidden units to each other.

        Returns
        -------
        ndarray of bool (2 g + h, 2 g + h)
            Symmetric, False on the diagonal; pass it as `connectivity`.

        Examples
        --------
        >>> import boltz
        >>> mask = boltz.BoltzmannMachine.encoder_connectivity(4, 2)
        >>> int(mask.sum()) // 2        # 6 + 6 within the groups, 8 + 8 to the hidden units
        28
        """
        return encoder_connectivity(group_size, n_hidden,
                                    check_bool(hidden_connected, "hidden_connected"))

    @property
    def weights_(self) -> np.ndarray:
        """Symmetric weights :math:`w_{ij}` (n_units, n_units), float64 (energy units),
        read-only; assign a new array to change them."""
        if self._parameters is None:
            raise AttributeError("weights_ is not set: call fit(X) or assign weights_")
        return self._parameters.W

    @weights_.setter
    def weights_(self, W: ArrayLike):
        s = settings(self)
        theta = np.zeros(s.n_units) if self._parameters is None else self._parameters.theta
        self._parameters = Parameters(check_weights(W, s.n_units, s.mask), theta)

    @property
    def thresholds_(self) -> np.ndarray:
        r"""Thresholds :math:`\theta_i` (n_units,), float64 (energy units), read-only;
        assign a new array to change them."""
        if self._parameters is None:
            raise AttributeError("thresholds_ is not set: call fit(X) or assign thresholds_")
        return self._parameters.theta

    @thresholds_.setter
    def thresholds_(self, theta: ArrayLike):
        n = settings(self).n_units
        W = np.zeros((n, n)) if self._parameters is None else self._parameters.W
        self._parameters = Parameters(W, check_thresholds(theta, n))

    def _fitted(self) -> tuple[Settings, Parameters]:
        s = settings(self)
        if self._parameters is None:
            raise ValueError("this BoltzmannMachine has no parameters yet: call fit(X) or "
                             "assign weights_ and thresholds_")
        return s, self._parameters

    # ---- energies and exact quantities ------------------------------------------------

    def energy(self, states: ArrayLike) -> np.ndarray:
        r"""Energy :math:`E(s) = -\tfrac12 s^T W s - \theta^T s` of each state.

        Parameters
        ----------
        states : array_like of 0/1 (k, n_units) or (n_units,)
            Full states, visible units first.

        Returns
        -------
        ndarray of float64 (k,)
            Energies (energy units; independent of the temperature).
        """
        s, p = self._fitted()
        return _bm_exact.energy(p, check_binary(states, "states", s.n_units))

    def log_partition(self, method: str = "exact") -> float:
        r"""The log partition function :math:`\log Z = \log \sum_s e^{-E(s)/T}` over all
        :math:`2^n` states.

        Parameters
        ----------
        method : {"exact"}
            Enumeration, split in two halves so that the sum is a matrix product and a
            log-sum-exp (machines of up to 26 units; a few seconds at 26).

        Returns
        -------
        float
            :math:`\log Z` (dimensionless).
        """
        check_choice(method, "method", ("exact",))
        s, p = self._fitted()
        return _bm_exact.log_partition(p, s.temperature)

    def visible_distribution(self) -> tuple[np.ndarray, np.ndarray]:
        r"""Exact :math:`P^-(v) = \sum_h P(v, h)` of every visible vector, by enumeration
        (at most 26 units).

        Returns
        -------
        states : ndarray of int8 (2^n_visible, n_visible)
            All visible vectors, lexicographic (unit 0 most significant).
        probabilities : ndarray of float64 (2^n_visible,)
            :math:`P^-(v)` of each, summing to 1.
        """
        s, p = self._fitted()
        _bm_exact.check_enumerable(s.n_units, "visible_distribution")
        V = all_binary_states(s.n_visible)
        return V, np.exp(_bm_exact.log_visible(p, s.temperature, s.n_visible, V))

    def kl_divergence(self, X: ArrayLike) -> float:
        r"""Exact :math:`G = \sum_v P^+(v) \log(P^+(v) / P^-(v))`, with :math:`P^+` the
        empirical distribution of the rows of X; zero only when the machine's visible
        distribution equals the data's.

        Parameters
        ----------
        X : array_like of 0/1 (n_samples, n_visible)
            Visible vectors.

        Returns
        -------
        float
            G in nats (>= 0).
        """
        s, p = self._fitted()
        return _bm_exact.kl_divergence(p, s.temperature, check_binary(X, "X", s.n_visible))

    # ---- sampling ----------------------------------------------------------------------

    def sample(self, n_samples: int = 1, num_sweeps: int | None = None, *,
               clamp: ArrayLike | None = None, visible_only: bool = False,
               seed: SeedLike = None) -> np.ndarray:
        r"""Generate states by free-running (or partly clamped) Gibbs sampling.

        Each sample is the last state of its own chain, started uniformly at random,
        equilibrated like a learning phase (`anneal`, then `burn_in`), then swept
        `num_sweeps` more times at `temperature`.

        Parameters
        ----------
        n_samples : int
            Samples (independent chains), >= 1.
        num_sweeps : int, optional
            Sweeps after equilibration (default: the machine's `num_sweeps`).
        clamp : array_like (n_units,) or (n_samples, n_units), optional
            0 or 1 for units held at that value, -1 for units to sample: samples from
            :math:`P(\text{free} \mid \text{clamped})`. Every row must clamp the same units.
        visible_only : bool
            Return the visible units only.
        seed : None, int, SeedSequence or Generator
            Seed of the chains' starts and streams.

        Returns
        -------
        ndarray of int8 in {0, 1} (n_samples, n_units) or (n_samples, n_visible)
            The states.

        Notes
        -----
        Ctrl-C stops the sweeps within one block of work (tens of milliseconds) and the
        call returns the chains' states at that point (each chain after the sweeps it
        finished, all of them at least those reported), with a ``RuntimeWarning`` saying
        how many sweeps of how many ran, and ``sample_interrupted_`` set to True (False
        after a complete call). Such states are less equilibrated than asked for.
        """
        n_samples = check_positive_int(n_samples, "n_samples")
        s, p = self._fitted()
        sweeps = check_positive_int(s.num_sweeps if num_sweeps is None else num_sweeps,
                                    "num_sweeps")
        visible_only = check_bool(visible_only, "visible_only")
        with deferred_interrupts():              # a Ctrl-C while preparing: no sweeps
            out, done, planned, self.sample_interrupted_ = _bm_gibbs.sample(
                s, p.ising(s.dtype), n_samples, sweeps, clamp, seed_sequence(seed))
        if self.sample_interrupted_:
            warn_user(f"Ctrl-C stopped sampling after {done} of {planned} sweeps "
                      f"(equilibration included): the states are the chains' states then")
        return out[:, : s.n_visible] if visible_only else out

    # ---- phase statistics --------------------------------------------------------------

    def positive_statistics(self, X: ArrayLike, method: str = "gibbs",
                            seed: SeedLike = None) -> np.ndarray:
        r"""Positive-phase :math:`p^+_{ij} = \langle s_i s_j \rangle_+` with the visible
        units clamped to the rows of X (equally weighted) and the hidden units at
        equilibrium.

        Parameters
        ----------
        X : array_like of 0/1 (n_samples, n_visible)
            Visible vectors.
        method : {"gibbs", "exact"}
            ``"gibbs"`` samples the hidden units as :meth:`fit` does; ``"exact"``
            enumerates them (at most 26 hidden units).
        seed : None, int, SeedSequence or Generator
            Seed of the sampling (unused by ``"exact"``).

        Returns
        -------
        ndarray of float64 (n_units, n_units)
            :math:`p^+_{ij}`, with :math:`p^+_i` on the diagonal (probabilities).
        """
        s, p = self._fitted()
        X = check_binary(X, "X", s.n_visible)
        return self._positive(s, p.ising(s.dtype), X, method, seed_sequence(seed))

    def negative_statistics(self, method: str = "gibbs", seed: SeedLike = None) -> np.ndarray:
        r"""Negative-phase :math:`p^-_{ij} = \langle s_i s_j \rangle_-` of the free-running
        machine.

        Parameters
        ----------
        method : {"gibbs", "exact"}
            ``"gibbs"`` samples `num_chains` chains as :meth:`fit` does; ``"exact"``
            enumerates (at most 26 units).
        seed : None, int, SeedSequence or Generator
            Seed of the sampling (unused by ``"exact"``).

        Returns
        -------
        ndarray of float64 (n_units, n_units)
            :math:`p^-_{ij}`, with :math:`p^-_i` on the diagonal (probabilities).
        """
        s, p = self._fitted()
        stats, _ = self._negative(s, p.ising(s.dtype), None, method, seed_sequence(seed))
        return stats

    def _positive(self, s: Settings, model: IsingModel, X: np.ndarray, method: str,
                  seq: np.random.SeedSequence) -> np.ndarray:
        method = check_choice(method, "method", ("gibbs", "exact"))
        if s.n_units == s.n_visible:             # no hidden units: the data's moments
            x = X.astype(np.float64)
            return x.T @ x / x.shape[0]
        if method == "exact":
            return _bm_exact.positive_moments(self._parameters, s.temperature, X)
        return _bm_gibbs.positive_moments(s, model, X, seq)

    def _negative(self, s: Settings, model: IsingModel, spins: np.ndarray | None,
                  method: str, seq: np.random.SeedSequence):
        """(statistics, final spins of the chains or None); the hook of one learning step."""
        if check_choice(method, "method", ("gibbs", "exact")) == "exact":
            return _bm_exact.negative_moments(self._parameters, s.temperature), None
        return _bm_gibbs.negative_moments(s, model, spins, seq)

    # ---- learning ----------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: object = None) -> BoltzmannMachine:
        """Learn weights and thresholds from the binary training vectors X.

        Parameters
        ----------
        X : array_like of 0/1 (n_samples, n_visible)
            Training vectors.
        y : None
            Ignored (scikit-learn's signature).

        Returns
        -------
        BoltzmannMachine
            self, with ``weights_``, ``thresholds_`` and the histories set.
        """
        s = settings(self)
        _bm_learning.learn(self, s, check_binary(X, "X", s.n_visible))
        return self

    def __repr__(self) -> str:
        return (f"BoltzmannMachine(n_visible={self.n_visible}, n_hidden={self.n_hidden}, "
                f"temperature={self.temperature})")
