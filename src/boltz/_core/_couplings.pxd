# The couplings of an Ising model in the layout of the spin kernels (_couplings.pyx).
from libc.stdint cimport int32_t, int64_t, uint8_t


cdef struct couplings_t:
    # What a kernel reads. Dense (J != NULL): J is an n x ld row-major matrix of the kernel
    # type, the couplings then zeros; ld, the length of a row of J and of each chain's
    # fields, is n rounded up to BOLTZ_ROW_ALIGN bytes. Sparse (J == NULL): CSR
    # indptr/indices/data, ld = n. h: the n fields. clamped: NULL, or 1 for the spins that
    # never flip (conditional sampling), set per call.
    Py_ssize_t n
    Py_ssize_t ld
    const void *J
    const int64_t *indptr
    const int32_t *indices
    const void *data
    const void *h
    const uint8_t *clamped


cdef class Couplings:
    cdef couplings_t c
    cdef readonly object dtype          # numpy.float32 or numpy.float64: the kernel type
    cdef object _J, _indptr, _indices, _data, _h    # the storage c points into (read-only)
    cdef void _set(self, Py_ssize_t n, Py_ssize_t ld, h, dtype) except *
