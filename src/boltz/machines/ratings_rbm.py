r"""The collaborative-filtering RBM (Salakhutdinov, Mnih & Hinton, "Restricted Boltzmann
Machines for Collaborative Filtering", ICML 2007): ratings as softmax visible units.

Every user has an RBM of its own over the items it rated, and all of them share the
weights. An item i the user rated is a K-way softmax visible unit :math:`v_i \in \{1..K\}`
(one of the rating levels); the items the user did not rate are absent from its RBM (not
zeros). With binary hidden units h (``n_components`` of them),

.. math:: E(V, h) = -\sum_{i \in I_u} \sum_j W_{i v_i j} h_j - \sum_{i \in I_u} b_{i v_i}
                    - \sum_j c_j h_j - \sum_{i \in S_u} \sum_j D_{ij} h_j ,

where :math:`I_u` are the items the user rated and, in the conditional variant, :math:`S_u`
the items the user is known to have seen (rated, with or without a known rating) and D
their weights (the paper's conditional RBM). The free energy of a user's ratings is
:math:`F(V) = -\sum_{i \in I_u} b_{i v_i} - \sum_j \operatorname{softplus}(x_j)`,
:math:`x = c + \sum_{i \in I_u} W_{i v_i} + \sum_{i \in S_u} D_i`, in nats.

A rating is predicted exactly: summing the hidden units out,

.. math:: P(v_q = l \mid V) \propto \exp\Big(b_{ql} + \sum_j
          \operatorname{softplus}(x_j + W_{qlj})\Big),

O(K F) per query (not the paper's mean-field shortcut), and the prediction is its mean
:math:`\sum_l \text{level}_l P(v_q = l \mid V)`.

In the item orientation (``orientation="item"``, the I-RBM of Sedhain et al. 2015,
"AutoRec") the roles swap: an RBM per item over the users who rated it.

Module layout: this estimator; ``_ratings_data`` reads the input forms and builds the
per-row lists; ``_ratings_partition`` computes per-user log-likelihoods (exact or AIS); the
compiled kernels are ``boltz._core._ratings_epoch`` (training epochs, exact predictions).
"""
from __future__ import annotations

import itertools
import os
import time
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from boltz._memory import check_allocation
from boltz._progress import progress_bar
from boltz._random import RandomStreams, SeedLike, seed_sequence
from boltz._validation import (
    check_bool,
    check_choice,
    check_float_dtype,
    check_positive_int,
    check_real,
    check_verbose,
    resolve_num_threads,
)
from boltz.machines import _rbm_training
from boltz.machines._estimator import ParamsMixin
from boltz.machines._ratings_data import (
    IdMap,
    RowLists,
    check_levels,
    level_index,
    read_triples,
)
from boltz.machines._rbm_kernels import sigmoid

__all__ = ["RatingsRBM"]

#: The forms ratings come in: a users x items scipy.sparse matrix, a tuple of (users, items,
#: ratings) arrays, or a DataFrame whose first three columns are those
Ratings = object
#: (user, item) pairs: a tuple of two arrays, or a scipy.sparse indicator matrix
Pairs = object

ORIENTATIONS = ("user", "item")
RATE_GROUPS = ("weights", "visible_bias", "hidden_bias", "conditional")
# the exact leave-one-out RMSE of history_["train_rmse"] is measured on at most this many
# training ratings (every m-th one: no random draw)
MONITOR_RATINGS = 20000
# multiply-adds per call of the prediction kernel (about 10 ms): Ctrl-C is taken between calls
PREDICT_BLOCK = 1 << 23
# the kernel counts Gibbs steps in a C int
MAX_K = 2**31 - 1


class NotFittedError(ValueError, AttributeError):
    """Raised when a method needs a fitted RatingsRBM."""


def _segment_sums(values: np.ndarray, rows: np.ndarray, indptr: np.ndarray,
                  cases: np.ndarray) -> np.ndarray:
    """Per case, the sum of values[rows[indptr[case]:indptr[case + 1]]] (zeros for an
    empty list): an array (len(cases), values.shape[1])."""
    lengths = indptr[cases + 1] - indptr[cases]
    ends = np.cumsum(lengths)
    at = np.arange(ends[-1] if ends.size else 0) + np.repeat(indptr[cases] - ends + lengths,
                                                             lengths)
    out = np.zeros((cases.size, values.shape[1]))
    filled = lengths > 0
    if filled.any():
        out[filled] = np.add.reduceat(values[rows[at]], (ends - lengths)[filled], axis=0)
    return out


def _padded_width(n: int, dtype: np.dtype) -> int:
    lanes = 32 // dtype.itemsize
    return -(-n // lanes) * lanes


class RatingsRBM(ParamsMixin):
    r"""Restricted Boltzmann machine for ratings (collaborative filtering): softmax visible
    units over the items each user rated, binary hidden units, weights shared by all users.

    The model of Salakhutdinov, Mnih & Hinton (2007), with its conditional variant and the
    item orientation; see the module's documentation for the energy and the exact
    prediction :math:`P(v_q = l \mid V)`. Trained by CD-k (k may rise over the epochs, as
    the paper's 1 → 3 → 5 → 9) on mini-batches of users, with momentum and weight decay;
    one compiled epoch per call, users split among threads, the same model for any
    ``num_threads``.

    Parameters
    ----------
    n_components : int
        Number of binary hidden units F.
    levels : sequence of float
        The rating levels (K of them, 2 to 64); every rating must be one of them.
    conditional : bool
        The conditional RBM: which items a user has seen (its rated items, and the pairs
        given to ``fit`` as `seen`) feeds the hidden units through D.
    orientation : {"user", "item"}
        One RBM per user over the items it rated (the paper's), or one per item over its
        users, usually the more accurate: Sedhain et al. report 0.854 against 0.881 RMSE on
        MovieLens 1M; on MovieLens 100k's seeded 80/20 split boltz measures 0.912 against
        0.949 (bench/test_bench_ratings_movielens.py).
    learning_rate : float or mapping
        The learning rate, or one per parameter group: a mapping with keys among
        "weights", "visible_bias", "hidden_bias", "conditional" (missing keys take
        "weights"' rate). The step is the rate times the batch's gradient summed over its
        users and divided by `batch_size` (so a last, smaller batch takes a smaller step,
        as in ``RBM``). The defaults (0.05, weight decay 0.01, 50 epochs) were chosen on a
        validation part of MovieLens 100k's training ratings; the paper's 0.01 and 0.001
        (with batches of 1000 on Netflix) learn too slowly, then overfit, on it.
    momentum : float
        Momentum in [0, 1) of every parameter group.
    weight_decay : float
        L2 penalty on W and D (not on the biases), >= 0. Momentum and weight decay act on
        the weight rows a batch touches (the item-levels in its data or reconstructions):
        a sparse update, as in sparse SGD; rows of items outside the batch stay as they are.
    batch_size : int
        Users per mini-batch.
    n_iter : int
        Training epochs.
    k : int or sequence of int
        Gibbs steps of CD per epoch: an int, or one per epoch whose last entry holds for the
        remaining epochs (e.g. ``[1] * 10 + [3] * 10 + [5]``).
    random_state : None, int, SeedSequence or Generator
        Seed of the initial weights, the users' order and every draw.
    verbose : int
        0 silent, 1 a progress bar and a line per epoch.
    num_threads : int, optional
        OpenMP threads (None: every available core); the result does not depend on it.
    dtype : float32 or float64
        The parameters' float type (float32 by default: half the memory, twice the SIMD
        lanes); predictions are float64 either way.
    visible_bias_init : {"data", "zeros"}
        The visible biases' start: "data", the log of each item's level frequencies in the
        training ratings, add-one smoothed, :math:`b_{il} = \log((n_{il} + 1) / (n_i +
        K))` (the softmax form of the log-odds start of ``RBM``; Hinton's practical guide,
        §8), or "zeros" (every level equally likely).

    Attributes
    ----------
    components_ : ndarray (n_units, K, n_components)
        W: the weights of item i at level l (n_units: items, or users in the item
        orientation).
    intercept_visible_ : ndarray (n_units, K)
        b (see `visible_bias_init`).
    intercept_hidden_ : ndarray (n_components,)
        c.
    conditional_components_ : ndarray (n_units, n_components) or None
        D of the conditional variant.
    levels_ : ndarray (K,)
        The sorted levels.
    user_ids_, item_ids_ : ndarray
        The ids seen by ``fit`` (row and column numbers for a sparse matrix), in the order
        of their indices.
    history_ : dict of lists
        Per epoch: "reconstruction_rmse" (the expected rating of the last CD step's
        reconstruction against the data), "train_rmse" (the exact leave-one-out prediction
        :math:`P(v_i \mid V_{-i})` of up to 20,000 training ratings), "epoch_time" (s), and
        "validation_rmse" / "validation_mae" with ``validation_data``.
    n_iter_ : int
        Epochs completed.
    interrupted_ : bool
        Whether Ctrl-C stopped ``fit`` (the model keeps every finished mini-batch).

    Notes
    -----
    Cold start: a user with no training ratings, or an item the model never saw, has no
    RBM to condition on; its prediction is the distribution of the known side's training
    ratings (the item's, else the user's), else of all training ratings: the item's, the
    user's or the global mean rating.

    References
    ----------
    R. Salakhutdinov, A. Mnih, G. Hinton, "Restricted Boltzmann machines for collaborative
    filtering", ICML 2007. S. Sedhain, A. K. Menon, S. Sanner, L. Xie, "AutoRec:
    autoencoders meet collaborative filtering", WWW 2015 (I-RBM against U-RBM).

    Examples
    --------
    >>> import numpy as np, boltz
    >>> users = np.repeat(np.arange(40), 5)
    >>> items = np.tile(np.arange(5), 40)
    >>> ratings = np.where(users % 2 == 0, 1, 5)              # two kinds of users
    >>> rbm = boltz.RatingsRBM(8, batch_size=10, random_state=0).fit((users, items, ratings))
    >>> rbm.predict([0, 1], [2, 2]).round(1)   # each from the user's four other ratings
    array([1.1, 5. ])
    """

    def __init__(self, n_components: int = 100, *, levels: ArrayLike = (1, 2, 3, 4, 5),
                 conditional: bool = False, orientation: str = "user",
                 learning_rate: float | Mapping = 0.05, momentum: float = 0.9,
                 weight_decay: float = 0.01, batch_size: int = 100, n_iter: int = 50,
                 k: int | list = 1, random_state: SeedLike = None, verbose: int = 0,
                 num_threads: int | None = None, dtype: DTypeLike = np.float32,
                 visible_bias_init: str = "data"):
        self.n_components = n_components
        self.levels = levels
        self.conditional = conditional
        self.orientation = orientation
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.k = k
        self.random_state = random_state
        self.verbose = verbose
        self.num_threads = num_threads
        self.dtype = dtype
        self.visible_bias_init = visible_bias_init

    def __repr__(self) -> str:
        return f"RatingsRBM(n_components={self.n_components!r})"

    # ---- checks ------------------------------------------------------------------------

    def _learning_rates(self) -> np.ndarray:
        """The four groups' rates (weights, visible bias, hidden bias, conditional)."""
        lr = self.learning_rate
        if isinstance(lr, Mapping):
            unknown = set(lr) - set(RATE_GROUPS)
            if unknown:
                raise ValueError(f"learning_rate has unknown groups {sorted(unknown)}; "
                                 f"the groups are {RATE_GROUPS}")
            base = check_real(lr.get("weights", 0.05), "learning_rate['weights']", above=0)
            return np.array([check_real(lr.get(g, base), f"learning_rate[{g!r}]", above=0)
                             for g in RATE_GROUPS])
        return np.full(4, check_real(lr, "learning_rate", above=0))

    def _check_hyper(self) -> None:
        check_positive_int(self.n_components, "n_components")
        check_levels(self.levels)
        check_bool(self.conditional, "conditional")
        check_choice(self.orientation, "orientation", ORIENTATIONS)
        self._learning_rates()
        check_real(self.momentum, "momentum", at_least=0, below=1)
        check_real(self.weight_decay, "weight_decay", at_least=0)
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_iter, "n_iter")
        if max(_rbm_training.k_schedule(self.k)) > MAX_K:
            raise ValueError(f"k must be <= {MAX_K} Gibbs steps, got {self.k!r:.60}")
        check_verbose(self.verbose)
        resolve_num_threads(self.num_threads)
        check_float_dtype(self.dtype)
        check_choice(self.visible_bias_init, "visible_bias_init", _rbm_training.BIAS_INITS)

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise NotFittedError("This RatingsRBM instance is not fitted yet: call fit first")

    # ---- data --------------------------------------------------------------------------

    def _cases_units(self, users: np.ndarray, items: np.ndarray):
        """(rows of the RBM, its visible units): users and items, or swapped."""
        return (users, items) if self.orientation == "user" else (items, users)

    def _read(self, X, name: str):
        """X's ratings as fitted indices: (user index, item index, level index, rating);
        unknown ids get index -1."""
        users, items, ratings, _ = read_triples(X, name)
        return (self._user_map.index(users), self._item_map.index(items),
                level_index(ratings, self.levels_, name), ratings)

    def _setup(self, X, seen) -> None:
        """Id maps, levels and the training lists of the model from fit's data."""
        users, items, ratings, shape = read_triples(X, "X")
        if users.size == 0:
            raise ValueError("X holds no ratings")
        self.levels_ = check_levels(self.levels)
        levels = level_index(ratings, self.levels_, "X")
        if shape is not None:       # a sparse matrix's every row and column is a user / item
            check_allocation(sum(shape) * (32 + 16 * self.levels_.size), f"X of shape {shape}",
                             "the ids, per-user lists and level counts of its rows and columns")
        self._user_map = IdMap(users, None if shape is None else shape[0])
        self._item_map = IdMap(items, None if shape is None else shape[1])
        self.user_ids_, self.item_ids_ = self._user_map.ids, self._item_map.ids
        u, i = self._user_map.index(users), self._item_map.index(items)
        cases, units = self._cases_units(u, i)
        n_cases, n_units = self._cases_units(len(self._user_map), len(self._item_map))
        self._lists = RowLists.build(cases, units, levels, n_cases, "X")
        self._seen = None
        if seen is not None and not check_bool(self.conditional, "conditional"):
            raise ValueError("seen is for the conditional variant: set conditional=True")
        if check_bool(self.conditional, "conditional"):
            self._seen = self._seen_lists(seen, cases, units, n_cases)
        self._n_units = n_units
        self._counts_from_lists()

    def _counts_from_lists(self) -> None:
        """The training ratings' level counts per user and per item (for cold starts)."""
        K, L = self.levels_.size, self._lists
        cases = np.repeat(np.arange(L.indptr.size - 1), L.counts)
        users, items = self._cases_units(cases, L.units)
        self._user_counts = np.zeros((len(self._user_map), K))
        self._item_counts = np.zeros((len(self._item_map), K))
        np.add.at(self._user_counts, (users, L.levels), 1)
        np.add.at(self._item_counts, (items, L.levels), 1)

    def _seen_lists(self, seen, cases, units, n_cases) -> RowLists:
        """The seen units of every case: its rated ones and the pairs of `seen`."""
        if seen is not None:
            if hasattr(seen, "tocoo") and hasattr(seen, "nnz"):
                coo = seen.tocoo()
                su, si = coo.row.astype(np.int64), coo.col.astype(np.int64)
            elif isinstance(seen, (tuple, list)) and len(seen) == 2:
                su, si = np.asarray(seen[0]), np.asarray(seen[1])
            else:
                raise TypeError("seen must be a tuple (users, items) or a scipy.sparse "
                                "indicator matrix")
            if np.ndim(su) != 1 or np.shape(su) != np.shape(si):
                raise ValueError("seen's users and items must be 1-D and equally long")
            su, si = self._user_map.index(su), self._item_map.index(si)
            if np.any(su < 0) or np.any(si < 0):
                raise ValueError("seen names a user or an item that X does not rate")
            extra_cases, extra_units = self._cases_units(su, si)
            cases = np.concatenate([cases, extra_cases])
            units = np.concatenate([units, extra_units])
        pairs = np.unique(np.stack([cases, units]), axis=1)
        return RowLists.build(pairs[0], pairs[1], np.zeros(pairs.shape[1], dtype=np.int32),
                              n_cases, "seen")

    # ---- parameters as the kernels take them -------------------------------------------

    def _kernel_arrays(self) -> dict:
        """Padded copies of the parameters: Wt (n_rows, ph), b (n_units K), c (ph)."""
        dt = check_float_dtype(self.dtype)
        F = self.n_components
        ph = _padded_width(F, dt)
        rows = self._weight_rows(dt)
        Wt = np.zeros((rows.shape[0], ph), dtype=dt)
        Wt[:, :F] = rows
        c = np.zeros(ph, dtype=dt)
        c[:F] = self.intercept_hidden_
        return {"Wt": Wt, "b": self.intercept_visible_.reshape(-1).astype(dt), "c": c}

    def _store(self, arrays: dict) -> None:
        """The kernel's arrays back into the public attributes."""
        n_units, K, F = self.components_.shape
        Wt = arrays["Wt"]
        self.components_ = Wt[:n_units * K, :F].reshape(n_units, K, F).copy()
        if self.conditional_components_ is not None:
            self.conditional_components_ = Wt[n_units * K:, :F].copy()
        self.intercept_visible_ = arrays["b"].reshape(n_units, K).copy()
        self.intercept_hidden_ = arrays["c"][:F].copy()

    def _initialize(self) -> None:
        dt = check_float_dtype(self.dtype)
        K, F, n = self.levels_.size, self.n_components, self._n_units
        # three independent streams, so that the weights' draw (whose size is the
        # catalogue's) changes neither the users' order nor the CD draws: an item nobody
        # rated, added last, changes no other parameter
        n_rows = n * K + (n if self._seen is not None else 0)
        check_allocation(n_rows * F * 8 * 4, f"n_components={F}",
                         "the weights, their velocities and the kernel's copies")
        rng = np.random.default_rng(self._init_streams())
        counts = np.zeros((n, K))
        np.add.at(counts, (self._lists.units, self._lists.levels), 1)
        self.components_ = rng.normal(0, 0.01, (n, K, F)).astype(dt)
        self.intercept_visible_ = (
            np.log((counts + 1) / (counts.sum(1, keepdims=True) + K))
            if self.visible_bias_init == "data" else np.zeros((n, K))).astype(dt)
        self.intercept_hidden_ = np.zeros(F, dtype=dt)
        self.conditional_components_ = (np.zeros((n, F), dtype=dt)
                                        if self._seen is not None else None)
        self._velocity = None

    def _init_streams(self) -> np.random.SeedSequence:
        """The users' order and CD streams from random_state; returns the weights' seed."""
        init, order, chains = seed_sequence(self.random_state, "random_state").spawn(3)
        self._rng = np.random.default_rng(order)
        self._streams = RandomStreams(chains, self._batch_rows(), "random_state")
        return init

    def _conditioning(self) -> tuple[np.ndarray, np.ndarray]:
        """Per case, the kernel rows it conditions on: its ratings, then its seen units."""
        K = self.levels_.size
        rated = self._lists.visible_rows(K)
        if self._seen is None:
            return self._lists.indptr, rated
        seen = (self._seen.units + self._n_units * K).astype(np.int32)
        counts = self._lists.counts + self._seen.counts
        indptr = np.zeros(counts.size + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        rows = np.empty(indptr[-1], dtype=np.int32)
        # each case's ratings then its seen units
        rated_at = np.repeat(indptr[:-1], self._lists.counts) + (
            np.arange(rated.size) - np.repeat(self._lists.indptr[:-1], self._lists.counts))
        rows[rated_at] = rated
        seen_at = np.repeat(indptr[:-1] + self._lists.counts, self._seen.counts) + (
            np.arange(seen.size) - np.repeat(self._seen.indptr[:-1], self._seen.counts))
        rows[seen_at] = seen
        return indptr, rows

    # ---- training ----------------------------------------------------------------------

    def _epoch(self, order: np.ndarray, k: int, batch_rows: int) -> np.ndarray:
        """One CD-k epoch over the cases `order` (one kernel call); returns the cases'
        reconstruction squared errors. Ctrl-C: the kernel stops between batches and the
        model keeps every finished batch."""
        from boltz._core import _ratings_epoch

        arrays = self._kernel_arrays()
        if self._velocity is None:
            self._velocity = [np.zeros_like(arrays["Wt"]), np.zeros_like(arrays["b"]),
                              np.zeros_like(arrays["c"])]
        K, F = self.levels_.size, self.n_components
        if self._seen is None:
            seen_ptr = np.zeros(self._lists.indptr.size, dtype=np.int64)
            seen = np.zeros(0, dtype=np.int32)
        else:
            seen_ptr = self._seen.indptr
            seen = (self._seen.units + self._n_units * K).astype(np.int32)
        sq_err = np.zeros(self._lists.indptr.size - 1)
        finite = True
        try:
            _ratings_epoch.train_epoch(
                self._lists.indptr, self._lists.visible_rows(K), seen_ptr, seen,
                order.astype(np.int64), batch_rows, self._n_units, K, F,
                self.levels_, arrays["Wt"], arrays["b"], arrays["c"], *self._velocity,
                self._learning_rates(), float(self.momentum), float(self.weight_decay), k,
                self._streams_for(batch_rows).addresses,
                resolve_num_threads(self.num_threads), sq_err)
        finally:
            # a diverged epoch is not kept: the model stays as it was before it
            finite = all(np.all(np.isfinite(a)) for a in arrays.values())
            if finite:
                self._store(arrays)
            else:
                self._velocity = None
        if not finite:
            raise ValueError("training diverged (weights became inf or nan in this epoch, "
                             "which was not kept): lower learning_rate")
        return sq_err

    def fit(self, X: Ratings, y: object = None, *, seen: Pairs | None = None,
            validation_data: Ratings | None = None) -> RatingsRBM:
        """Train for `n_iter` epochs of CD-k on mini-batches of users.

        Parameters
        ----------
        X : scipy.sparse matrix, tuple (users, items, ratings) or DataFrame
            The training ratings: a users x items sparse matrix whose stored entries are
            ratings, three equally long arrays, or a DataFrame whose first three columns
            are user, item and rating. Ids may be of any hashable type.
        y : None
            Ignored (scikit-learn's signature).
        seen : tuple (users, items) or scipy.sparse matrix, optional
            Conditional variant only: further (user, item) pairs known to be rated with an
            unknown rating (e.g. those whose ratings you will predict: the paper's
            setting). Their ids must occur in X.
        validation_data : same forms as X, optional
            Held-out ratings, for ``history_["validation_rmse"]`` and ``"validation_mae"``.

        Returns
        -------
        RatingsRBM
            self, fitted.
        """
        self._check_hyper()
        self._setup(X, seen)
        self._initialize()
        held = None
        if validation_data is not None:
            held = self._queries(validation_data, "validation_data")
            if held[2].size == 0:
                raise ValueError("validation_data holds no ratings")
        active = np.flatnonzero(self._lists.counts > 0)
        monitor = self._train_monitor()
        verbose = check_verbose(self.verbose)
        self.history_ = {"reconstruction_rmse": [], "train_rmse": [], "epoch_time": []}
        if held is not None:
            self.history_.update(validation_rmse=[], validation_mae=[])
        self.n_iter_, self.interrupted_ = 0, False
        bar = progress_bar(self.n_iter, verbose > 0, "epochs", "epoch")
        try:
            for epoch in range(self.n_iter):
                clock = time.perf_counter()
                sq_err = self._epoch(self._rng.permutation(active),
                                     _rbm_training.k_of_epoch(self.k, epoch),
                                     self._batch_rows())
                spent = time.perf_counter() - clock
                self.n_iter_ += 1
                bar.update(1)
                entry = {"reconstruction_rmse": float(np.sqrt(sq_err.sum()
                                                             / self._lists.units.size)),
                         "train_rmse": self._rmse_of(*monitor)[0], "epoch_time": spent}
                if held is not None:
                    entry["validation_rmse"], entry["validation_mae"] = self._rmse_of(*held)
                for key, value in entry.items():
                    self.history_[key].append(value)
                if verbose:
                    shown = ", ".join(f"{key} = {value:.4f}" for key, value in entry.items()
                                      if key != "epoch_time")
                    bar.write(f"[RatingsRBM] Iteration {self.n_iter_}, {shown}, "
                              f"time = {spent:.2f}s")
        except KeyboardInterrupt:
            self.interrupted_ = True
        finally:
            bar.close()
            shortest = min(map(len, self.history_.values()))
            for values in self.history_.values():
                del values[shortest:]
        return self

    def _batch_rows(self) -> int:
        """Users per batch: batch_size, or every user with ratings when fewer."""
        return max(1, min(int(self.batch_size), int(np.count_nonzero(self._lists.counts))))

    def _streams_for(self, batch_rows: int) -> RandomStreams:
        """The users' random streams, one per user of a batch (more are spawned when a
        partial_fit batch is larger than batch_size)."""
        if len(self._streams) < batch_rows:
            extra = RandomStreams(self._rng, batch_rows - len(self._streams), "random_state")
            self._streams = RandomStreams.from_state(
                np.concatenate([self._streams.state, extra.state]))
        return self._streams

    def partial_fit(self, X: Ratings, y: object = None, *, seen: Pairs | None = None) -> RatingsRBM:
        """One CD update from the ratings X taken as a single mini-batch of all its users.

        The first call sets the model up from X (ids, levels, parameters) as ``fit`` does.
        Later calls need X's users and items to be among those (ValueError otherwise):
        X's ratings are merged into the model's (X's rating wins for a pair rated in both),
        the update runs over X's users (on all their ratings), and the predictions condition
        on the merged ratings.

        Parameters
        ----------
        X : scipy.sparse matrix, tuple (users, items, ratings) or DataFrame
            Ratings, in the forms ``fit`` takes.
        y : None
            Ignored (scikit-learn's signature).
        seen : tuple (users, items) or scipy.sparse matrix, optional
            As in ``fit`` (conditional variant).

        Returns
        -------
        RatingsRBM
            self.
        """
        self._check_hyper()
        if not hasattr(self, "components_"):
            self._setup(X, seen)
            self._initialize()
        else:
            if not hasattr(self, "_streams"):     # loaded: the streams start afresh
                self._init_streams()
            users, items, levels, _ = self._read(X, "X")
            if np.any(users < 0) or np.any(items < 0):
                raise ValueError("X names a user or an item the model was not set up with "
                                 "(partial_fit keeps the ids of its first call)")
            if seen is not None and self._seen is None:
                raise ValueError("seen is for the conditional variant: set conditional=True")
            cases, units = self._cases_units(users, items)
            L, n_cases = self._lists, self._lists.indptr.size - 1
            # the model's pairs that X does not rate, then X's (a pair X rates twice is
            # refused by the build)
            old_cases = np.repeat(np.arange(n_cases), L.counts)
            width = self._n_units + 1
            keep = ~np.isin(old_cases * width + L.units, cases * width + units)
            self._lists = RowLists.build(
                np.concatenate([old_cases[keep], cases]),
                np.concatenate([L.units[keep], units]),
                np.concatenate([L.levels[keep], levels]), n_cases, "X")
            self._counts_from_lists()
            if self._seen is not None:
                S = self._seen
                seen_cases = np.repeat(np.arange(n_cases), S.counts)
                self._seen = self._seen_lists(seen, np.concatenate([seen_cases, cases]),
                                              np.concatenate([S.units, units]), n_cases)
            active = np.unique(cases)
            self._epoch(active, _rbm_training.k_of_epoch(self.k, 0), max(1, active.size))
            return self
        active = np.flatnonzero(self._lists.counts > 0)
        self._epoch(active, _rbm_training.k_of_epoch(self.k, 0), max(1, active.size))
        return self

    # ---- prediction --------------------------------------------------------------------

    def _train_monitor(self):
        """The training ratings of history_["train_rmse"]: every m-th, m chosen so that at
        most MONITOR_RATINGS are used; queries of each on its own case, leave-one-out."""
        n = self._lists.units.size
        take = np.arange(0, n, max(1, -(-n // MONITOR_RATINGS)))
        cases = np.repeat(np.arange(self._lists.indptr.size - 1), self._lists.counts)[take]
        units = self._lists.units[take].astype(np.int64)
        users, items = self._cases_units(cases, units)
        return users, items, self.levels_[self._lists.levels[take]]

    def _queries(self, X, name: str):
        users, items, levels, _ = self._read(X, name)
        return users, items, self.levels_[levels]

    def _rmse_of(self, users, items, ratings) -> tuple[float, float]:
        if ratings.size == 0:
            return float("nan"), float("nan")
        err = self._proba(users, items) @ self.levels_ - ratings
        return float(np.sqrt(np.mean(err * err))), float(np.mean(np.abs(err)))

    def _proba(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """P (n, K) for user and item indices (-1: unknown)."""
        from boltz._core import _ratings_epoch

        K = self.levels_.size
        out = np.empty((users.size, K))
        cases, units = self._cases_units(users, items)
        known = (cases >= 0) & (units >= 0)
        if known.any():
            known[known] &= self._lists.counts[cases[known]] > 0
        # cold starts: the level distribution of the item's, the user's or all ratings
        cold = np.flatnonzero(~known)
        counts = np.zeros((cold.size, K))
        item_known, user_known = items[cold] >= 0, users[cold] >= 0
        counts[item_known] = self._item_counts[items[cold][item_known]]
        use_user = (counts.sum(1) == 0) & user_known
        counts[use_user] = self._user_counts[users[cold][use_user]]
        counts[counts.sum(1) == 0] = self._item_counts.sum(0)
        out[cold] = counts / counts.sum(1, keepdims=True)
        at = np.flatnonzero(known)
        if at.size:
            q_cases, q_units = cases[at], units[at]
            order = np.argsort(q_cases, kind="stable")
            q_cases, q_units, at = q_cases[order], q_units[order], at[order]
            groups, starts = np.unique(q_cases, return_index=True)
            query_ptr = np.append(starts, q_cases.size).astype(np.int64)
            indptr, given = self._conditioning()
            drop = self._own_rows(q_cases, q_units)
            arrays = self._kernel_arrays()
            threads = resolve_num_threads(self.num_threads)
            # blocks of whole groups of about PREDICT_BLOCK multiply-adds: Ctrl-C is taken
            # between them
            per_group = np.diff(query_ptr) * K * self.n_components
            block = np.searchsorted(np.cumsum(per_group) // PREDICT_BLOCK,
                                    np.arange(per_group.sum() // PREDICT_BLOCK + 2))
            for g0, g1 in itertools.pairwise(np.unique(np.append(block, groups.size))):
                q0, q1 = query_ptr[g0], query_ptr[g1]
                out[at[q0:q1]] = _ratings_epoch.predict_proba(
                    indptr, given, query_ptr[g0:g1 + 1] - q0, groups[g0:g1].astype(np.int64),
                    q_units[q0:q1].astype(np.int32), drop[q0:q1], arrays["Wt"], arrays["b"],
                    arrays["c"], self._n_units, K, self.n_components, threads)
        return out

    def _own_rows(self, cases: np.ndarray, units: np.ndarray) -> np.ndarray:
        """For each (case, unit) query, the kernel row of the case's own rating of the unit
        (left out of the conditioning: P(v_q | V without v_q)), or -1 if it has none."""
        L = self._lists
        lo, hi = L.indptr[cases], L.indptr[cases + 1]
        # binary search of the unit inside each case's sorted list
        key = cases.astype(np.int64) * (self._n_units + 1) + units
        flat = np.repeat(np.arange(L.indptr.size - 1), L.counts) * (self._n_units + 1) + L.units
        at = np.searchsorted(flat, key)
        found = (at < hi) & (at >= lo)
        found[found] &= L.units[at[found]] == units[found]
        rows = np.full(cases.size, -1, dtype=np.int32)
        K = self.levels_.size
        rows[found] = L.units[at[found]] * K + L.levels[at[found]]
        return rows

    def _indices(self, users: ArrayLike, items: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        from boltz.machines._ratings_data import _ids

        users, items = _ids(users, "users"), _ids(items, "items")
        if users.shape != items.shape:
            raise ValueError(f"users and items must have the same length, got {users.size} "
                             f"and {items.size}")
        return self._user_map.index(users), self._item_map.index(items)

    def predict_proba(self, users: ArrayLike, items: ArrayLike) -> np.ndarray:
        r"""The distribution of each (user, item) rating over the levels.

        :math:`P(v_q = l \mid V) \propto \exp(b_{ql} + \sum_j \operatorname{softplus}(x_j +
        W_{qlj}))`, exact, given the user's training ratings (for a pair rated in training,
        its own rating is left out: the Gibbs conditional). Cold starts: see the class's
        Notes.

        Parameters
        ----------
        users, items : array_like (n,)
            The ids of the pairs.

        Returns
        -------
        ndarray of float64 (n, K)
            Probabilities over ``levels_``; each row sums to 1.
        """
        return self._proba(*self._indices(users, items))

    def predict(self, users: ArrayLike, items: ArrayLike) -> np.ndarray:
        r"""Expected ratings :math:`\sum_l \text{levels}_l P(v_q = l \mid V)`.

        Parameters
        ----------
        users, items : array_like (n,)
            The ids of the pairs.

        Returns
        -------
        ndarray of float64 (n,)
            The predictions, in the units of the ratings.
        """
        return self.predict_proba(users, items) @ self.levels_

    def rmse(self, X: Ratings) -> float:
        """Root mean squared error of ``predict`` on the ratings X.

        Parameters
        ----------
        X : scipy.sparse matrix, tuple (users, items, ratings) or DataFrame
            Ratings, in the forms ``fit`` takes.

        Returns
        -------
        float
            :math:`\\sqrt{\\text{mean}((\\hat r - r)^2)}`, in rating units.
        """
        self._check_fitted()
        return self._rmse_of(*self._queries(X, "X"))[0]

    def mae(self, X: Ratings) -> float:
        """Mean absolute error of ``predict`` on the ratings X.

        Parameters
        ----------
        X : scipy.sparse matrix, tuple (users, items, ratings) or DataFrame
            Ratings, in the forms ``fit`` takes.

        Returns
        -------
        float
            :math:`\\text{mean}(|\\hat r - r|)`, in rating units.
        """
        self._check_fitted()
        return self._rmse_of(*self._queries(X, "X"))[1]

    def score(self, X: Ratings, y: object = None) -> float:
        """Minus the RMSE on X (greater is better, scikit-learn's convention).

        Parameters
        ----------
        X : scipy.sparse matrix, tuple (users, items, ratings) or DataFrame
            Ratings, in the forms ``fit`` takes.
        y : None
            Ignored.

        Returns
        -------
        float
            ``-rmse(X)``.
        """
        return -self.rmse(X)

    def recommend(self, user: object, n: int = 10, exclude_rated: bool = True) -> np.ndarray:
        """The `n` items of highest predicted rating for one user.

        Parameters
        ----------
        user : hashable
            A user id seen by ``fit``.
        n : int
            How many items (fewer if fewer are left).
        exclude_rated : bool
            Leave out the items the user rated in training.

        Returns
        -------
        ndarray
            Item ids, best first (ties: the lower item index first).
        """
        self._check_fitted()
        n = check_positive_int(n, "n")
        from boltz.machines._ratings_data import _ids

        if np.ndim(user) != 0:
            raise TypeError(f"user must be one id, got {type(user).__name__}")
        u = self._user_map.index(_ids([user], "user"))[0]
        if u < 0:
            raise ValueError(f"user {user!r} is not a user of the training data")
        n_items = len(self._item_map)
        items = np.arange(n_items)
        scores = self._proba(np.full(n_items, u), items) @ self.levels_
        if check_bool(exclude_rated, "exclude_rated"):
            rated = np.zeros(n_items, dtype=bool)
            cases, units = self._cases_units(np.full(n_items, u), items)
            rated[self._own_rows(cases, units) >= 0] = True
            scores = np.where(rated, -np.inf, scores)
            n = min(n, int((~rated).sum()))
        best = np.lexsort((items, -scores))[:n]
        return self.item_ids_[best]

    def transform(self, ids: ArrayLike) -> np.ndarray:
        r"""Hidden features :math:`P(h_j = 1 \mid V) = \sigma(x_j)` of the model's rows.

        Parameters
        ----------
        ids : array_like (n,)
            User ids (item ids with ``orientation="item"``) seen by ``fit``.

        Returns
        -------
        ndarray of float64 (n, n_components)
            The probabilities, conditioned on each row's training ratings.
        """
        return sigmoid(self._hidden_inputs(self._case_indices(ids)))

    def _hidden_inputs(self, cases: np.ndarray) -> np.ndarray:
        """x = c + the sum of each case's conditioning rows, float64 (n, F)."""
        indptr, given = self._conditioning()
        return self.intercept_hidden_ + _segment_sums(self._weight_rows(), given, indptr,
                                                      cases)

    def _case_indices(self, ids: ArrayLike) -> np.ndarray:
        """The model's row index of each id (users, or items in the item orientation); an
        id the training data does not hold is a ValueError."""
        self._check_fitted()
        from boltz.machines._ratings_data import _ids

        ids = _ids(ids, "ids")
        which = self._user_map if self.orientation == "user" else self._item_map
        cases = which.index(ids)
        if np.any(cases < 0):
            raise ValueError(f"ids holds {ids[np.argmax(cases < 0)]!r}, not one of the "
                             f"training data's {self.orientation}s")
        return cases

    def _weight_rows(self, dtype=np.float64) -> np.ndarray:
        """The kernel's rows unpadded: W as (n_units K, F), then D."""
        n_units, K, F = self.components_.shape
        rows = [self.components_.reshape(n_units * K, F)]
        if self.conditional_components_ is not None:
            rows.append(self.conditional_components_)
        return np.concatenate(rows).astype(dtype, copy=False)

    def free_energy(self, ids: ArrayLike) -> np.ndarray:
        r"""Free energy of each row's training ratings,
        :math:`F(V) = -\sum_{i} b_{i v_i} - \sum_j \operatorname{softplus}(x_j)` (nats).

        Parameters
        ----------
        ids : array_like (n,)
            User ids (item ids with ``orientation="item"``).

        Returns
        -------
        ndarray of float64 (n,)
        """
        return self._free_energy(self._case_indices(ids))

    def _free_energy(self, cases: np.ndarray) -> np.ndarray:
        b = self.intercept_visible_.reshape(-1, 1).astype(np.float64)
        rows = self._lists.visible_rows(self.levels_.size)
        bias = _segment_sums(b, rows, self._lists.indptr, cases)[:, 0]
        return -bias - np.logaddexp(0, self._hidden_inputs(cases)).sum(1)

    def log_likelihood(self, ids: ArrayLike, method: str = "auto", *, n_chains: int = 100,
                       n_betas: int = 1000, seed: SeedLike = None) -> np.ndarray:
        r"""Log-likelihood of each row's training ratings under its own RBM, in nats.

        :math:`\log p(V_u) = -F(V_u) - \log Z_u`, where :math:`Z_u` sums over every
        assignment of levels to the items the user rated (and over the hidden states):
        each user's items define an RBM of its own. :math:`\log Z_u` is exact by
        enumerating the hidden units, or estimated by annealed importance sampling.

        Parameters
        ----------
        ids : array_like (n,)
            User ids (item ids with ``orientation="item"``) seen by ``fit``.
        method : {"auto", "exact", "ais"}
            "auto": exact up to 16 hidden units, AIS beyond.
        n_chains, n_betas : int
            AIS chains and inverse temperatures (evenly spaced from 0 to 1) per row.
        seed : None, int, SeedSequence or Generator
            AIS's randomness.

        Returns
        -------
        ndarray of float64 (n,)
            The log-likelihoods (nats).
        """
        from boltz.machines import _ratings_partition as part

        method = check_choice(method, "method", ("auto", "exact", "ais"))
        n_chains = check_positive_int(n_chains, "n_chains", minimum=2)
        n_betas = check_positive_int(n_betas, "n_betas", minimum=2)
        rng = np.random.default_rng(seed_sequence(seed, "seed"))
        cases = self._case_indices(ids)
        free = self._free_energy(cases)
        W = self.components_.astype(np.float64)
        b = self.intercept_visible_.astype(np.float64)
        exact = method == "exact" or (method == "auto"
                                      and self.n_components <= part.EXACT_MAX_HIDDEN)
        out = np.empty(cases.size)
        L = self._lists
        for r, case in enumerate(cases):
            units = L.units[L.indptr[case]:L.indptr[case + 1]]
            a = self.intercept_hidden_.astype(np.float64)
            if self._seen is not None:
                seen = self._seen.units[self._seen.indptr[case]:self._seen.indptr[case + 1]]
                a = a + self.conditional_components_[seen].sum(0)
            if exact:
                log_z = part.log_z_exact(W[units], b[units], a)
            else:
                log_z = part.log_z_ais(W[units], b[units], a, n_chains, n_betas, rng)[0]
            out[r] = -free[r] - log_z
        return out

    # ---- persistence -------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model to an ``.npz`` file (``.npz`` appended when missing).

        Parameters
        ----------
        path : str or path-like
            The file name.
        """
        from boltz.machines import _ratings_persistence

        _ratings_persistence.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike | BinaryIO) -> RatingsRBM:
        """Read a model written by :meth:`save`; it predicts exactly as the saved one.

        Parameters
        ----------
        path : str, path-like or binary file object
            The file (a name without ``.npz`` also finds ``name.npz``).

        Returns
        -------
        RatingsRBM
            The model.
        """
        from boltz.machines import _ratings_persistence

        return _ratings_persistence.load(cls, path)
