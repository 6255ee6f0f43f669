"""Hands numpy BitGenerators to nogil kernels as raw `bitgen_t *` addresses."""
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport uintptr_t

import numpy as np


def bitgen_addresses(bit_generators):
    """uintp array of the `bitgen_t *` of each BitGenerator, for kernels that take them.

    The caller keeps the BitGenerator objects alive while a kernel uses the addresses.
    """
    cdef Py_ssize_t i, n = len(bit_generators)
    out = np.empty(n, dtype=np.uintp)
    cdef uintptr_t[::1] view = out
    for i in range(n):
        view[i] = <uintptr_t> PyCapsule_GetPointer(bit_generators[i].capsule, "BitGenerator")
    return out
