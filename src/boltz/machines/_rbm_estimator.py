"""What ``RBM`` and ``GaussianRBM`` share as scikit-learn estimators: the model's dtype,
the constructor arguments both take, the input contract of the rows, the estimator's
random stream and the chains' streams, the fit loop (progress bar, Ctrl-C, the verbose
line) and the arguments of ``sample``.

``RBMEstimator`` is a private base class: each subclass keeps its own constructor (its
arguments are scikit-learn's parameters), and adds its model through a few hooks:
``_NAME`` (the name in messages), ``_SPARSE_INPUT`` (whether rows may stay sparse),
``_check_sampler`` and ``_check_model_hyper`` (the arguments of its own).
"""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike

from boltz._memory import check_allocation
from boltz._progress import progress_bar
from boltz._random import RandomStreams, SeedLike, seed_sequence
from boltz._validation import (
    check_bool,
    check_float_dtype,
    check_positive_int,
    check_real,
    check_verbose,
    follow_float_dtype,
    refuse_masked,
    resolve_num_threads,
)
from boltz.machines import _rbm_training
from boltz.machines._rbm_kernels import dense_array, is_sparse
from boltz.machines._rbm_sklearn import ESTIMATOR_BASES, NotFittedError


class RBMEstimator(*ESTIMATOR_BASES):
    """The estimator scaffolding of the restricted Boltzmann machines (no constructor: a
    subclass stores its own arguments, as scikit-learn asks)."""

    #: The estimator's name in error messages.
    _NAME = "RBM"
    #: Whether sparse rows are kept as CSR (else made dense).
    _SPARSE_INPUT = False

    # ---- checks ------------------------------------------------------------------------

    def _dtype(self, data_dtype: DTypeLike | None = None) -> np.dtype:
        """The model's dtype: `dtype` when set; with dtype=None, that of `data_dtype` (the
        input of fit: float32 stays float32, anything else is float64), else the one fit
        chose, else (weights set by hand, or loaded) that of ``components_``."""
        if self.dtype is not None:
            return check_float_dtype(self.dtype)
        if data_dtype is not None:
            return follow_float_dtype(data_dtype)
        chosen = getattr(self, "_fit_dtype", None)
        if chosen is not None:
            return chosen
        return follow_float_dtype(getattr(getattr(self, "components_", None), "dtype", None))

    def _check_hyper(self) -> None:
        """Check every constructor argument (random_state where it is used)."""
        check_positive_int(self.n_components, "n_components")
        check_real(self.learning_rate, "learning_rate", above=0.0)
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_iter, "n_iter")
        _rbm_training.k_schedule(self.k)
        self._check_sampler()
        check_real(self.momentum, "momentum", at_least=0.0, below=1.0)
        check_real(self.weight_decay, "weight_decay", at_least=0.0)
        check_bool(self.shuffle, "shuffle")
        self._dtype()
        resolve_num_threads(self.num_threads)
        check_verbose(self.verbose)
        check_positive_int(self.monitor_rows, "monitor_rows", minimum=0)
        self._check_model_hyper()

    def _check_sampler(self) -> None:
        """Check `sampler` (and what goes with it)."""

    def _check_model_hyper(self) -> None:
        """Check the constructor arguments of the subclass's own model."""

    def _check_X(self, X, *, reset: bool, name: str = "X"):
        """X as a float array of the model's dtype (dense, or CSR when sparse and the
        estimator takes sparse rows; otherwise a sparse matrix is made dense), 2-D, not
        empty, finite. Complex data (dense or sparse) is refused with scikit-learn's
        ValueError, masked arrays with a TypeError (the mask would be ignored). With
        `reset` the model's dtype follows X's (dtype=None) and ``n_features_in_`` is set;
        otherwise X must have ``n_features_in_`` columns."""
        dt = None if reset else self._dtype()     # with reset, X's decides (dtype=None)
        if is_sparse(X) and self._SPARSE_INPUT:
            X, values = self._check_sparse(X, reset=reset, name=name, dt=dt)
        else:
            if is_sparse(X):              # its dense size checked before anything is made
                X = dense_array(X, name) if len(X.shape) == 2 else X.toarray()
            X = values = self._check_dense(X, name=name, dt=dt)
        if X.ndim != 2:
            raise ValueError(f"Expected a 2D array for {name}, got shape {X.shape}. Reshape "
                             "your data with X.reshape(1, -1) if it is a single sample.")
        for axis, what in ((0, "sample"), (1, "feature")):
            if X.shape[axis] < 1:
                raise ValueError(f"Found array with 0 {what}(s) (shape={X.shape}) while a "
                                 f"minimum of 1 is required.")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} contains NaN or infinity")
        if reset:
            # the weights, their gradient and momentum
            check_allocation(3 * X.shape[1] * self.n_components * X.dtype.itemsize,
                             f"{name} with {X.shape[1]} features", "the RBM's weights")
            self.n_features_in_, self._fit_dtype = X.shape[1], X.dtype
        elif X.shape[1] != self._n_features(fitted=False):
            self._refuse_width(X.shape[1], name)
        return X

    def _refuse_width(self, width: int, name: str) -> None:
        raise ValueError(f"{name} has {width} features, but {self._NAME} is expecting "
                         f"{self.n_features_in_} features as input")

    def _check_sparse(self, X, *, reset: bool, name: str, dt):
        """A sparse X as CSR of the model's dtype, and its stored values."""
        kind = np.dtype(X.dtype).kind
        if kind == "c":
            raise ValueError(f"Complex data not supported: {name} must be real, got a "
                             f"sparse matrix of {X.dtype}")
        if kind not in "biuf":
            raise TypeError(f"{name} must be numeric, got a sparse matrix of {X.dtype}")
        # the width before converting: a huge declared shape would allocate its indptr
        if len(X.shape) == 2 and not reset and X.shape[1] != self._n_features(fitted=False):
            self._refuse_width(X.shape[1], name)
        if dt is None:
            dt = self._dtype(X.dtype)
        if len(X.shape) == 2:
            check_allocation(8 * (X.shape[0] + 1) + X.nnz * (dt.itemsize + 8),
                             f"{name} of shape {X.shape}", "its CSR form")
        X = X.tocsr().astype(dt)
        return X, X.data

    def _check_dense(self, X, *, name: str, dt) -> np.ndarray:
        """A dense X as a C-contiguous array of the model's dtype (`dt`, or with dt=None
        the one X's dtype gives)."""
        refuse_masked(X, name)
        arr = np.asarray(X)
        if arr.dtype.kind == "c":
            raise ValueError(f"Complex data not supported: {name} must be real")
        if arr.dtype.kind not in "biufO" or (
                arr.dtype.kind == "O" and any(isinstance(x, (str, bytes)) for x in arr.flat)):
            raise TypeError(f"{name} must be numeric (not strings), got dtype {arr.dtype}")
        if dt is None:
            dt = self._dtype(arr.dtype)
        try:
            return np.ascontiguousarray(arr, dtype=dt)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric: {exc}") from None
        except OverflowError:                 # Python ints beyond any float
            raise ValueError(f"{name} holds integers beyond {dt}") from None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self._SPARSE_INPUT:
            tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = (["float64", "float32"] if self.dtype is None
                                                 else [np.dtype(self.dtype).name])
        return tags

    def _n_features(self, fitted: bool = True) -> int:
        """n_features_in_, checked (with `fitted`, components_ must exist too)."""
        if fitted and not hasattr(self, "components_"):
            raise NotFittedError(f"This {self._NAME} instance is not fitted yet: call fit(X) "
                                 "first")
        if getattr(self, "n_features_in_", None) is None:
            raise ValueError("n_features_in_ is missing: fit the model first")
        return check_positive_int(self.n_features_in_, "n_features_in_")

    # ---- randomness ----------------------------------------------------------------------

    @staticmethod
    def _bernoulli(P: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """0/1 draws with the probabilities P, in P's dtype."""
        return (rng.random(P.shape, dtype=P.dtype) < P).astype(P.dtype)

    def _stream(self) -> np.random.Generator:
        """The estimator's random stream (created by fit, or from random_state)."""
        if not hasattr(self, "_rng"):
            self._rng = np.random.default_rng(seed_sequence(self.random_state, "random_state"))
        return self._rng

    def _new_stream(self) -> np.random.Generator:
        """A fresh estimator stream from random_state (each fit), the chains' streams
        dropped."""
        self._rng = np.random.default_rng(seed_sequence(self.random_state, "random_state"))
        self._chain_streams = None
        return self._rng

    def _streams(self, n_streams: int) -> RandomStreams:
        """The chains' PCG64 streams (one per row or chain of a kernel call), spawned from
        the estimator's stream when there are not yet `n_streams` of them."""
        streams = getattr(self, "_chain_streams", None)
        if streams is None or len(streams) < n_streams:
            streams = self._chain_streams = RandomStreams(self._stream(), n_streams,
                                                          "random_state")
        return streams

    def _sampling(self, n_samples: int, num_sweeps: int, seed: SeedLike,
                  bytes_per_chain: int) -> tuple[int, int, np.random.Generator]:
        """`sample`'s arguments checked (the chains' states at `bytes_per_chain` each
        against this machine's memory) and its Generator."""
        n_samples = check_positive_int(n_samples, "n_samples")
        num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
        check_allocation(n_samples * bytes_per_chain, f"n_samples={n_samples}",
                         "the chains' states")
        return n_samples, num_sweeps, np.random.default_rng(seed_sequence(seed))

    # ---- learning ----------------------------------------------------------------------

    def _start_partial_fit(self, X):
        """partial_fit's checks: X, and on the first call a fresh model for it."""
        self._check_hyper()
        first = not hasattr(self, "components_")
        X = self._check_X(X, reset=first)
        if first:
            self._initialize(X)
        return X

    def _monitor_rows(self, V: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """At most ``monitor_rows`` rows of V, drawn once per fit, in their order."""
        return V[np.sort(rng.permutation(V.shape[0])[:int(self.monitor_rows)])]

    def _epochs(self, train: Callable[[int], None], monitors: Callable[[object], str],
                verbose: int) -> None:
        """The fit loop: ``train(epoch)`` for each of the `n_iter` epochs, then
        ``monitors(bar)`` (the monitors of ``history_``, returning the text of the verbose
        line, e.g. ``" pseudo-likelihood = -25.39,"``); with `verbose` a progress bar
        (stderr) and scikit-learn's line per epoch on stdout.

        Ctrl-C: the kernel stops between mini-batches and raises KeyboardInterrupt, the
        model keeping every finished batch; ``interrupted_`` is set, ``n_iter_`` counts
        whole epochs only, and ``history_`` keeps the epochs whose monitors all ran."""
        self.n_iter_, self.interrupted_ = 0, False
        bar = progress_bar(self.n_iter, verbose > 0, "epochs", "epoch")
        clock = time.perf_counter()
        try:
            for epoch in range(self.n_iter):
                train(epoch)
                self.n_iter_ += 1
                bar.update(1)
                line = monitors(bar)
                if verbose:                       # scikit-learn's line, on stdout
                    now = time.perf_counter()
                    bar.write(f"[{type(self).__name__}] Iteration {self.n_iter_},{line} "
                              f"time = {now - clock:.2f}s")
                    clock = now
        except KeyboardInterrupt:
            self.interrupted_ = True
        finally:
            bar.close()
            shortest = min(map(len, self.history_.values()), default=0)
            for values in self.history_.values():    # an epoch whose monitors Ctrl-C cut
                del values[shortest:]
