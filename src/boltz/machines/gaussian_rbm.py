r"""Gaussian-Bernoulli restricted Boltzmann machine: real-valued visible units with
per-unit standard deviations (fixed, or learned as in Cho, Raiko & Ilin 2011), binary
hidden units, trained by CD-k or PCD-k on the compiled, OpenMP, thread-count-independent
core of ``RBM`` (``_core/_gaussian_epoch.pyx``), with scikit-learn's estimator contract and
the partition function, exact or by AIS, in nats.

.. math:: E(v, h) = \sum_i \frac{(v_i - b_i)^2}{2\sigma_i^2} - c^T h
          - \sum_{ij} \frac{v_i}{\sigma_i^2} W_{ij} h_j

with ``components_`` = :math:`W^T`, ``intercept_visible_`` = b, ``intercept_hidden_`` = c,
``sigma_`` = σ. Exact log Z and AIS live in ``_gaussian_partition``, :meth:`GaussianRBM.save`
and :meth:`GaussianRBM.load` in ``_gaussian_persistence``, and what the estimator shares with
``RBM`` in ``_rbm_estimator``.
"""
from __future__ import annotations

import os
from typing import BinaryIO

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from boltz._core import _gaussian_epoch, _rbm_epoch
from boltz._memory import check_allocation
from boltz._random import RandomStreams, SeedLike, seed_sequence
from boltz._validation import (
    check_bool,
    check_choice,
    check_real,
    check_verbose,
    resolve_num_threads,
)
from boltz.machines import _gaussian_partition, _gaussian_persistence, _rbm_training
from boltz.machines._partition import AISResult
from boltz.machines._rbm_estimator import RBMEstimator
from boltz.machines._rbm_kernels import padded, sigmoid
from boltz.machines._rbm_state import check_array, check_chains, check_parameters

__all__ = ["GaussianRBM"]

#: A learned σ is kept at least this fraction of its starting value.
SIGMA_FLOOR = 1e-3


class GaussianRBM(RBMEstimator):
    r"""Gaussian-Bernoulli RBM (real-valued visible units), trained by contrastive divergence.

    Conditionals: :math:`p(h_j = 1 \mid v) = \sigma(c_j + \sum_i (v_i / \sigma_i^2)
    W_{ij})` and :math:`v_i \mid h \sim N(b_i + (W h)_i, \sigma_i^2)`. Each mini-batch
    update is the CD-k (``sampler="cd"``) or PCD-k (``sampler="pcd"``) estimate of the
    log-likelihood gradient, as for :class:`boltz.RBM`:

    .. math:: \Delta W_{ij} = R \big(\langle v_i h_j \rangle_+ - \langle v_i h_j
              \rangle_-\big) / \sigma_i^2 - R \lambda W_{ij}, \quad
              \Delta b_i = R \big(\langle v_i \rangle_+ - \langle v_i \rangle_-\big) /
              \sigma_i^2, \quad \Delta c_j = R \big(\langle h_j \rangle_+ -
              \langle h_j \rangle_-\big)

    (means over the batch (+) and the chains (−), h as probabilities), optionally with
    momentum. With ``learn_sigma=True`` the log-variances :math:`z_i = \log \sigma_i^2`
    (Cho, Raiko & Ilin 2011) follow :math:`-\partial E / \partial z_i = e^{-z_i} ((v_i -
    b_i)^2 / 2 - v_i (W h)_i)` at the rate `sigma_learning_rate`; σ is kept at least
    ``SIGMA_FLOOR`` (1e-3) times its start.

    The training epochs run in one compiled nogil call each: OpenMP over the rows of a
    batch, a PCG64 stream per row and per chain, so the same `random_state` gives the same
    model for any `num_threads`. Ctrl-C stops training between mini-batches, the model
    keeping every finished batch (``interrupted_``).

    Standardisation (``standardize=True``, the default): the model is trained on
    :math:`(x - \text{mean\_}) / \text{scale\_}`, with ``mean_`` and ``scale_`` the
    training data's column means and standard deviations (from :meth:`fit`, or from the
    first :meth:`partial_fit` batch). A constant column (standard deviation 0, like the
    border pixels of scikit-learn's digits) gets scale 1: it is 0 after standardising, its
    σ stays fixed (never learned, so never 0), :meth:`sample`, :meth:`gibbs` and
    :meth:`reconstruct` return the constant itself, and its density term in the likelihoods
    is that of a unit with σ = 1; no NaN arises. Every learned parameter (W, b, c, σ)
    is in standardised units; :meth:`transform` and the likelihoods take raw data (X as
    given to :meth:`fit`) and :meth:`sample`, :meth:`reconstruct` and :meth:`gibbs`
    return it (the inverse transform applied). With ``standardize=False``, ``mean_`` is
    0 and ``scale_`` 1. σ starts at 1 in standardised units (the data's standard
    deviation, 1 for constant columns, without standardising).

    Likelihoods are densities of the raw data in nats: :math:`\log p(x) = -F(v) - \log Z
    - \sum_i \log \text{scale\_}_i` (the Jacobian of the standardisation), with the free
    energy :math:`F(v) = \sum_i (v_i - b_i)^2 / 2\sigma_i^2 - \sum_j
    \operatorname{softplus}(c_j + \sum_i v_i W_{ij} / \sigma_i^2)`. :meth:`score_samples`
    is that per row (as scikit-learn's density estimators, e.g. ``GaussianMixture``,
    define it; not ``BernoulliRBM``'s pseudo-likelihood), :meth:`score` its mean.

    Parameters
    ----------
    n_components : int
        Hidden units.
    learning_rate : float
        R > 0 (divided by the batch size inside the sums, as in ``RBM``). Gaussian visible
        units need a smaller rate than binary ones (about 0.001 to 0.01 on standardised
        data).
    batch_size : int
        Rows per mini-batch (and persistent chains with ``sampler="pcd"``).
    n_iter : int
        Epochs (passes over the data).
    k : int or sequence of int
        Gibbs steps of the negative phase; a sequence gives them per epoch (``RBM``'s rule).
    momentum : float
        In [0, 1).
    weight_decay : float
        λ ≥ 0, an L2 penalty on the weights.
    shuffle : bool
        Visit the mini-batches in a new random order each epoch.
    dtype : {None, numpy.float32, numpy.float64}
        Precision of parameters and arithmetic (None: float32 for float32 data, else
        float64, as ``RBM``).
    random_state : None, int, SeedSequence, Generator or RandomState
        Seed of the initial weights, the batch order and the chains' streams.
    num_threads : int, optional
        OpenMP threads of training (None: what OpenMP would use). The model is the same for
        any value.
    verbose : int
        0: silent; >= 1: a progress bar (stderr) and a line per epoch on stdout with the
        reconstruction error.
    sampler : {"cd", "pcd"}
        The negative phase: chains started from each batch's data (CD-k), or
        ``batch_size`` persistent chains (``h_samples_``).
    standardize : bool
        Train on standardised columns (see above).
    learn_sigma : bool
        Learn the per-unit σ (else it stays at its start).
    sigma_learning_rate : float, optional
        The rate of the log-variances (None: `learning_rate`).
    monitor_rows : int
        Training rows on which ``history_["reconstruction_error"]`` is computed after each
        epoch (0: no monitor).

    Attributes
    ----------
    components_ : ndarray (n_components, n_features)
        :math:`W^T`.
    intercept_visible_ : ndarray (n_features,)
        Visible biases b (standardised units).
    intercept_hidden_ : ndarray (n_components,)
        Hidden biases c.
    sigma_ : ndarray (n_features,)
        Standard deviations σ (standardised units), > 0.
    mean_, scale_ : ndarray (n_features,)
        The standardisation, x = mean_ + scale_ v (0 and 1 without it); scale_ > 0.
    h_samples_ : ndarray (batch_size, n_components)
        Hidden states of the persistent chains (``sampler="pcd"``).
    n_features_in_ : int
        Features seen by :meth:`fit`.
    history_ : dict of lists
        ``reconstruction_error``: per epoch, the mean squared error per feature of the
        mean-field reconstruction on ``monitor_rows`` training rows (standardised units).
    n_iter_ : int
        Epochs completed.
    interrupted_ : bool
        Whether Ctrl-C stopped the last :meth:`fit`.
    ais_ : AISResult
        The last AIS estimate of log Z (``log_partition(method="ais")``).

    Examples
    --------
    >>> import numpy as np, boltz
    >>> X = np.random.default_rng(0).normal(size=(200, 3)) @ [[1, 1, 0], [0, 1, 1], [0, 0, 1]]
    >>> rbm = boltz.GaussianRBM(n_components=4, learning_rate=0.01, n_iter=20,
    ...                         random_state=0).fit(X)
    >>> rbm.transform(X).shape
    (200, 4)
    >>> bool(np.isfinite(rbm.score(X)))
    True
    """

    def __init__(self, n_components: int = 64, learning_rate: float = 0.01,
                 batch_size: int = 10, n_iter: int = 10, k: int | list[int] = 1,
                 momentum: float = 0.0, weight_decay: float = 0.0, shuffle: bool = True,
                 dtype: DTypeLike | None = None, random_state: SeedLike = None,
                 num_threads: int | None = None, verbose: int = 0, sampler: str = "cd",
                 standardize: bool = True, learn_sigma: bool = False,
                 sigma_learning_rate: float | None = None, monitor_rows: int = 500):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.k = k
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.shuffle = shuffle
        self.dtype = dtype
        self.random_state = random_state
        self.num_threads = num_threads
        self.verbose = verbose
        self.sampler = sampler
        self.standardize = standardize
        self.learn_sigma = learn_sigma
        self.sigma_learning_rate = sigma_learning_rate
        self.monitor_rows = monitor_rows

    # ---- checks ------------------------------------------------------------------------

    _NAME = "GaussianRBM"

    def _check_sampler(self) -> None:
        check_choice(self.sampler, "sampler", ("cd", "pcd"))

    def _check_model_hyper(self) -> None:
        check_bool(self.standardize, "standardize")
        check_bool(self.learn_sigma, "learn_sigma")
        if self.sigma_learning_rate is not None:
            check_real(self.sigma_learning_rate, "sigma_learning_rate", above=0.0)

    def _params(self):
        """(W^T (nh, nv), b, c, sigma, mean, scale) checked against each other and
        n_features_in_, in the model's dtype."""
        nv, dt = self._n_features(), self._dtype()
        Wt, b, c = check_parameters(self.components_, getattr(self, "intercept_visible_", None),
                                    getattr(self, "intercept_hidden_", None), nv, dt)
        extra = []
        for name in ("sigma_", "mean_", "scale_"):
            arr = check_array(getattr(self, name, None), name, (nv,), dt)
            if name != "mean_" and not np.all(arr > 0):
                raise ValueError(f"{name} must be > 0")
            extra.append(arr)
        return (Wt, b, c, *extra)

    # ---- the model ---------------------------------------------------------------------

    def _standardized(self, X: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray((X - mean) / scale, dtype=X.dtype)

    def _raw(self, V: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Standardised rows back to raw units; a column constant in the training data is
        returned at its constant."""
        X = V * scale + mean
        constant = getattr(self, "_constant", None)
        at = getattr(self, "_constant_at", None)
        if constant is not None and constant.shape == mean.shape == np.shape(at):
            X[:, constant] = at[constant]
        return X

    def _hidden_inputs(self, V: np.ndarray, Wt, c, sigma) -> np.ndarray:
        """c + sum_i (v_i / sigma_i^2) W_ij per row (the kernels' row sums, no BLAS, so a
        row's value does not depend on the rows beside it)."""
        dt = V.dtype
        lanes = 32 // dt.itemsize
        nh = Wt.shape[0]
        ph = -(-nh // lanes) * lanes
        S = np.ascontiguousarray(V / sigma.astype(dt) ** 2, dtype=dt)
        act = _rbm_epoch.row_products(S, padded(np.ascontiguousarray(Wt.T), ph),
                                      padded(c, ph), resolve_num_threads(self.num_threads))
        return act[:, :nh]

    def transform(self, X: ArrayLike) -> np.ndarray:
        r"""Hidden probabilities :math:`p(h_j = 1 \mid v)` of each (raw) row.

        Parameters
        ----------
        X : array_like (n_samples, n_features)
            Raw rows (standardised inside when ``standardize=True``).

        Returns
        -------
        ndarray (n_samples, n_components) of the model's dtype
            Probabilities; a row's values do not depend on the other rows.
        """
        Wt, _, c, sigma, mean, scale = self._params()
        V = self._standardized(self._check_X(X, reset=False), mean, scale)
        return sigmoid(self._hidden_inputs(V, Wt, c, sigma))

    def free_energy(self, X: ArrayLike) -> np.ndarray:
        r"""Free energy of each raw row, :math:`F(v) + \sum_i \log \text{scale\_}_i` (v the
        standardised row), so that :math:`\log p(x) = -F - \log Z` is the raw density.

        Parameters
        ----------
        X : array_like (n_samples, n_features)
            Raw rows.

        Returns
        -------
        ndarray of float64 (n_samples,)
            Free energies in units of :math:`k_B T`.
        """
        Wt, b, c, sigma, mean, scale = (a.astype(np.float64) for a in self._params())
        X = self._check_X(X, reset=False).astype(np.float64)
        V = (X - mean) / scale
        return (_gaussian_partition.free_energy(V, Wt.T, b, c, sigma, self.num_threads)
                + float(np.log(scale).sum()))

    def log_partition(self, method: str = "auto", **ais_options: object) -> float:
        r"""The log partition function :math:`\log Z = \log \sum_h \int e^{-E(v,h)} dv`
        of the model (standardised units).

        Parameters
        ----------
        method : {"auto", "exact", "ais"}
            ``"exact"`` sums a closed-form Gaussian integral over the :math:`2^{n_h}` hidden
            states (at most 24 hidden units); ``"ais"`` estimates it by annealed
            importance sampling over the coupling strength and keeps the full result in
            ``ais_``; ``"auto"``: exact up to 20 hidden units, else AIS.
        **ais_options : object
            With AIS: ``n_betas`` (1000), ``n_runs`` (100), ``seed`` (None: drawn from
            `random_state`).

        Returns
        -------
        float
            :math:`\log Z` (dimensionless).
        """
        method = check_choice(method, "method", ("auto", "exact", "ais"))
        Wt, b, c, sigma, _, _ = (a.astype(np.float64) for a in self._params())
        if method == "auto":
            method = ("exact" if Wt.shape[0] <= _gaussian_partition.MAX_EXACT_HIDDEN
                      else "ais")
        if method == "exact":
            if ais_options:
                raise TypeError(f"options {sorted(ais_options)} apply to method='ais' only")
            return _gaussian_partition.log_partition_exact(Wt.T, b, c, sigma)
        unknown = set(ais_options) - {"n_betas", "n_runs", "seed"}
        if unknown:
            raise TypeError(f"unknown AIS options {sorted(unknown)}: use n_betas, n_runs, "
                            "seed")
        if ais_options.get("seed") is None:
            ais_options["seed"] = seed_sequence(self.random_state, "random_state").spawn(3)[2]
        self.ais_: AISResult = _gaussian_partition.log_partition_ais(Wt.T, b, c, sigma,
                                                                     **ais_options)
        return self.ais_.log_z

    def score_samples(self, X: ArrayLike, log_z: float | None = None) -> np.ndarray:
        r"""Log density of each raw row, :math:`\log p(x)` in nats.

        Parameters
        ----------
        X : array_like (n_samples, n_features)
            Raw rows.
        log_z : float, optional
            :math:`\log Z`; default: ``log_partition("auto")`` (exact up to 20 hidden
            units, else AIS).

        Returns
        -------
        ndarray of float64 (n_samples,)
            :math:`-F - \log Z` per row.
        """
        F = self.free_energy(X)
        log_z = self.log_partition("auto") if log_z is None else check_real(log_z, "log_z")
        return -F - log_z

    def score(self, X: ArrayLike, y: object = None) -> float:
        """Mean log density of the rows of X (scikit-learn's ``score`` of a density model).

        Parameters
        ----------
        X : array_like (n_samples, n_features)
            Raw rows.
        y : None
            Ignored.

        Returns
        -------
        float
            Mean log-likelihood in nats.
        """
        return float(np.mean(self.score_samples(X)))

    def log_likelihood(self, X: ArrayLike, log_z: float | None = None) -> float:
        r"""Mean log-likelihood :math:`\frac1n \sum \log p(x)` of the raw rows, in nats.

        Parameters
        ----------
        X : array_like (n_samples, n_features)
            Raw rows.
        log_z : float, optional
            :math:`\log Z` (default: ``log_partition("auto")``).

        Returns
        -------
        float
            Mean log-likelihood in nats.
        """
        return float(np.mean(self.score_samples(X, log_z)))

    def reconstruct(self, X: ArrayLike) -> np.ndarray:
        r"""Mean-field reconstruction :math:`b + W p(h \mid v)` of each row, in raw units.

        Parameters
        ----------
        X : array_like (n_samples, n_features)
            Raw rows.

        Returns
        -------
        ndarray (n_samples, n_features) of the model's dtype
        """
        _, _, _, _, mean, scale = self._params()
        V = self._standardized(self._check_X(X, reset=False), mean, scale)
        return self._raw(self._mean_field(V), mean, scale)

    def _mean_field(self, V: np.ndarray) -> np.ndarray:
        """b + W p(h | v) of standardised rows."""
        Wt, b, c, sigma, _, _ = self._params()
        return sigmoid(self._hidden_inputs(V, Wt, c, sigma)) @ Wt + b

    def gibbs(self, v: ArrayLike) -> np.ndarray:
        r"""One block Gibbs step from the raw rows `v`: :math:`h \sim p(h \mid v)`, then
        :math:`v' \sim N(b + W h, \sigma^2)`, returned in raw units.

        Parameters
        ----------
        v : array_like (n_samples, n_features)
            Raw rows.

        Returns
        -------
        ndarray (n_samples, n_features) of the model's dtype
        """
        Wt, b, c, sigma, mean, scale = self._params()
        V = self._standardized(self._check_X(v, reset=False, name="v"), mean, scale)
        return self._raw(self._gibbs_step(V, Wt, b, c, sigma, self._stream()), mean, scale)

    def _gibbs_step(self, V: np.ndarray, Wt, b, c, sigma,
                    rng: np.random.Generator) -> np.ndarray:
        """h ~ p(h | v), then v' ~ N(b + W h, sigma^2), of standardised rows."""
        dt = Wt.dtype
        H = self._bernoulli(sigmoid(self._hidden_inputs(np.ascontiguousarray(V, dtype=dt), Wt,
                                                        c, sigma)), rng)
        return H @ Wt + b + sigma * rng.standard_normal(V.shape, dtype=dt)

    def sample(self, n_samples: int = 1, num_sweeps: int = 1000,
               seed: SeedLike = None) -> np.ndarray:
        r"""Rows drawn by block Gibbs sampling, in raw units: `n_samples` chains from
        :math:`v \sim N(b, \sigma^2)`, `num_sweeps` steps each.

        Parameters
        ----------
        n_samples : int
            Chains, >= 1.
        num_sweeps : int
            Block Gibbs steps per chain, >= 1.
        seed : None, int, SeedSequence or Generator
            Seed of the starts and the steps.

        Returns
        -------
        ndarray (n_samples, n_features) of the model's dtype
            The chains' last visible states.
        """
        Wt, b, c, sigma, mean, scale = self._params()
        dt = Wt.dtype
        n_samples, num_sweeps, rng = self._sampling(
            n_samples, num_sweeps, seed, 4 * (Wt.shape[0] + Wt.shape[1]) * dt.itemsize)
        V = b + sigma * rng.standard_normal((n_samples, b.size), dtype=dt)
        for _ in range(num_sweeps):
            V = self._gibbs_step(V, Wt, b, c, sigma, rng)
        return self._raw(V, mean, scale).astype(dt, copy=False)

    # ---- learning ----------------------------------------------------------------------

    def _initialize(self, X: np.ndarray) -> None:
        """mean_, scale_ from X; W ~ N(0, 0.01), b the standardised means, c = 0, sigma
        the standardised columns' standard deviations (1 for constant columns)."""
        dt = self._dtype()
        nh, nv = self.n_components, X.shape[1]
        X64 = X.astype(np.float64)
        constant = X64.max(axis=0) == X64.min(axis=0)
        std = X64.std(axis=0)
        if check_bool(self.standardize, "standardize"):
            mean = np.where(constant, X64[0], X64.mean(axis=0))
            scale = np.where(constant, 1.0, std)
            sigma = np.ones(nv)
        else:
            mean, scale = np.zeros(nv), np.ones(nv)
            sigma = np.where(constant | ~(std > 0), 1.0, std)
        check_allocation(self.batch_size * (3 * nh * dt.itemsize
                                            + RandomStreams.BYTES_PER_STREAM),
                         f"batch_size={self.batch_size}", "the chains")
        rng = self._stream()
        self.mean_, self.scale_ = mean.astype(dt), scale.astype(dt)
        self._constant = constant
        self._constant_at = np.where(constant, X64[0], 0.0)     # their values
        self._z_min = float(2.0 * np.log(SIGMA_FLOOR * sigma.min()))
        self.components_ = rng.normal(0, 0.01, (nh, nv)).astype(dt)
        self.intercept_visible_ = ((X64 - mean) / scale).mean(axis=0).astype(dt)
        self.intercept_hidden_ = np.zeros(nh, dtype=dt)
        self.sigma_ = sigma.astype(dt)
        self.h_samples_ = np.zeros((self.batch_size, nh), dtype=dt)
        self._velocity = None

    def _train(self, V: np.ndarray, order: np.ndarray, batch_rows: int, epoch: int = 0) -> None:
        """One kernel call over the batches order[s:s + batch_rows] of the standardised V.

        The estimator takes new arrays before the kernel runs and the kernel writes them
        inside one nogil region, so whenever Ctrl-C lands the model holds every finished
        batch and nothing else."""
        Wt, b, c, sigma, _, _ = self._params()
        dt = Wt.dtype
        nh, nv = Wt.shape
        lanes = 32 // dt.itemsize
        pv, ph = -(-nv // lanes) * lanes, -(-nh // lanes) * lanes
        persistent = self.sampler == "pcd"
        chains = check_chains(getattr(self, "h_samples_", None), nh, dt)
        z = (2.0 * np.log(sigma.astype(np.float64))).astype(dt)
        constant = getattr(self, "_constant", None)
        if constant is None or constant.shape != (nv,):
            constant = np.zeros(nv, dtype=bool)
        learn = (~constant).astype(dt) if check_bool(self.learn_sigma, "learn_sigma") \
            else np.zeros(nv, dtype=dt)
        z_min = getattr(self, "_z_min", None)
        if z_min is None:
            z_min = float(2.0 * np.log(SIGMA_FLOOR * float(sigma.min())))
        vel = getattr(self, "_velocity", None)
        shapes = [(nv, ph), (pv,), (ph,), (pv,)]
        if not (isinstance(vel, list) and [a.shape for a in vel] == shapes
                and all(a.dtype == dt for a in vel)):
            vel = self._velocity = [np.zeros(s, dtype=dt) for s in shapes]
        streams = self._streams(max(batch_rows, chains.shape[0]))
        W_k, Wt_k = padded(Wt, pv), padded(np.ascontiguousarray(Wt.T), ph)
        b_k, c_k, z_k = padded(b, pv), padded(c, ph), padded(z, pv)
        out = [Wt.copy(), b.copy(), c.copy(), z[:nv].copy(), chains.copy()]
        (self.components_, self.intercept_visible_, self.intercept_hidden_, _,
         self.h_samples_) = out
        rate = float(self.learning_rate)
        sigma_rate = rate if self.sigma_learning_rate is None else float(
            self.sigma_learning_rate)
        try:
            _gaussian_epoch.train_epoch(
                V, np.ascontiguousarray(order, dtype=np.int64), batch_rows, W_k, Wt_k, b_k,
                c_k, z_k, out[4], *vel, padded(learn, pv), rate, sigma_rate,
                float(self.momentum), float(self.weight_decay), z_min,
                _rbm_training.k_of_epoch(self.k, epoch), persistent, streams.addresses,
                resolve_num_threads(self.num_threads), out[0], out[1], out[2], out[3])
        finally:
            self.sigma_ = np.exp(0.5 * out[3].astype(np.float64)).astype(dt)

    def partial_fit(self, X: ArrayLike, y: object = None) -> GaussianRBM:
        """One update from X taken as a single mini-batch; the first call also sets the
        standardisation from X.

        Parameters
        ----------
        X : array_like (n_samples, n_features)
            Raw training rows.
        y : None
            Ignored.

        Returns
        -------
        GaussianRBM
            self.
        """
        X = self._start_partial_fit(X)
        _, _, _, _, mean, scale = self._params()
        self._train(self._standardized(X, mean, scale), np.arange(X.shape[0]), X.shape[0])
        return self

    def fit(self, X: ArrayLike, y: object = None,
            validation_data: ArrayLike | None = None) -> GaussianRBM:
        """Train for `n_iter` epochs of mini-batches.

        Parameters
        ----------
        X : array_like (n_samples, n_features)
            Raw training rows.
        y : None
            Ignored.
        validation_data : array_like (m, n_features), optional
            Held-out raw rows: ``history_["free_energy_gap"]`` is then their mean free
            energy minus the monitored training rows' (as ``RBM``'s; a gap that grows says
            the model overfits).

        Returns
        -------
        GaussianRBM
            self, fitted.
        """
        self._check_hyper()
        X = self._check_X(X, reset=True)
        held = None if validation_data is None else self._check_X(
            validation_data, reset=False, name="validation_data")
        rng = self._new_stream()
        self._initialize(X)
        V = self._standardized(X, self.mean_, self.scale_)
        n = V.shape[0]
        monitor = self._monitor_rows(V, rng)
        self.history_ = {"reconstruction_error": []} if self.monitor_rows else {}
        if self.monitor_rows and held is not None:
            held = self._standardized(held[:int(self.monitor_rows)], self.mean_, self.scale_)
            self.history_["free_energy_gap"] = []
        shuffle = check_bool(self.shuffle, "shuffle")

        def train(epoch):
            self._train(V, rng.permutation(n) if shuffle else np.arange(n), self.batch_size,
                        epoch)

        def monitors(bar):
            if not self.monitor_rows:
                return ""
            mse = float(np.mean((self._mean_field(monitor) - monitor) ** 2))
            self.history_["reconstruction_error"].append(mse)
            if "free_energy_gap" in self.history_:
                Wt, b, c, sigma = (a.astype(np.float64) for a in self._params()[:4])
                F = [_gaussian_partition.free_energy(R.astype(np.float64), Wt.T, b, c, sigma,
                                                     self.num_threads) for R in (held, monitor)]
                self.history_["free_energy_gap"].append(float(np.mean(F[0]) - np.mean(F[1])))
            return f" reconstruction error = {mse:.4f},"

        self._epochs(train, monitors, check_verbose(self.verbose))
        return self

    # ---- persistence -------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the estimator to an ``.npz`` file: the constructor arguments, the learned
        arrays (with the standardisation and the constant columns) and what training
        continues from (the random streams, momentum buffers, ``n_iter_``, ``history_``),
        so that a reloaded model gives the same ``transform``, ``score_samples``,
        ``reconstruct`` and ``sample`` (same `seed`), and continues ``gibbs``, ``fit`` and
        ``partial_fit`` bit-identically. ``random_state`` may be None, an int, a
        SeedSequence, a Generator or a RandomState (as :meth:`boltz.RBM.save`). Not kept:
        ``ais_``.

        Parameters
        ----------
        path : str or path-like
            The file; ``.npz`` is appended when the name does not end with it (numpy's
            rule, which :meth:`load` follows too).

        Raises
        ------
        ValueError, TypeError
            A learned attribute of the wrong shape, dtype or value (naming it), or a
            ``random_state`` that cannot be saved.
        """
        _gaussian_persistence.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike | BinaryIO) -> GaussianRBM:
        """A GaussianRBM saved by :meth:`save`, identical to the one saved.

        Parameters
        ----------
        path : str, path-like or binary file object
            A file written by :meth:`save`; a path that does not exist is tried with
            ``.npz`` appended, the name :meth:`save` writes.

        Returns
        -------
        GaussianRBM
            The fitted estimator.

        Raises
        ------
        ValueError
            ``"not a boltz GaussianRBM file: <path>: <reason>"`` for anything damaged,
            truncated, inconsistent (shapes against the file's sizes, checked from the
            headers before any data is read), non-finite, or larger than this machine's
            memory, and for a path that is not a regular file.
        TypeError
            `path` is neither a path nor a file object.
        FileNotFoundError, PermissionError
            No such file (under either name), or not readable.
        """
        return _gaussian_persistence.load(cls, path)
