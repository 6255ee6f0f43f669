"""The couplings of an Ising model in the layout of the spin kernels, built once.

A Couplings is the one record that init_chains and sweep_chains (_spin_sweeps.pyx) receive,
as dwave-samplers hands one set of vectors to its C kernel. It owns the storage in the
kernel type (spin/policy.h: rows of dense couplings, and of the fields it allocates for the
chains, are aligned and padded to BOLTZ_ROW_ALIGN bytes) and a C view of it (couplings_t);
it is the only place that knows that layout. What it exposes is read-only.
"""
cimport numpy as cnp
from boltz._core._spin_policy cimport BOLTZ_DENSE_FILL_PERCENT, BOLTZ_ROW_ALIGN

import numpy as np

cnp.import_array()

# Dense storage pays when at least this fraction of the n^2 couplings is non-zero.
DENSE_FILL = BOLTZ_DENSE_FILL_PERCENT / 100.0


def _aligned_empty(shape, dtype):
    """An uninitialised C-contiguous array whose data start on a BOLTZ_ROW_ALIGN boundary."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    buf = np.empty(nbytes + BOLTZ_ROW_ALIGN, dtype=np.uint8)
    start = -buf.ctypes.data % BOLTZ_ROW_ALIGN
    return buf[start:start + nbytes].view(dtype).reshape(shape)


cdef object _frozen(a):
    a.flags.writeable = False
    return a


cdef const void *_data(object a):
    return NULL if a is None or a.size == 0 else cnp.PyArray_DATA(a)


cdef class Couplings:
    """Couplings J (symmetric, zero diagonal) and fields h of n spins, in the kernel type.

    Build with :meth:`from_dense` or :meth:`from_csr`; the arguments are trusted (the
    Python layer validated them).
    """

    def __init__(self):
        raise TypeError("build Couplings with Couplings.from_dense or Couplings.from_csr")

    @staticmethod
    def from_dense(J, h, dtype):
        """Dense storage: J (n, n) and h (n,) converted to `dtype` (float32 or float64)."""
        cdef Couplings self = Couplings.__new__(Couplings)
        dtype = np.dtype(dtype)
        n = J.shape[0]
        per = BOLTZ_ROW_ALIGN // dtype.itemsize
        store = _aligned_empty((n, -(-n // per) * per), dtype)
        store[:, :n] = J                 # the couplings, then zeros (never read as couplings)
        store[:, n:] = 0
        self._J = _frozen(store)
        self._set(n, store.shape[1], np.array(h, dtype=dtype), dtype)
        return self

    @staticmethod
    def from_csr(indptr, indices, data, h, dtype, copy=True):
        """CSR storage (both (i, j) and (j, i) of a bond, sorted columns): indptr (n + 1,),
        indices and data (nnz,); h (n,); data and h converted to `dtype`. With
        ``copy=False`` (unpickling: the arrays belong to nobody else) arrays already of the
        right type are kept, so a model sent to a Dask worker is not held twice."""
        cdef Couplings self = Couplings.__new__(Couplings)
        dtype = np.dtype(dtype)
        own = np.array if copy else np.ascontiguousarray
        self._indptr = _frozen(own(indptr, dtype=np.int64))
        self._indices = _frozen(own(indices, dtype=np.int32))
        self._data = _frozen(own(data, dtype=dtype))
        self._set(len(indptr) - 1, len(indptr) - 1, own(h, dtype=dtype), dtype)
        return self

    cdef void _set(self, Py_ssize_t n, Py_ssize_t ld, h, dtype) except *:
        # h: an array of `dtype` that nobody else holds (it is frozen here)
        self.dtype = dtype
        self._h = _frozen(h)
        self.c.n = n
        self.c.ld = ld
        self.c.J = _data(self._J)
        self.c.indptr = <const int64_t *> _data(self._indptr)
        self.c.indices = <const int32_t *> _data(self._indices)
        self.c.data = _data(self._data)
        self.c.h = _data(self._h)
        self.c.clamped = NULL

    def __reduce__(self):
        if self.is_dense:
            return Couplings.from_dense, (self.J, self._h, self.dtype)
        return Couplings.from_csr, (self._indptr, self._indices, self._data, self._h,
                                    self.dtype, False)

    @property
    def num_spins(self):
        """n."""
        return self.c.n

    @property
    def is_dense(self):
        """Whether the couplings are stored as a dense matrix (else CSR)."""
        return self._J is not None

    @property
    def J(self):
        """The (n, n) couplings of dense storage (a view without the row padding), or
        None."""
        return None if self._J is None else self._J[:, :self.c.n]

    @property
    def csr(self):
        """(indptr, indices, data) of CSR storage, or None."""
        return None if self._J is not None else (self._indptr, self._indices, self._data)

    @property
    def h(self):
        """The fields, in the kernel type."""
        return self._h

    def empty_fields(self, Py_ssize_t chains):
        """Uninitialised storage for the local fields of `chains` chains, in the kernel
        layout (init_chains fills it)."""
        return _aligned_empty((chains, self.c.ld), self.dtype)
