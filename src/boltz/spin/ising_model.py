"""Ising models: spins s_i = ±1 with E(s) = -Σ_{i<j} J_ij s_i s_j - Σ_i h_i s_i + offset."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from boltz._core._couplings import Couplings
from boltz._memory import check_allocation
from boltz._random import seed_sequence
from boltz._validation import (
    as_float_array,
    check_choice,
    check_float_dtype,
    check_positive_int,
    check_real,
    resolve_num_threads,
)
from boltz.spin._chains import init_state
from boltz.spin._ising_input import check_num_spins, frozen, parse_model
from boltz.spin._ising_storage import check_range, kernel_dtype, store
from boltz.spin._maxcut_input import edge_array, read_edge_list

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

__all__ = ["IsingModel"]


class IsingModel:
    r"""An Ising model on n spins :math:`s_i \in \{-1, +1\}`.

    .. math:: E(s) = -\sum_{i<j} J_{ij} s_i s_j - \sum_i h_i s_i + \text{offset}

    :math:`J` is symmetric with a zero diagonal; :math:`J_{ij} > 0` is ferromagnetic (aligned
    spins lower the energy). Couplings are stored as CSR or as a dense matrix, whichever fits
    (dense when at least 10% of the pairs are coupled, or when ``storage="dense"``). A model
    is immutable: its attributes cannot be reassigned and its arrays are read-only.

    Parameters
    ----------
    J : array_like (n, n), scipy.sparse matrix, or tuple ``(rows, cols, values)``
        Couplings. A dense or sparse matrix must be real (complex is a TypeError, even
        with a zero imaginary part), symmetric with a zero diagonal. COO
        triplets list each bond once, in either orientation (repeated bonds add up).
    h : array_like (n,), optional
        Fields (default 0).
    offset : float, optional
        Constant added to every energy (default 0), e.g. from a QUBO conversion.
    num_spins : int, optional
        n, needed only for triplets when it cannot be inferred from `h` or the indices
        (at most 2**31 - 1). Triplet indices may be signed or unsigned integers.
    dtype : {numpy.float64, numpy.float32}, optional
        Precision of the couplings and cached local fields in the sweep kernels. float32
        halves the memory traffic; energies are always reported in float64. A float64 model
        whose fields are exact in float32 (couplings and fields that are small multiples of
        one power of two: ±1 couplings, lattices, integer QUBOs) runs in float32 anyway,
        with results identical to float64 sweeps. Every non-zero coupling and field must lie
        in the normal range of `dtype` (a float32 |J| above 3.4e38 would be infinite, one
        below 1.2e-38 would underflow, changing the graph), every local field
        :math:`\sum_j |J_{ij}| + |h_i|` must be at most half the largest number of `dtype`,
        and every energy finite in float64; otherwise a ValueError names J or h.
    storage : {"auto", "dense", "sparse"}, optional
        How the couplings are kept: ``"auto"`` (default) chooses dense storage when at
        least 10% of the pairs are coupled.

    Examples
    --------
    >>> import boltz
    >>> model = boltz.IsingModel([[0, 1], [1, 0]], h=[0.5, 0.0])
    >>> model.energy([[1, 1], [1, -1], [-1, -1]]).tolist()
    [-1.5, 0.5, -0.5]
    """

    def __init__(self, J: ArrayLike | tuple, h: ArrayLike | None = None,
                 offset: float = 0.0, *, num_spins: int | None = None,
                 dtype: DTypeLike = np.float64, storage: str = "auto"):
        dtype = check_float_dtype(dtype)
        storage = check_choice(storage, "storage", ("auto", "dense", "sparse"))
        n, dense, csr, h, offset = parse_model(J, h, offset, num_spins)
        dense, csr = store(storage, n, dense, csr)
        row_abs_sums, smallest_coupling = check_range(dtype, dense, csr, h, offset)
        kernel = kernel_dtype(dtype, dense, csr, h, row_abs_sums)
        if dense is not None:
            self._couplings = Couplings.from_dense(dense, h, kernel)
        else:
            self._couplings = Couplings.from_csr(*csr, h, kernel)
        self._h = frozen(h)
        self._offset = offset
        self._dtype = dtype
        self._graph_weight = None   # total edge weight, when built from a Max-Cut graph
        # energy scales of the default annealing schedule: sum_j |J_ij| per spin, min |J_ij|
        self._row_abs_sums = frozen(row_abs_sums)
        self._smallest_coupling = smallest_coupling

    def __setstate__(self, state: dict) -> None:
        """Unpickled or copied: `h` and the row sums read-only again (NumPy restores arrays
        writeable)."""
        self.__dict__.update(state)
        self._h = frozen(self._h)
        self._row_abs_sums = frozen(self._row_abs_sums)

    # ---- attributes (read-only: the kernels' copy of the couplings cannot go stale) ----

    @property
    def num_spins(self) -> int:
        """n, the number of spins."""
        return self._couplings.num_spins

    @property
    def h(self) -> np.ndarray:
        """The fields :math:`h_i`, a read-only float64 array (n,)."""
        return self._h

    @property
    def offset(self) -> float:
        """The constant added to every energy."""
        return self._offset

    @property
    def dtype(self) -> np.dtype:
        """The precision asked for (float32 or float64); see the class description."""
        return self._dtype

    @property
    def is_dense(self) -> bool:
        """Whether the couplings are stored as a dense matrix (else CSR)."""
        return self._couplings.is_dense

    @property
    def _kernel_dtype(self) -> np.dtype:
        """The type of the couplings and fields in the kernels."""
        return self._couplings.dtype

    # ---- constructors -----------------------------------------------------------------

    @classmethod
    def square_lattice(cls, L: int, M: int | None = None, J: float = 1.0, h: float = 0.0,
                       periodic: bool = True, *, dtype: DTypeLike = np.float64) -> IsingModel:
        r"""Nearest-neighbour model on an L × M square lattice (site ``r * M + c``).

        Parameters
        ----------
        L, M : int
            Rows and columns of the lattice (M defaults to L).
        J : float, optional
            The coupling of every bond (J > 0: ferromagnet; default 1).
        h : float, optional
            The field on every site (default 0).
        periodic : bool, optional
            Whether the lattice wraps around (a torus; default True). A side of length 2
            then has two bonds between the same pair, which add up.
        dtype : {numpy.float64, numpy.float32}, optional
            Precision, as for the class.

        Returns
        -------
        IsingModel
            The model on L * M spins (sparse storage unless the lattice is tiny).
        """
        L = check_positive_int(L, "L")
        M = L if M is None else check_positive_int(M, "M")
        check_num_spins(L * M, f"L x M = {L} x {M}")
        # the indices, two bonds per spin as triplets, both directions, and their copies
        check_allocation(200 * L * M, f"L x M = {L} x {M}", "the lattice's bonds")
        idx = np.arange(L * M).reshape(L, M)
        rows, cols = [], []
        for axis, size in ((1, M), (0, L)):
            nxt = np.roll(idx, -1, axis=axis)
            src, dst = idx, nxt
            if not periodic:
                keep = [slice(None), slice(None)]
                keep[axis] = slice(0, size - 1)
                src, dst = idx[tuple(keep)], nxt[tuple(keep)]
            elif size == 1:
                continue
            rows.append(src.ravel())
            cols.append(dst.ravel())
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        vals = np.full(rows.size, check_real(J, "J"))
        return cls((rows, cols, vals), h=np.full(L * M, check_real(h, "h")), num_spins=L * M,
                   dtype=dtype)

    @classmethod
    def sherrington_kirkpatrick(
            cls, n: int, seed: int | np.random.SeedSequence | np.random.Generator | None = None,
            *, couplings: str = "gaussian", h: float = 0.0,
            dtype: DTypeLike = np.float64) -> IsingModel:
        r"""Sherrington–Kirkpatrick spin glass: all pairs coupled, :math:`J_{ij} = g/\sqrt{n}`.

        Parameters
        ----------
        n : int
            Number of spins.
        seed : None, int, numpy.random.SeedSequence or numpy.random.Generator, optional
            Seed of the couplings, as everywhere in boltz.
        couplings : {"gaussian", "binary"}, optional
            g standard normal (default), or g = ±1 with equal probability.
        h : float, optional
            The field on every spin (default 0).
        dtype : {numpy.float64, numpy.float32}, optional
            Precision, as for the class.

        Returns
        -------
        IsingModel
            The model, with dense storage.
        """
        n = check_positive_int(n, "n")
        check_num_spins(n, "n")
        check_allocation(4 * 8 * n * n, f"n={n}", "the dense couplings and their temporaries")
        couplings = check_choice(couplings, "couplings", ("gaussian", "binary"))
        h = check_real(h, "h")
        rng = np.random.default_rng(seed_sequence(seed))
        if couplings == "gaussian":
            g = rng.standard_normal((n, n))
        else:
            g = rng.choice([-1.0, 1.0], size=(n, n))
        J = np.triu(g, 1) / np.sqrt(n)
        return cls(J + J.T, h=np.full(n, h), dtype=dtype, storage="dense")

    @classmethod
    def from_qubo(cls, Q: ArrayLike, offset: float = 0.0, *,
                  dtype: DTypeLike = np.float64) -> IsingModel:
        r"""The Ising model equal to the QUBO :math:`x^T Q x + \text{offset}`, x ∈ {0,1}^n.

        With :math:`x_i = (1 + s_i)/2` the energies agree state by state:
        ``model.energy(s) == x @ Q @ x + offset``.

        Parameters
        ----------
        Q : array_like (n, n)
            The QUBO matrix (need not be symmetric).
        offset : float, optional
            Constant of the QUBO (default 0).
        dtype : {numpy.float64, numpy.float32}, optional
            Precision, as for the class.

        Returns
        -------
        IsingModel
            :math:`J = -(Q + Q^T)/4` off the diagonal, :math:`h_i = -(Q_{ii}/2 +
            \sum_{j \ne i} (Q_{ij} + Q_{ji})/4)`, and the constant in `offset`.
        """
        Q = as_float_array(Q, "Q").astype(np.float64)
        if Q.ndim != 2 or Q.shape[0] != Q.shape[1]:
            raise ValueError(f"Q must be a square (n, n) matrix, got shape {Q.shape}")
        if not np.all(np.isfinite(Q)):
            raise ValueError("Q must be finite")
        W = Q + Q.T
        np.fill_diagonal(W, 0.0)                 # W_ij = Q_ij + Q_ji, i != j
        lin = np.diag(Q)
        # x_i x_j = (1 + s_i + s_j + s_i s_j)/4 ; x_i = (1 + s_i)/2
        J = -W / 4.0
        h = -(lin / 2.0 + W.sum(axis=1) / 4.0)
        const = check_real(offset, "offset") + lin.sum() / 2.0 + np.triu(W, 1).sum() / 4.0
        return cls(J, h=h, offset=const, dtype=dtype)

    def to_qubo(self) -> tuple[np.ndarray, float]:
        r"""The QUBO of the same energies.

        Returns
        -------
        Q : numpy.ndarray (n, n)
            Upper-triangular float64, with :math:`x^T Q x + \text{offset} = E(s)` for
            :math:`s = 2x - 1`.
        offset : float
            The constant.
        """
        J = self.couplings_dense()
        h = self.h
        # E = -sum_{i<j} J (2x_i-1)(2x_j-1) - sum h (2x_i-1) + offset
        Q = np.triu(-4.0 * J, 1)
        lin = 2.0 * J.sum(axis=1) - 2.0 * h
        Q[np.diag_indices_from(Q)] = lin
        offset = self.offset - np.triu(J, 1).sum() + h.sum()
        return Q, float(offset)

    @classmethod
    def from_maxcut(cls, edges_or_path: str | os.PathLike | ArrayLike, *,
                    num_nodes: int | None = None, dtype: DTypeLike = np.float64) -> IsingModel:
        r"""The Ising model whose ground states are the maximum cuts of a weighted graph.

        With :math:`J_{ij} = -w_{ij}` (antiferromagnetic bonds) and no fields,
        :math:`E(s) = \sum_{(i,j)} w_{ij} s_i s_j` and the cut of a state is
        :math:`(W - E(s))/2` with :math:`W = \sum w_{ij}`: see :meth:`maxcut_value`.

        Parameters
        ----------
        edges_or_path : str, os.PathLike, or array_like (m, 2) or (m, 3)
            A file in the Gset / rudy edge-list format (first line ``n m``, then ``i j [w]``
            per edge, 1-based, w = 1 if absent; ``#`` starts a comment), or edges
            ``(i, j[, w])`` with 0-based nodes (w = 1 if absent). Node numbers must be whole
            numbers (2.0 is node 2; 0.5 is refused). The file must be a regular file (not a
            FIFO or a device); it is read a block of lines at a time, and its header may
            declare at most ``size // 4`` edges and ``max(65536, 16 * size)`` nodes (nodes
            that no edge touches included), `size` being the file's length in bytes.
        num_nodes : int, optional
            Number of nodes for an edge array (default: largest index + 1).
        dtype : {numpy.float64, numpy.float32}, optional
            Precision, as for the class.

        Returns
        -------
        IsingModel
            The model, one spin per node.

        Raises
        ------
        ValueError
            A header beyond those bounds, fewer or more edge lines than declared, or a line
            that is not an edge (the message names the file and the line); fractional,
            negative or out-of-range node numbers; a self-loop.
        """
        if isinstance(edges_or_path, (str, os.PathLike)):
            num_nodes, i, j, w = read_edge_list(edges_or_path)
        else:
            i, j, w = edge_array(edges_or_path)
        model = cls((i, j, -w), num_spins=num_nodes, dtype=dtype)
        model._graph_weight = float(np.sum(w))
        return model

    # ---- evaluation -------------------------------------------------------------------

    @property
    def num_bonds(self) -> int:
        """Number of coupled pairs i < j (non-zero J_ij)."""
        if self.is_dense:
            return int(np.count_nonzero(self._couplings.J)) // 2
        return int(self._couplings.csr[1].size) // 2

    def bonds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The couplings as triplets, each bond once.

        Returns
        -------
        rows, cols : numpy.ndarray of int64
            The spins of each bond, rows < cols.
        values : numpy.ndarray of float64
            Their couplings :math:`J_{ij}` (in the model's precision).
        """
        if self.is_dense:
            J = self._couplings.J
            rows, cols = np.nonzero(np.triu(J, 1))
            return rows, cols, J[rows, cols].astype(np.float64)
        indptr, indices, data = self._couplings.csr
        rows = np.repeat(np.arange(self.num_spins), np.diff(indptr))
        upper = rows < indices
        return rows[upper], indices[upper].astype(np.int64), data[upper].astype(np.float64)

    def couplings_dense(self) -> np.ndarray:
        """The couplings as a dense matrix.

        Returns
        -------
        numpy.ndarray (n, n)
            J as a new float64 array (symmetric, zero diagonal).
        """
        if self.is_dense:
            return self._couplings.J.astype(np.float64)
        J = np.zeros((self.num_spins, self.num_spins))
        rows, cols, values = self.bonds()
        J[rows, cols] = values
        J[cols, rows] = values
        return J

    def check_states(self, states: ArrayLike, name: str = "states") -> np.ndarray:
        """Validate spin states of this model.

        Parameters
        ----------
        states : array_like (k, n) or (n,)
            Spins ±1 (a single state becomes k = 1).
        name : str, optional
            The argument's name in error messages.

        Returns
        -------
        numpy.ndarray (k, n)
            The states as a C-contiguous int8 array.
        """
        s = np.asarray(states)
        if s.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be an array of spins ±1, got dtype {s.dtype}")
        if s.ndim == 1:
            s = s[None, :]
        if s.ndim != 2 or s.shape[1] != self.num_spins:
            raise ValueError(f"{name} must have shape (k, {self.num_spins}) or "
                             f"({self.num_spins},), got {np.shape(states)}")
        if not np.all((s == 1) | (s == -1)):
            raise ValueError(f"{name} must contain only spins -1 and +1")
        return np.ascontiguousarray(s, dtype=np.int8)

    def energy(self, states: ArrayLike, *,
               num_threads: int | None = None) -> float | np.ndarray:
        r"""Energies :math:`E(s)` of one state or a batch.

        Computed in the model's precision (see `dtype`), offset included.

        Parameters
        ----------
        states : array_like (n,) or (k, n)
            Spins ±1.
        num_threads : int, optional
            Threads to use (default: all, as everywhere in boltz).

        Returns
        -------
        float or numpy.ndarray (k,)
            The energy of the state, or float64 energies of the batch.
        """
        single = np.ndim(states) == 1
        s = self.check_states(states)
        _, e, _ = init_state(self._couplings, s, resolve_num_threads(num_threads))
        e += self.offset
        return float(e[0]) if single else e

    def maxcut_value(self, states: ArrayLike) -> float | np.ndarray:
        r"""Cut weights of states of a model built by :meth:`from_maxcut`.

        Parameters
        ----------
        states : array_like (n,) or (k, n)
            Spins ±1: the two sides of the cut.

        Returns
        -------
        float or numpy.ndarray (k,)
            :math:`\sum_{(i,j): s_i \ne s_j} w_{ij} = (W - E(s))/2`.
        """
        if self._graph_weight is None:
            raise ValueError("maxcut_value needs a model built with IsingModel.from_maxcut")
        e = self.energy(states)
        return 0.5 * (self._graph_weight - (e - self.offset))

    def __repr__(self) -> str:
        kind = "dense" if self.is_dense else "sparse"
        return (f"IsingModel(num_spins={self.num_spins}, num_bonds={self.num_bonds}, {kind}, "
                f"dtype={self.dtype.name}, offset={self.offset:g})")
