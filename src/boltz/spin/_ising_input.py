"""How an IsingModel's input is read: J as a dense matrix, a scipy.sparse matrix or COO
triplets (rows, cols, values); h; offset. Every check names the argument."""
from __future__ import annotations

import numpy as np

from boltz._validation import as_float_array, check_positive_int, check_real, refuse_masked


def frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _is_scipy_sparse(obj) -> bool:
    return hasattr(obj, "tocsr") and hasattr(obj, "nnz")


#: Most spins a model may have: the kernels index spins (CSR columns) with int32.
MAX_SPINS = 2**31 - 1
_INDEX_LIMIT = 2**63


def check_num_spins(n, name):
    """n, refused (ValueError naming `name`) above MAX_SPINS, before anything of size n is
    allocated."""
    if n > MAX_SPINS:
        raise ValueError(f"{name} describes {n} spins; at most {MAX_SPINS} are supported (the "
                         f"kernels index spins with int32)")
    return n


def node_indices(a, name):
    """A 1-D array of spin (node) numbers as int64. Signed and unsigned integers are
    accepted, and floats that are whole numbers (2.0, not 0.5); every entry must lie in
    [0, 2**63). ValueError naming `name` otherwise."""
    if a.dtype.kind in "iu":
        low = int(a.min()) if a.size else 0
        high = int(a.max()) if a.size else 0
    else:
        whole = np.isfinite(a) & (a == np.floor(a))
        if not np.all(whole):
            k = int(np.argmin(whole))
            raise ValueError(f"{name}: node numbers must be whole numbers, entry {k} is "
                             f"{a[k]!r}")
        low = float(a.min()) if a.size else 0
        high = float(a.max()) if a.size else 0
    if low < 0 or high >= _INDEX_LIMIT:
        raise ValueError(f"{name}: node numbers must lie in [0, 2**63), got "
                         f"{low if low < 0 else high!r}")
    return a.astype(np.int64)


def csr_from_coo(rows, cols, vals, n):
    """CSR (indptr int64, indices int32, data) of a symmetric matrix given by its bonds
    (each bond once, either orientation; repeated bonds add up)."""
    r = np.concatenate([rows, cols])
    c = np.concatenate([cols, rows])
    v = np.concatenate([vals, vals])
    key = r * n + c
    order = np.argsort(key, kind="stable")
    key, v = key[order], v[order]
    uniq, start = np.unique(key, return_index=True)
    data = np.add.reduceat(v, start) if v.size else v
    keep = data != 0
    uniq, data = uniq[keep], data[keep]
    rr, cc = np.divmod(uniq, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rr, minlength=n), out=indptr[1:])
    return indptr, cc.astype(np.int32), data


_NOT_SYMMETRIC = ("J must be symmetric (for bonds given once use J + J.T, or triplets "
                  "(rows, cols, values))")


def _dense_input(J):
    """A dense J: float64 (n, n), symmetric (symmetrised), zero diagonal, finite."""
    J = as_float_array(J, "J").astype(np.float64)
    if J.ndim != 2 or J.shape[0] != J.shape[1]:
        raise ValueError(f"J must be a square (n, n) matrix, got shape {J.shape}")
    if not np.all(np.isfinite(J)):
        raise ValueError("J must be finite")
    if np.any(np.diag(J) != 0):
        raise ValueError("J must have a zero diagonal (a spin does not couple to itself)")
    scale = np.abs(J).max(initial=0.0)
    if np.abs(J - J.T).max(initial=0.0) > 1e-12 * scale:
        raise ValueError(_NOT_SYMMETRIC)
    half = 0.5 * J                  # halves first: J + J.T would overflow above 0.9e308
    return half + half.T


def _scipy_input(J):
    """A scipy.sparse J: CSR (indptr, indices, data float64) and n. Real values only: a
    complex matrix is a TypeError (its imaginary part would be dropped), as for dense J."""
    kind, size = J.dtype.kind, J.dtype.itemsize
    if kind == "c":
        raise TypeError(f"J must be real, got a complex scipy.sparse matrix (dtype "
                        f"{J.dtype}); pass J.real to drop the imaginary part")
    if kind not in "biuf" or (kind == "f" and size > 8):
        raise TypeError(f"J must be a real scipy.sparse matrix of float32 or float64 values "
                        f"(integers and bools are converted); got dtype {J.dtype}")
    if len(J.shape) != 2 or J.shape[0] != J.shape[1]:
        raise ValueError(f"J must be a square (n, n) matrix, got shape {J.shape}")
    check_num_spins(J.shape[0], "J")
    A = J.tocsr().astype(np.float64)
    A.sum_duplicates()
    A.eliminate_zeros()
    if not np.all(np.isfinite(A.data)):
        raise ValueError("J must be finite")
    if np.any(A.diagonal() != 0):
        raise ValueError("J must have a zero diagonal (a spin does not couple to itself)")
    diff = A - A.T
    scale = np.abs(A.data).max(initial=0.0)
    if diff.nnz and np.abs(diff.data).max() > 1e-12 * scale:
        raise ValueError(_NOT_SYMMETRIC)
    A.sort_indices()
    return (A.indptr.astype(np.int64), A.indices.astype(np.int32), A.data.copy()), A.shape[0]


def _triplet_input(J, h, num_spins):
    """COO triplets (rows, cols, values): CSR and n (from num_spins, h or the indices)."""
    if len(J) != 3:
        raise ValueError("J as a tuple must be COO triplets (rows, cols, values)")
    for part, name in zip(J, ("rows", "cols", "values"), strict=True):
        refuse_masked(part, f"J triplet {name}")
    rows, cols, vals = (np.asarray(a) for a in J)
    if not (rows.shape == cols.shape == vals.shape) or rows.ndim != 1:
        raise ValueError("J triplets (rows, cols, values) must be 1-D of equal length")
    if rows.size and (rows.dtype.kind not in "iu" or cols.dtype.kind not in "iu"):
        raise TypeError("J triplet rows and cols must be integer indices")
    vals = as_float_array(vals, "J values").astype(np.float64)
    if not np.all(np.isfinite(vals)):
        raise ValueError("J must be finite")
    rows, cols = node_indices(rows, "J triplet rows"), node_indices(cols, "J triplet cols")
    n = num_spins
    if n is None:
        n = h.shape[0] if h is not None else int(max(rows.max(initial=-1),
                                                     cols.max(initial=-1))) + 1
        check_num_spins(n, "J")
    if rows.size and max(rows.max(), cols.max()) >= n:
        raise ValueError(f"J triplet indices must lie in [0, {n})")
    if np.any(rows == cols):
        raise ValueError("J must have a zero diagonal: a triplet couples a spin to itself")
    return csr_from_coo(rows, cols, vals, n), n


def parse_model(J, h, offset, num_spins):
    """Any accepted form of (J, h, offset, num_spins) as (n, dense, csr, h, offset): float64
    couplings as exactly one of a dense (n, n) matrix or CSR, h float64 (n,), offset float."""
    h = None if h is None else as_float_array(h, "h").astype(np.float64)
    if h is not None and h.ndim != 1:
        raise ValueError(f"h must be one-dimensional, got shape {h.shape}")
    if num_spins is not None:
        num_spins = check_num_spins(check_positive_int(num_spins, "num_spins"), "num_spins")
    dense = csr = None
    if isinstance(J, tuple):
        csr, n = _triplet_input(J, h, num_spins)
    elif _is_scipy_sparse(J):
        csr, n = _scipy_input(J)
    else:
        dense = _dense_input(J)
        n = dense.shape[0]
    if n == 0:
        raise ValueError("J must describe at least one spin")
    if num_spins is not None and num_spins != n:
        raise ValueError(f"num_spins={num_spins} does not match J ({n} spins)")
    h = np.zeros(n) if h is None else h
    if h.shape != (n,):
        raise ValueError(f"h must have shape ({n},) to match J, got {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("h must be finite")
    return n, dense, csr, h, check_real(offset, "offset")
