r"""Bernoulli restricted Boltzmann machine, trained by CD-k or persistent CD (PCD-k), with
scikit-learn's estimator contract (a drop-in for ``sklearn.neural_network.BernoulliRBM``)
and the partition function, exact or by AIS, to measure what was learned in nats.

Visible :math:`v \in \{0,1\}^{n_v}` (inputs in [0, 1] are read as probabilities),
hidden :math:`h \in \{0,1\}^{n_h}`:

.. math:: E(v, h) = -v^T W h - b^T v - c^T h, \qquad
          F(v) = -b^T v - \sum_j \operatorname{softplus}(c_j + (v^T W)_j),

with ``components_`` = :math:`W^T`, ``intercept_visible_`` = b, ``intercept_hidden_`` = c.
"""
from __future__ import annotations

import inspect
import json

import numpy as np

from boltz.machines import _partition as _rbm_partition
from boltz._core import _logsumexp, _rbm_epoch
from boltz._progress import run_in_blocks
from boltz._random import RandomStreams, seed_sequence
from boltz._validation import check_positive_int, check_real, resolve_num_threads

__all__ = ["RBM"]

_FORMAT_VERSION = 1

try:                                        # the estimator contract, when scikit-learn is here
    from sklearn.base import BaseEstimator as _Base
    from sklearn.base import TransformerMixin as _Transformer
    _BASES = (_Transformer, _Base)
except ImportError:                         # tested in a subprocess without sklearn
    class _Params:
        """get_params / set_params as scikit-learn defines them (constructor arguments)."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}")
                setattr(self, key, value)
            return self

        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)

    _BASES = (_Params,)

try:
    from sklearn.exceptions import NotFittedError
except ImportError:                         # tested in a subprocess without sklearn
    class NotFittedError(ValueError, AttributeError):
        """Raised when a method needs a fitted estimator (scikit-learn's exception)."""


def _sigmoid(x):
    """1 / (1 + e^-x) of a float array, in a new array of its dtype (compiled, libmvec exp)."""
    out = np.array(x, order="C", copy=True)
    _logsumexp.sigmoid_inplace(out.reshape(-1))
    return out


def _padded(A, width):
    """A copy of the 2-D (or 1-D) array A with its last axis zero-padded to `width`."""
    out = np.zeros(A.shape[:-1] + (width,), dtype=A.dtype)
    out[..., :A.shape[-1]] = A
    return out


def _is_sparse(X):
    return hasattr(X, "tocsr") and hasattr(X, "nnz")


class RBM(*_BASES):
    r"""Bernoulli restricted Boltzmann machine, trained by contrastive divergence.

    Each mini-batch update follows Hinton's practical guide: hidden probabilities
    :math:`p(h_j = 1 \mid v) = \sigma(c_j + (v^T W)_j)` on the data (positive phase), k block
    Gibbs steps from the persistent chains (PCD-k, ``persistent=True``) or from the data's
    sampled hidden states (CD-k) for the negative phase, then

    .. math:: \Delta W = \frac{R}{B}\,(v^T p(h \mid v) - \tilde v^T p(h \mid \tilde v))
              - R \lambda W

    (B the batch size, R the learning rate, λ the weight decay), likewise for the biases,
    with optional momentum. Energies and free energies are in units of :math:`k_B T`.

    Parameters
    ----------
    n_components : int
        Hidden units.
    learning_rate : float
        R (scikit-learn divides it by the batch size, as here).
    batch_size : int
    n_iter : int
        Epochs (passes over the data).
    k : int
        Gibbs steps of the negative phase.
    persistent : bool
        True: PCD-k with ``batch_size`` persistent chains (``h_samples_``), scikit-learn's
        algorithm; False: CD-k from each batch.
    momentum : float
        In [0, 1): the update adds ``momentum`` times the previous one.
    weight_decay : float
        λ ≥ 0, an L2 penalty on the weights.
    shuffle : bool
        Visit the mini-batches in a new random order each epoch.
    dtype : {numpy.float32, numpy.float64}
        Precision of parameters and arithmetic.
    random_state : None, int, SeedSequence or Generator
    num_threads : int, optional
        OpenMP threads of training and of the per-epoch monitors (``None``: what OpenMP
        would use, so ``OMP_NUM_THREADS`` and threadpoolctl limits apply). The model is the
        same for any value. ``transform`` and ``gibbs`` use NumPy's BLAS.
    verbose : int
        0: silent; 1: a progress bar over epochs; 2: also print the monitors per epoch.
    monitor_rows : int
        Training rows (chosen once per fit) on which ``history_`` is computed each epoch,
        and at most as many held-out rows. On small data sets the monitors cost about as
        much as an epoch of training; 0 turns them off (``history_`` is then empty).

    Attributes
    ----------
    components_ : ndarray (n_components, n_features)
        :math:`W^T`.
    intercept_hidden_ : ndarray (n_components,)
    intercept_visible_ : ndarray (n_features,)
    h_samples_ : ndarray (batch_size, n_components)
        Hidden states of the persistent chains.
    n_features_in_ : int
    history_ : dict of lists
        Per epoch, on ``monitor_rows`` training rows: ``reconstruction_error`` (mean squared
        error of the mean-field reconstruction), ``pseudo_likelihood`` (mean of
        :meth:`score_samples`), and with ``fit(X, validation_data=...)`` the
        ``free_energy_gap`` (mean F of the held-out rows minus that of the training
        rows; it grows when the model overfits).

    Examples
    --------
    >>> import numpy as np, boltz
    >>> X = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> rbm = boltz.RBM(n_components=2, batch_size=2, learning_rate=0.2, n_iter=500,
    ...                 persistent=False, random_state=0).fit(X)      # CD-1
    >>> rbm.transform(X).shape
    (4, 2)
    >>> bool(rbm.log_likelihood(X) > -3 * np.log(2))     # better than uniform over 8 states
    True
    """

    def __init__(self, n_components=256, learning_rate=0.1, batch_size=10, n_iter=10, k=1,
                 persistent=True, momentum=0.0, weight_decay=0.0, shuffle=True,
                 dtype=np.float32, random_state=None, num_threads=None, verbose=0,
                 monitor_rows=500):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.k = k
        self.persistent = persistent
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.shuffle = shuffle
        self.dtype = dtype
        self.random_state = random_state
        self.num_threads = num_threads
        self.verbose = verbose
        self.monitor_rows = monitor_rows

    # ---- checks ------------------------------------------------------------------------

    def _dtype(self):
        dt = np.dtype(self.dtype)
        if dt not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dt}")
        return dt

    def _check_X(self, X, *, reset):
        """X as a float array (dense, or CSR when sparse). Values are meant to lie in
        [0, 1] (binary data or probabilities); like scikit-learn's BernoulliRBM, other
        finite values are accepted and enter the same formulas."""
        dt = self._dtype()
        if _is_sparse(X):
            X = X.tocsr().astype(dt)
            values = X.data
        else:
            arr = np.asarray(X)
            if arr.dtype.kind == "c":
                raise ValueError("Complex data not supported: X must be real")
            if arr.dtype.kind not in "biufO":
                raise TypeError(f"X must be numeric, got dtype {arr.dtype}")
            try:
                X = np.ascontiguousarray(arr, dtype=dt)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"X must be numeric: {exc}") from None
            values = X
        if X.ndim != 2:
            raise ValueError(f"Expected a 2D array for X, got shape {X.shape}. Reshape your "
                             "data with X.reshape(1, -1) if it is a single sample.")
        for axis, what in ((0, "sample"), (1, "feature")):
            if X.shape[axis] < 1:
                raise ValueError(f"Found array with 0 {what}(s) (shape={X.shape}) while a "
                                 f"minimum of 1 is required.")
        if not np.all(np.isfinite(values)):
            raise ValueError("X contains NaN or infinity")
        if reset:
            self.n_features_in_ = X.shape[1]
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but RBM is expecting "
                             f"{self.n_features_in_} features as input")
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags

    def _check_fitted(self):
        if not hasattr(self, "components_"):
            raise NotFittedError("This RBM instance is not fitted yet: call fit(X) first")

    # ---- the model ---------------------------------------------------------------------

    def _mean_hiddens(self, V):
        # the row sums of _hidden_inputs, not BLAS: a BLAS product rounds a row by where it
        # sits in the batch, so a row's probabilities would depend on the rows beside it
        return _sigmoid(self._hidden_inputs(V, self._dtype()))

    def _mean_visibles(self, H):
        return _sigmoid(H @ self.components_ + self.intercept_visible_)

    @staticmethod
    def _bernoulli(P, rng):
        return (rng.random(P.shape, dtype=P.dtype) < P).astype(P.dtype)

    def transform(self, X):
        r"""Hidden probabilities :math:`p(h_j = 1 \mid v) = \sigma(c_j + (v^T W)_j)`,
        shape (n_samples, n_components)."""
        self._check_fitted()
        return self._mean_hiddens(self._check_X(X, reset=False))

    def free_energy(self, X):
        r""":math:`F(v) = -b^T v - \sum_j \operatorname{softplus}(c_j + (v^T W)_j)` of each
        row (units of :math:`k_B T`); :math:`p(v) = e^{-F(v)} / Z`."""
        self._check_fitted()
        V = self._check_X(X, reset=False)
        return self._free_energy(V)

    def _free_energy(self, V):
        b = self.intercept_visible_
        if _is_sparse(V):
            lin = np.asarray(V @ b.astype(np.float64))
        else:                               # b^T v by row sums too (see _hidden_inputs)
            lin = _rbm_epoch.row_products(np.ascontiguousarray(V, dtype=self._dtype()),
                                          _padded(b[:, None], 8), np.zeros(8, b.dtype),
                                          resolve_num_threads(self.num_threads))[:, 0]
        return -lin - _rbm_partition.softplus_sums(self._hidden_inputs(V), self.num_threads)

    def reconstruct(self, X):
        r"""Mean-field reconstruction :math:`\sigma(b + W\, p(h \mid v))` of each row."""
        self._check_fitted()
        return self._mean_visibles(self._mean_hiddens(self._check_X(X, reset=False)))

    def gibbs(self, v):
        """One block Gibbs step from the visible states `v`: h ~ p(h|v), then v' ~ p(v|h).

        Returns a boolean array like `v` (scikit-learn's convention).
        """
        self._check_fitted()
        V = self._check_X(v, reset=False)
        rng = self._stream()
        H = self._bernoulli(self._mean_hiddens(V), rng)
        return self._bernoulli(self._mean_visibles(H), rng) > 0

    def score_samples(self, X):
        r"""Pseudo-likelihood of each row as scikit-learn defines it: with one feature i of
        the row flipped (:math:`\tilde v`), :math:`n_{features} \log \sigma(F(\tilde v) -
        F(v))`.

        The flipped feature is drawn pseudo-randomly from the row's own values (a hash
        seeded by `random_state`), so a row scores the same whatever rows come with it.
        """
        self._check_fitted()
        V = self._check_X(X, reset=False)
        if _is_sparse(V):
            V = V.toarray()
        return self._pseudo_likelihood(V)

    def _hidden_inputs(self, V, dtype=np.float64):
        """c + v^T W of each row, in `dtype` (the sum itself in the model's dtype). Dense
        rows go through the training kernel's row sums, which skip zeros and call no BLAS:
        a threaded BLAS call leaves threads spinning beside the next OpenMP region."""
        if _is_sparse(V):
            return (np.asarray(V @ self.components_.T).astype(dtype, copy=False)
                    + self.intercept_hidden_.astype(dtype, copy=False))
        nh = self.components_.shape[0]
        _, ph = self._padded_widths()
        act = _rbm_epoch.row_products(np.ascontiguousarray(V, dtype=self._dtype()),
                                      _padded(self.components_.T, ph),
                                      _padded(self.intercept_hidden_, ph),
                                      resolve_num_threads(self.num_threads))
        return act[:, :nh].astype(dtype, copy=False)

    def _monitor_stats(self, V):
        """(squared reconstruction error, pseudo-likelihood) of each dense row of V, float64:
        one kernel call (_core/_rbm_epoch.monitor_stats) on the training kernel's row sums,
        without BLAS (see _hidden_inputs)."""
        V = np.ascontiguousarray(V, dtype=self._dtype())
        return _rbm_epoch.monitor_stats(V, self._flipped_features(V), *self._kernel_params(),
                                        resolve_num_threads(self.num_threads))

    def _kernel_params(self):
        """W (n_components, pv), Wt (n_features, ph), b (pv), c (ph): copies in the model's
        dtype with rows zero-padded to whole 32-byte vectors, as the kernels take them."""
        dt = self._dtype()
        pv, ph = self._padded_widths()
        return (_padded(self.components_.astype(dt, copy=False), pv),
                _padded(self.components_.T.astype(dt, copy=False), ph),
                _padded(self.intercept_visible_.astype(dt, copy=False), pv),
                _padded(self.intercept_hidden_.astype(dt, copy=False), ph))

    def _padded_widths(self):
        """Row lengths of the kernels' weight copies: n_features and n_components rounded up
        to whole 32-byte vectors."""
        lanes = 32 // np.dtype(self._dtype()).itemsize
        nh, nv = self.components_.shape
        return -(-nv // lanes) * lanes, -(-nh // lanes) * lanes

    def _flipped_features(self, V):
        """The feature of each row that the pseudo-likelihood flips: a hash of the row's own
        values, seeded by random_state, so a row scores the same whatever rows come with it."""
        if getattr(self, "_row_hash", None) is None or self._row_hash.size != V.shape[1]:
            seq = seed_sequence(self.random_state, "random_state").spawn(2)[1]
            self._row_hash = np.random.default_rng(seq).random(V.shape[1]) + 0.5
        key = (V.astype(np.float64) * self._row_hash).sum(axis=1) * 0.6180339887498949
        return ((key % 1.0) * V.shape[1]).astype(np.int64)

    def _pseudo_likelihood(self, V):
        return self._monitor_stats(V)[1]

    def sample(self, n_samples=1, num_sweeps=1000, seed=None):
        """Visible states generated by block Gibbs sampling: `n_samples` independent chains
        from uniformly random visible states, `num_sweeps` steps each; (n_samples,
        n_features) of 0/1 in the model's dtype."""
        self._check_fitted()
        n_samples = check_positive_int(n_samples, "n_samples")
        num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
        rng = np.random.default_rng(seed_sequence(seed))
        V = self._bernoulli(np.full((n_samples, self.n_features_in_), 0.5,
                                    dtype=self._dtype()), rng)
        for _ in range(num_sweeps):
            H = self._bernoulli(self._mean_hiddens(V), rng)
            V = self._bernoulli(self._mean_visibles(H), rng)
        return V

    def log_partition(self, method="exact", **ais_options):
        r""":math:`\log Z` (dimensionless).

        ``method="exact"`` enumerates the smaller layer (at most 26 units).
        ``method="ais"`` estimates it by annealed importance sampling (options ``n_betas``,
        ``n_runs``, ``base_rates``, ``seed``; see ``boltz.machines._partition.log_partition_ais``)
        and keeps the full result, with its standard error and ±3σ bounds, in ``ais_``.
        """
        self._check_fitted()
        W, b, c = self._wbc()
        if method == "exact":
            if ais_options:
                raise TypeError(f"options {sorted(ais_options)} apply to method='ais' only")
            return _rbm_partition.log_partition_exact(W, b, c)
        if method == "ais":
            self.ais_ = _rbm_partition.log_partition_ais(W, b, c, **ais_options)
            return self.ais_.log_z
        raise ValueError(f"method must be 'exact' or 'ais', got {method!r}")

    def log_likelihood(self, X, log_z=None):
        r"""Mean :math:`\log p(v) = -F(v) - \log Z` over the rows of X (nats). `log_z`
        defaults to the exact :meth:`log_partition`; pass an AIS estimate for large models."""
        F = self.free_energy(X)
        if log_z is None:
            log_z = self.log_partition("exact")
        return float(np.mean(-F) - log_z)

    def _wbc(self):
        return (self.components_.T.astype(np.float64), self.intercept_visible_.astype(np.float64),
                self.intercept_hidden_.astype(np.float64))

    # ---- learning ----------------------------------------------------------------------

    def _stream(self):
        """The estimator's random stream (created by fit, or from random_state)."""
        if not hasattr(self, "_rng"):
            self._rng = np.random.default_rng(seed_sequence(self.random_state, "random_state"))
        return self._rng

    def _check_hyper(self):
        check_positive_int(self.n_components, "n_components")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_iter, "n_iter")
        check_positive_int(self.k, "k")
        check_real(self.learning_rate, "learning_rate", above=0.0)
        check_real(self.momentum, "momentum", at_least=0.0, below=1.0)
        check_real(self.weight_decay, "weight_decay", at_least=0.0)
        check_positive_int(self.monitor_rows, "monitor_rows", minimum=0)

    def _initialize(self, n_features):
        dt = self._dtype()
        rng = self._stream()
        self.components_ = rng.normal(0, 0.01, (self.n_components, n_features)).astype(dt)
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dt)
        self.intercept_visible_ = np.zeros(n_features, dtype=dt)
        self.h_samples_ = np.zeros((self.batch_size, self.n_components), dtype=dt)
        self._velocity = None

    def _train(self, X, order, batch_rows):
        """CD-k / PCD-k updates over the batches order[s:s + batch_rows] (one nogil call,
        _core/_rbm_epoch.pyx); parameters, chains and momentum are updated in place.

        The kernel works on copies whose rows are padded to whole 32-byte vectors, with
        zeros in the padding."""
        dt = self._dtype()
        X = np.ascontiguousarray(X.toarray() if _is_sparse(X) else X, dtype=dt)
        nh, nv = self.components_.shape
        W, Wt, b, c = self._kernel_params()
        chains = np.ascontiguousarray(self.h_samples_, dtype=dt)
        velocity = getattr(self, "_velocity", None)
        if velocity is None or velocity[0].dtype != dt or velocity[0].shape != Wt.shape:
            velocity = self._velocity = [np.zeros_like(Wt), np.zeros_like(b), np.zeros_like(c)]
        if self.momentum == 0 and self.weight_decay == 0:
            velocity[0].fill(0)   # the kernel leaves it alone; keep it exact for later calls
        n_streams = max(batch_rows, chains.shape[0])
        streams = getattr(self, "_chain_streams", None)
        if streams is None or len(streams) < n_streams:
            streams = self._chain_streams = RandomStreams(self._stream(), n_streams,
                                                          "random_state")
        _rbm_epoch.train_epoch(X, np.ascontiguousarray(order, dtype=np.int64), batch_rows, W,
                               Wt, b, c, chains, *velocity, float(self.learning_rate),
                               float(self.momentum), float(self.weight_decay),
                               check_positive_int(self.k, "k"), bool(self.persistent),
                               streams.addresses, resolve_num_threads(self.num_threads))
        self.components_ = np.ascontiguousarray(W[:, :nv])
        self.intercept_visible_, self.intercept_hidden_ = b[:nv].copy(), c[:nh].copy()
        self.h_samples_ = chains

    def partial_fit(self, X, y=None):
        """One update from X taken as a single mini-batch (scikit-learn's partial_fit).

        Returns
        -------
        self
        """
        self._check_hyper()
        first = not hasattr(self, "components_")
        X = self._check_X(X, reset=first)
        if first:
            self._initialize(X.shape[1])
        self._train(X, np.arange(X.shape[0]), X.shape[0])
        return self

    def fit(self, X, y=None, validation_data=None):
        """Train for `n_iter` epochs of mini-batches.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix (n_samples, n_features), values in [0, 1]
        y : ignored
        validation_data : array_like (m, n_features), optional
            Held-out rows for the free-energy gap in ``history_``.

        Returns
        -------
        self
        """
        self._check_hyper()
        X = self._check_X(X, reset=True)
        held_out = None if validation_data is None else self._check_X(validation_data,
                                                                      reset=False)
        self._rng = np.random.default_rng(seed_sequence(self.random_state, "random_state"))
        self._chain_streams = None
        rng = self._rng
        self._initialize(X.shape[1])
        n = X.shape[0]
        dense = X.toarray() if _is_sparse(X) else X
        rows = int(self.monitor_rows)
        self.history_ = {}
        if rows:
            self.history_ = {"reconstruction_error": [], "pseudo_likelihood": []}
            if held_out is not None:
                self.history_["free_energy_gap"] = []
        show = self.verbose > 0

        # monitors on at most monitor_rows training rows (and as many held-out rows)
        monitor = dense[np.sort(rng.permutation(n)[:rows])]
        if held_out is not None:
            held_out = held_out[:rows]

        def epoch(_, __):
            self._train(dense, rng.permutation(n) if self.shuffle else np.arange(n),
                        self.batch_size)
            if not rows:
                return
            err, pl = self._monitor_stats(monitor)
            history = self.history_
            history["reconstruction_error"].append(float(np.mean(err)) / monitor.shape[1])
            history["pseudo_likelihood"].append(float(np.mean(pl)))
            if held_out is not None:
                history["free_energy_gap"].append(float(
                    np.mean(self._free_energy(held_out)) - np.mean(self._free_energy(monitor))))
            if self.verbose > 1:
                print({key: values[-1] for key, values in history.items()})

        self.n_iter_, self.interrupted_ = run_in_blocks(self.n_iter, 1, epoch, progress=show,
                                                        desc="epochs", unit="epoch")
        return self

    # ---- persistence -------------------------------------------------------------------

    def save(self, path):
        """Write parameters and learned state to an ``.npz`` file (format version 1)."""
        self._check_fitted()
        params = {key: (np.dtype(v).name if key == "dtype" else v)
                  for key, v in self.get_params().items()
                  if key != "random_state" or v is None or isinstance(v, int)}
        np.savez(path, format_version=_FORMAT_VERSION, params=json.dumps(params),
                 components_=self.components_, intercept_hidden_=self.intercept_hidden_,
                 intercept_visible_=self.intercept_visible_, h_samples_=self.h_samples_)

    @classmethod
    def load(cls, path):
        """An RBM saved by :meth:`save`, with identical parameters and learned arrays."""
        with np.load(path, allow_pickle=False) as data:
            version = int(data["format_version"])
            if version != _FORMAT_VERSION:
                raise ValueError(f"{path}: RBM file format {version}, this boltz reads "
                                 f"{_FORMAT_VERSION}")
            params = json.loads(str(data["params"]))
            params["dtype"] = np.dtype(params["dtype"]).type
            rbm = cls(**params)
            for name in ("components_", "intercept_hidden_", "intercept_visible_",
                         "h_samples_"):
                setattr(rbm, name, data[name].copy())
        rbm.n_features_in_ = rbm.components_.shape[1]
        return rbm
