r"""The RBM's arrays as the compiled kernels take them (``_core/_rbm_epoch``,
``_core/_logsumexp``), and the model quantities computed through them.

``components_`` is :math:`W^T` (n_components, n_features), b the visible and c the hidden
biases. The kernels take copies in the model's dtype whose rows are zero-padded to whole
32-byte vectors; dense rows are multiplied by row sums that skip zeros and call no BLAS (a
BLAS product rounds a row by where it sits in the batch, so a row's result would depend on
the rows beside it; and a threaded BLAS call leaves threads spinning beside the next
OpenMP region).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boltz._core import _logsumexp, _rbm_epoch
from boltz._memory import check_allocation
from boltz._random import RandomStreams
from boltz.machines._partition import softplus_sums


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) of a float array, in a new array of its dtype (compiled, libmvec exp)."""
    out = np.array(x, order="C", copy=True)
    _logsumexp.sigmoid_inplace(out.reshape(-1))
    return out


def padded(A: np.ndarray, width: int) -> np.ndarray:
    """A copy of the 2-D (or 1-D) array A with its last axis zero-padded to `width`."""
    out = np.zeros((*A.shape[:-1], width), dtype=A.dtype)
    out[..., :A.shape[-1]] = A
    return out


def is_sparse(X) -> bool:
    return hasattr(X, "tocsr") and hasattr(X, "nnz")


def dense_array(X, name: str = "X"):
    """X (checked, CSR when sparse) as a dense array, refusing what cannot fit in memory."""
    if not is_sparse(X):
        return X
    check_allocation(X.shape[0] * X.shape[1] * X.dtype.itemsize, f"{name} of shape {X.shape}",
                     "its dense form")
    return X.toarray()


@dataclass(frozen=True)
class RBMArrays:
    """An RBM's parameters, its dtype and thread count, with the kernels' view of them."""

    components: np.ndarray                   # W^T, (n_components, n_features)
    b: np.ndarray                            # visible biases (n_features,)
    c: np.ndarray                            # hidden biases (n_components,)
    dtype: np.dtype
    num_threads: int

    def padded_widths(self) -> tuple[int, int]:
        """Row lengths of the kernels' weight copies: n_features and n_components rounded
        up to whole 32-byte vectors."""
        lanes = 32 // self.dtype.itemsize
        nh, nv = self.components.shape
        return -(-nv // lanes) * lanes, -(-nh // lanes) * lanes

    def kernel_params(self):
        """W (n_components, pv), Wt (n_features, ph), b (pv), c (ph): padded copies in the
        model's dtype."""
        dt = self.dtype
        pv, ph = self.padded_widths()
        return (padded(self.components.astype(dt, copy=False), pv),
                padded(self.components.T.astype(dt, copy=False), ph),
                padded(self.b.astype(dt, copy=False), pv),
                padded(self.c.astype(dt, copy=False), ph))

    def hidden_inputs(self, V, dtype=np.float64) -> np.ndarray:
        """c + v^T W of each row, in `dtype` (the sum itself in the model's dtype)."""
        if is_sparse(V):
            return (np.asarray(V @ self.components.T).astype(dtype, copy=False)
                    + self.c.astype(dtype, copy=False))
        nh = self.components.shape[0]
        _, ph = self.padded_widths()
        act = _rbm_epoch.row_products(np.ascontiguousarray(V, dtype=self.dtype),
                                      padded(self.components.T, ph), padded(self.c, ph),
                                      self.num_threads)
        return act[:, :nh].astype(dtype, copy=False)

    def mean_hiddens(self, V) -> np.ndarray:
        r""":math:`p(h = 1 \mid v) = \sigma(c + v^T W)`, in the model's dtype."""
        return sigmoid(self.hidden_inputs(V, self.dtype))

    def mean_visibles(self, H: np.ndarray) -> np.ndarray:
        r""":math:`p(v = 1 \mid h) = \sigma(b + W h)`."""
        return sigmoid(H @ self.components + self.b)

    def free_energy(self, V) -> np.ndarray:
        r""":math:`F(v) = -b^T v - \sum_j \operatorname{softplus}(c_j + (v^T W)_j)`."""
        if is_sparse(V):
            lin = np.asarray(V @ self.b.astype(np.float64))
        else:                                # b^T v by row sums too
            lin = _rbm_epoch.row_products(np.ascontiguousarray(V, dtype=self.dtype),
                                          padded(self.b[:, None], 8), np.zeros(8, self.b.dtype),
                                          self.num_threads)[:, 0]
        return -lin - softplus_sums(self.hidden_inputs(V), self.num_threads)

    def monitor_stats(self, V: np.ndarray, flipped: np.ndarray):
        """(squared reconstruction error, pseudo-likelihood with feature `flipped[i]` of
        row i flipped) of each dense row of V, float64, in one kernel call."""
        V = np.ascontiguousarray(V, dtype=self.dtype)
        return _rbm_epoch.monitor_stats(V, flipped, *self.kernel_params(), self.num_threads)

    def float64(self):
        """(W (n_features, n_components), b, c) in float64, as ``_partition`` takes them."""
        return (self.components.T.astype(np.float64), self.b.astype(np.float64),
                self.c.astype(np.float64))


def velocity_fits(buffers, arrays: RBMArrays) -> bool:
    """Whether `buffers` are momentum buffers [dWt (n_features, ph), db (pv), dc (ph)] of
    this model: its dtype, padded shapes, C order, writeable."""
    pv, ph = arrays.padded_widths()
    shapes = ((arrays.components.shape[1], ph), (pv,), (ph,))
    return (isinstance(buffers, list) and len(buffers) == 3 and all(
        isinstance(a, np.ndarray) and a.dtype == arrays.dtype and a.shape == shape
        and a.flags.c_contiguous and a.flags.writeable
        for a, shape in zip(buffers, shapes, strict=True)))


def velocity(previous, arrays: RBMArrays, momentum: float, weight_decay: float) -> list:
    """The momentum buffers for the next kernel call: `previous` when they fit the model
    (`velocity_fits`), else zeros. Without momentum, weight decay and centring the kernel
    leaves them alone; dWt is zeroed so that it stays exact for later calls."""
    if not velocity_fits(previous, arrays):
        pv, ph = arrays.padded_widths()
        nv = arrays.components.shape[1]
        previous = [np.zeros(shape, arrays.dtype) for shape in ((nv, ph), (pv,), (ph,))]
    if momentum == 0 and weight_decay == 0:
        previous[0].fill(0)
    return previous


def unpadded_velocity(velocity: list, arrays: RBMArrays) -> list:
    """The momentum buffers without their padding: dW^T (nv, nh), db (nv), dc (nh)."""
    nh, nv = arrays.components.shape
    return [velocity[0][:, :nh].copy(), velocity[1][:nv].copy(), velocity[2][:nh].copy()]


def padded_velocity(parts: list, arrays: RBMArrays) -> list:
    """The kernel's momentum buffers from `unpadded_velocity`'s (padding zero, as the
    kernel keeps it)."""
    pv, ph = arrays.padded_widths()
    return [padded(parts[0], ph), padded(parts[1], pv), padded(parts[2], ph)]


def train(arrays: RBMArrays, X, order: np.ndarray, batch_rows: int, out: list,
          velocity: list, streams: RandomStreams, *, learning_rate: float, momentum: float,
          weight_decay: float, k: int, persistent: bool, offsets: list | None = None,
          offset_rate: float = 0.0, betas: np.ndarray | None = None,
          swaps: np.ndarray | None = None) -> int:
    """CD-k / PCD-k updates over the batches order[s:s + batch_rows], in one nogil kernel
    call that writes the new parameters into ``out`` = [components (nh, nv), b (nv),
    c (nh), chains (n_chains, nh)] (C-contiguous, the model's dtype; chains hold the
    starting states) and updates `velocity` and `streams` in place.

    Centred with `offsets` = [mu (pv), lam (ph)] (padded, the model's dtype, updated in
    place); tempered with `betas` (float64, from 1 down; chains then hold len(betas)
    blocks) and `swaps` (2, len(betas) - 1) int64 counting accepted and attempted
    exchanges.

    Ctrl-C (or any exception a signal handler raises) stops the kernel between batches:
    ``out``, `velocity`, `offsets`, `swaps` and `streams` then hold every finished batch and
    the exception propagates. Returns the number of batches done."""
    dt = arrays.dtype
    X = np.ascontiguousarray(dense_array(X), dtype=dt)
    W, Wt, b, c = arrays.kernel_params()
    components, b_out, c_out, chains = out
    mu, lam = (None, None) if offsets is None else offsets
    return _rbm_epoch.train_epoch(
        X, np.ascontiguousarray(order, dtype=np.int64), batch_rows, W, Wt, b, c, chains,
        *velocity, float(learning_rate), float(momentum), float(weight_decay), k,
        bool(persistent), streams.addresses, arrays.num_threads, components, b_out, c_out,
        mu, lam, float(offset_rate), betas, swaps)
