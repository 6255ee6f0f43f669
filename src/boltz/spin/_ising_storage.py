"""How an IsingModel keeps its couplings: dense or CSR storage, and the precision of the
couplings and cached fields in the kernels (float32 where it gives float64's results)."""
from __future__ import annotations

import numpy as np

from boltz._core._couplings import DENSE_FILL
from boltz.spin._ising_input import csr_from_coo


def store(storage, n, dense, csr):
    """(dense, csr) with exactly the one the model keeps: dense when ``storage="dense"``, or
    for ``"auto"`` when at least DENSE_FILL of the n^2 couplings are non-zero."""
    nnz = np.count_nonzero(dense) if dense is not None else csr[2].size
    if storage == "dense" or (storage == "auto" and nnz >= DENSE_FILL * n * n):
        if dense is None:
            indptr, indices, data = csr
            dense = np.zeros((n, n))
            dense[np.repeat(np.arange(n), np.diff(indptr)), indices] = data
        return dense, None
    if csr is None:
        rows, cols = np.nonzero(np.triu(dense, 1))
        csr = csr_from_coo(rows, cols, dense[rows, cols], n)
    return None, csr


def _fields_exact_in_float32(values, h, row_abs_sums) -> bool:
    r"""Whether every local field :math:`f_i = \sum_j J_{ij} s_j + h_i`, and every partial
    sum of it, is exact in float32 for all spin states, so that float32 sweeps make the same
    decisions as float64 ones.

    True when every coupling and field is a float32 number, all are multiples of one power
    of two u (the finest last bit among them), and :math:`\max_i \sum_j |J_{ij}| + |h_i|
    \le 2^{24} u`: sums of such terms are multiples of u below :math:`2^{24} u`, which float32
    represents exactly. Holds for ±1 couplings, lattices and integer QUBOs. `values` (any
    shape) is read a chunk at a time; `row_abs_sums()` gives :math:`\sum_j |J_{ij}|` and is
    called only when the rest holds.
    """
    flat, chunk, lowest_exp = np.ravel(values), 1 << 20, None
    for part in [flat[i:i + chunk] for i in range(0, flat.size, chunk)] + [h]:
        v = part[part != 0]
        if v.size == 0:
            continue
        if not np.array_equal(v.astype(np.float32), v):
            return False
        mantissa, exponent = np.frexp(np.abs(v))
        bits = (mantissa * 2.0**24).astype(np.int64)       # exact: at most 24 significant bits
        lowest = np.log2((bits & -bits).astype(np.float64)).astype(np.int64)  # lowest set bit
        e = int(np.min(exponent - 24 + lowest))
        lowest_exp = e if lowest_exp is None else min(lowest_exp, e)
    if lowest_exp is None:
        return True
    return float(np.max(row_abs_sums() + np.abs(h))) <= 2.0**(24 + lowest_exp)


def _dense_row_abs_sums(J, rows=256):
    """sum_j |J_ij| for every row, a block of rows at a time (no n x n temporary)."""
    return np.concatenate([np.abs(J[r:r + rows]).sum(axis=1) for r in range(0, J.shape[0], rows)])


def kernel_dtype(dtype, dense, csr, h):
    """The type of the couplings and fields in the kernels: `dtype`, except float32 for a
    float64 model whose fields are exact in float32 (same results, half the traffic)."""
    if dtype != np.float64:
        return dtype
    if dense is not None:
        exact = _fields_exact_in_float32(dense, h, lambda: _dense_row_abs_sums(dense))
    else:
        indptr, _, data = csr
        exact = _fields_exact_in_float32(data, h, lambda: np.bincount(
            np.repeat(np.arange(h.size), np.diff(indptr)), weights=np.abs(data),
            minlength=h.size))
    return np.dtype(np.float32) if exact else dtype
