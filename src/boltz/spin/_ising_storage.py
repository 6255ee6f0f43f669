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
    shape) is read a chunk at a time; `row_abs_sums` is :math:`\sum_j |J_{ij}|` per row.
    """
    flat, chunk, lowest_exp = np.ravel(values), 1 << 20, None
    for part in [flat[i:i + chunk] for i in range(0, flat.size, chunk)] + [h]:
        v = part[part != 0]
        if v.size == 0:
            continue
        with np.errstate(over="ignore"):                  # beyond float32: inf, not equal
            if not np.array_equal(v.astype(np.float32), v):
                return False
        mantissa, exponent = np.frexp(np.abs(v))
        bits = (mantissa * 2.0**24).astype(np.int64)       # exact: at most 24 significant bits
        lowest = np.log2((bits & -bits).astype(np.float64)).astype(np.int64)  # lowest set bit
        e = int(np.min(exponent - 24 + lowest))
        lowest_exp = e if lowest_exp is None else min(lowest_exp, e)
    if lowest_exp is None:
        return True
    return float(np.max(row_abs_sums + np.abs(h))) <= 2.0**(24 + lowest_exp)


def _abs_stats(values, rows=256):
    """(sum_j |J_ij| per row, smallest non-zero |J_ij|, largest |J_ij|) of a dense J, a
    block of rows at a time (no n x n temporary)."""
    sums, smallest, largest = [], np.inf, 0.0
    for r in range(0, values.shape[0], rows):
        a = np.abs(values[r:r + rows].astype(np.float64))
        sums.append(a.sum(axis=1))
        largest = max(largest, float(a.max(initial=0.0)))
        smallest = min(smallest, float(a[a > 0].min(initial=np.inf)))
    return np.concatenate(sums) if sums else np.zeros(0), smallest, largest


def _fits(values, name, info):
    """Refuse (ValueError naming `name`) non-zero values outside the normal range of the
    model's float type: above its largest they would become infinite, below its smallest
    normal number they would underflow to 0 (a bond or field gone) or lose precision."""
    a = np.abs(values)
    largest = float(a.max(initial=0.0))
    smallest = float(a[a > 0].min(initial=np.inf))
    _check_range(name, smallest, largest, info)


def _check_range(name, smallest, largest, info):
    if largest > float(info.max):
        raise ValueError(f"{name} holds {largest:.4g}, which does not fit in {info.dtype} "
                         f"(largest {info.max:.4g}): rescale the model or use float64")
    if smallest < float(info.tiny):
        raise ValueError(f"{name} holds {smallest:.4g}, below the smallest normal "
                         f"{info.dtype} ({info.tiny:.4g}): it would underflow to zero or "
                         f"lose its precision, changing the model; rescale the model"
                         f"{' or use float64' if info.dtype == np.float32 else ''}")


def check_range(dtype, dense, csr, h, offset):
    r"""Refuse a model whose numbers the kernels cannot hold in `dtype`; return
    :math:`\sum_j |J_{ij}|` for every row i (float64, n) and the smallest non-zero
    :math:`|J_{ij}|` (inf without couplings).

    Rules (ValueError naming J or h):

    - every non-zero :math:`|J_{ij}|` and :math:`|h_i|` lies in the normal range of
      `dtype`: not above its largest number (it would become infinite) nor below its
      smallest normal number (it would underflow to 0, changing the graph, or lose
      precision);
    - the largest local field :math:`\max_i (\sum_j |J_{ij}| + |h_i|)` is at most half the
      largest number of `dtype`: fields are cached in `dtype`, a flip changes a neighbour's
      field by twice a coupling and costs twice the field;
    - every energy, bounded by :math:`\sum_i (\sum_j |J_{ij}| + |h_i|) + |\text{offset}|`,
      is finite in float64 (energies are always float64).
    """
    info = np.finfo(dtype)
    if dense is not None:
        row_sums, smallest, largest = _abs_stats(dense)
    else:
        indptr, _, data = csr
        a = np.abs(data.astype(np.float64))
        smallest = float(a[a > 0].min(initial=np.inf))
        largest = float(a.max(initial=0.0))
        row_sums = np.bincount(np.repeat(np.arange(h.size), np.diff(indptr)), weights=a,
                               minlength=h.size)
    _check_range("J", smallest, largest, info)
    _fits(h, "h", info)
    with np.errstate(over="ignore"):
        fields = row_sums + np.abs(h)
        field = float(fields.max(initial=0.0))
        total = float(fields.sum()) + abs(offset)
    if not field <= float(info.max) / 2:
        raise ValueError(f"J and h give local fields sum_j |J_ij| + |h_i| up to {field:.4g}, "
                         f"more than half the largest {info.dtype} ({float(info.max) / 2:.4g}: "
                         f"a flip changes and costs twice that): rescale the model")
    if not np.isfinite(total):
        raise ValueError("J, h and offset give energies that overflow float64 (the sum of "
                         "|J_ij| + |h_i| + |offset| is infinite): rescale the model")
    return row_sums, smallest


def kernel_dtype(dtype, dense, csr, h, row_abs_sums):
    """The type of the couplings and fields in the kernels: `dtype`, except float32 for a
    float64 model whose fields are exact in float32 (same results, half the traffic).
    `row_abs_sums`: sum_j |J_ij| per row (from :func:`check_range`)."""
    if dtype != np.float64:
        return dtype
    values = dense if dense is not None else csr[2]
    exact = _fields_exact_in_float32(values, h, row_abs_sums)
    return np.dtype(np.float32) if exact else dtype
