"""PCG64 streams spawned from a SeedSequence in C, and uniform spins drawn from them.

The streams live in one (n, 6) uint64 array (random/pcg64_streams.h); kernels get a
`bitgen_t *` per stream. No Python object is made per stream.
"""
from cpython.pycapsule cimport PyCapsule_New
from cython.parallel cimport prange
from libc.stdint cimport int8_t, uint32_t, uint64_t, uintptr_t
cimport numpy as cnp
from numpy.random cimport bitgen_t
from numpy.random.bit_generator cimport SeedSequence

import numpy as np

cnp.import_array()

cdef extern from "random/pcg64_streams.h" nogil:
    ctypedef struct boltz_pcg64:
        pass
    void boltz_seedseq_mix(uint32_t *pool, int pool_size, const uint32_t *words,
                           Py_ssize_t nwords, uint32_t *hash_const)
    void boltz_pcg64_spawn(boltz_pcg64 *out, Py_ssize_t n, const uint32_t *pool,
                           int pool_size, uint32_t hash_const, uint32_t first,
                           uint32_t *scratch)
    void boltz_pcg64_bind(bitgen_t *g, boltz_pcg64 *s, Py_ssize_t n)

cdef extern from "random/uniform_spins.h" nogil:
    void boltz_uniform_spins(bitgen_t *g, int8_t *out, Py_ssize_t n)

#: Columns of a stream state (boltz_pcg64).
STATE_WORDS = sizeof(boltz_pcg64) // sizeof(uint64_t)
#: Bytes per stream: its state, its bitgen_t and its address.
STREAM_BYTES = sizeof(boltz_pcg64) + sizeof(bitgen_t) + sizeof(uintptr_t)
#: SeedSequence counts its children in a uint32.
MAX_CHILDREN = 2**32 - 1


def spawn_pcg64(SeedSequence seq not None, Py_ssize_t n):
    """(n, 6) uint64 states of PCG64(c) for c in seq.spawn(n), advancing seq as spawn does.

    Child i's entropy words are those of child 0 with the last word (its index in the
    parent's spawn key) replaced, so numpy's own SeedSequence assembles child 0 and the
    rest is mixed in C.
    """
    cdef Py_ssize_t first = seq.n_children_spawned
    if n < 0 or first + n > MAX_CHILDREN:
        raise ValueError(f"a SeedSequence spawns at most 2**32 - 1 streams; {first} were spawned "
                         f"and {n} more were asked for")
    out = np.empty((n, STATE_WORDS), dtype=np.uint64)
    if n == 0:
        return out
    cdef SeedSequence child0 = SeedSequence(seq.entropy, spawn_key=seq.spawn_key + (first,),
                                            pool_size=seq.pool_size)
    cdef uint32_t[::1] words = np.ascontiguousarray(child0.get_assembled_entropy()[:-1],
                                                    dtype=np.uint32)
    cdef int pool_size = seq.pool_size
    cdef uint32_t[::1] pool = np.empty(pool_size, dtype=np.uint32)
    cdef uint32_t[::1] scratch = np.empty(pool_size, dtype=np.uint32)
    cdef uint64_t[:, ::1] states = out
    cdef uint32_t hash_const
    with nogil:
        boltz_seedseq_mix(&pool[0], pool_size, &words[0], words.shape[0], &hash_const)
        boltz_pcg64_spawn(<boltz_pcg64 *> &states[0, 0], n, &pool[0], pool_size, hash_const,
                          <uint32_t> first, &scratch[0])
    seq.n_children_spawned += n
    return out


def bind_pcg64(uint64_t[:, ::1] states):
    """(bitgens, addresses): a `bitgen_t` per row of `states` drawing from (and advancing)
    that row, stored in the uintp array `bitgens`, and their addresses (uintp (n,)).
    Keep `states` and `bitgens` alive while the addresses are used."""
    cdef Py_ssize_t i, n = states.shape[0]
    cdef Py_ssize_t words = sizeof(bitgen_t) // sizeof(uintptr_t)
    bitgens = np.empty((n, words), dtype=np.uintp)
    addresses = np.empty(n, dtype=np.uintp)
    if n == 0:
        return bitgens, addresses
    cdef uintptr_t[:, ::1] g = bitgens
    cdef uintptr_t[::1] a = addresses
    with nogil:
        boltz_pcg64_bind(<bitgen_t *> &g[0, 0], <boltz_pcg64 *> &states[0, 0], n)
        for i in range(n):
            a[i] = <uintptr_t> &g[i, 0]
    return bitgens, addresses


def bitgen_capsule(uintptr_t address):
    """The PyCapsule numpy's Generator takes for the `bitgen_t` at `address`."""
    return PyCapsule_New(<void *> address, "BitGenerator", NULL)


def uniform_spins(const uintptr_t[::1] bitgens, int8_t[:, ::1] spins, int nthreads):
    """spins[c] = 2 * Generator(bitgens[c]).integers(0, 2, n, dtype=int8) - 1, bit for bit
    (random/uniform_spins.h), chains in parallel."""
    cdef Py_ssize_t c, n = spins.shape[1]
    if spins.shape[0] == 0 or n == 0:
        return
    for c in prange(spins.shape[0], num_threads=nthreads, schedule='static', nogil=True):
        boltz_uniform_spins(<bitgen_t *> bitgens[c], &spins[c, 0], n)
