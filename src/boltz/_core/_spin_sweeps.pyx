"""Single-spin-flip Monte Carlo sweeps of Ising models, many chains in parallel.

Model: spins s_i = ±1, E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i (+ offset, added by the
Python layer). Each chain caches its local fields f_i = sum_j J_ij s_j + h_i, so flipping spin
i costs ΔE = 2 s_i f_i to evaluate and, when accepted, one update of the fields of i's
neighbours: O(degree) for CSR couplings, one contiguous row for dense ones.

Flip probability for x = beta * ΔE: Metropolis min(1, e^-x), heat bath 1 / (1 + e^x).
Each decision draws one random byte k and compares x with two precomputed quantiles of P
(TABLES): no exp and an eighth of a bitgen call in the common case; only when x falls in the
byte's band (probability 1/256) is P computed and the uniform number refined with more bytes,
so decisions are exact to 2^-64 and certain outcomes need no special cut-off (chain_rng.h).

OpenMP runs over chains; chain c draws only from its own generator bitgens[c], so results do
not depend on the thread count. Arguments are trusted: the Python layer validated them.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, log
from libc.stdint cimport int8_t, int32_t, int64_t, uint64_t, uintptr_t
from libc.string cimport memcpy
from numpy.random cimport bitgen_t

cdef extern from "chain_rng.h" nogil:
    ctypedef struct boltz_chain_rng:
        pass
    boltz_chain_rng boltz_chain_rng_make(bitgen_t *bitgen)
    int boltz_flip(boltz_chain_rng *r, double x, const double *table, int heat_bath)
    uint64_t boltz_bounded(boltz_chain_rng *r, uint64_t n)

cdef extern from "simd_kernels.h" nogil:
    void boltz_axpy_f32(float *y, const float *x, Py_ssize_t n, float a)
    void boltz_axpy_f64(double *y, const double *x, Py_ssize_t n, double a)

cdef enum:
    METROPOLIS = 0
    HEAT_BATH = 1
    SEQUENTIAL = 0
    RANDOM = 1

cdef struct Couplings:
    # dense: J is an n x n row-major matrix; sparse (J == NULL): CSR indptr/indices/data
    Py_ssize_t n
    const void *J
    const int64_t *indptr
    const int32_t *indices
    const void *data
    const void *h


# Flip-probability quantiles: TABLES[method][k] = P^-1(k/256), P(x) the flip probability at
# x = beta * dE (see boltz_flip). Metropolis P = min(1, e^-x); heat bath P = 1/(1 + e^x).
cdef double TABLES[2][257]


cdef void _fill_tables():
    cdef int k
    TABLES[METROPOLIS][0] = INFINITY
    TABLES[HEAT_BATH][0] = INFINITY
    for k in range(1, 257):
        TABLES[METROPOLIS][k] = -log(k / 256.0)
        TABLES[HEAT_BATH][k] = log(256.0 / k - 1.0) if k < 256 else -INFINITY


_fill_tables()


cdef inline void _update_fields(const Couplings *m, floating *f, Py_ssize_t i,
                                floating delta) noexcept nogil:
    """f_j += J_ij * delta for every neighbour j of i."""
    cdef Py_ssize_t p
    cdef const floating *row
    cdef const floating *data
    if m.J != NULL:
        row = (<const floating *> m.J) + i * m.n
        if floating is float:
            boltz_axpy_f32(f, row, m.n, delta)
        else:
            boltz_axpy_f64(f, row, m.n, delta)
    else:
        data = <const floating *> m.data
        for p in range(m.indptr[i], m.indptr[i + 1]):
            f[m.indices[p]] += data[p] * delta


cdef void _init_chain(const Couplings *m, const int8_t *s, floating *f, double *energy,
                      int64_t *magnet) noexcept nogil:
    """Local fields, energy (without offset) and magnetisation of one configuration."""
    cdef Py_ssize_t i, n = m.n
    cdef const floating *h = <const floating *> m.h
    cdef double e = 0.0
    cdef int64_t mag = 0
    for i in range(n):
        f[i] = h[i]
    for i in range(n):
        _update_fields(m, f, i, <floating> s[i])
    for i in range(n):
        # E = -1/2 sum_i s_i (f_i - h_i) - sum_i h_i s_i
        e -= 0.5 * s[i] * (<double> f[i] + <double> h[i])
        mag += s[i]
    energy[0] = e
    magnet[0] = mag


def init_chains(const int8_t[:, ::1] spins, floating[:, ::1] fields, double[::1] energy,
                int64_t[::1] magnet, const floating[:, ::1] J, const int64_t[::1] indptr,
                const int32_t[::1] indices, const floating[::1] data, const floating[::1] h,
                int nthreads):
    """Fill fields, energy (offset excluded) and magnetisation of every chain's spins."""
    cdef Couplings m = _couplings(J, indptr, indices, data, h)
    cdef Py_ssize_t c
    for c in prange(spins.shape[0], num_threads=nthreads, schedule='static', nogil=True):
        _init_chain(&m, &spins[c, 0], &fields[c, 0], &energy[c], &magnet[c])


cdef Couplings _couplings(const floating[:, ::1] J, const int64_t[::1] indptr,
                          const int32_t[::1] indices, const floating[::1] data,
                          const floating[::1] h):
    cdef Couplings m
    m.n = h.shape[0]
    m.J = &J[0, 0] if J.shape[0] > 0 else NULL
    m.indptr = &indptr[0] if indptr.shape[0] > 0 else NULL
    m.indices = &indices[0] if indices.shape[0] > 0 else NULL
    m.data = &data[0] if data.shape[0] > 0 else NULL
    m.h = &h[0]
    return m


cdef struct Recorder:
    # optional per-sweep outputs of one chain; NULL pointers mean "not recorded"
    double *energy
    double *magnet
    int8_t *states
    Py_ssize_t thin
    int8_t *best
    double *best_energy


cdef inline Recorder _recorder(double *energy, double *magnet, int8_t *states,
                               Py_ssize_t thin, int8_t *best,
                               double *best_energy) noexcept nogil:
    cdef Recorder rec
    rec.energy = energy
    rec.magnet = magnet
    rec.states = states
    rec.thin = thin
    rec.best = best
    rec.best_energy = best_energy
    return rec


cdef void _run_chain(const Couplings *m, int8_t *s, floating *f, double *energy,
                     int64_t *magnet, const double *schedule, Py_ssize_t num_sweeps,
                     double scale, int method, int order, bitgen_t *bitgen,
                     Recorder rec) noexcept nogil:
    cdef Py_ssize_t n = m.n, sweep, k, i, r
    cdef double e = energy[0], beta, de
    cdef int64_t mag = magnet[0]
    cdef int8_t si
    cdef boltz_chain_rng rng = boltz_chain_rng_make(bitgen)
    cdef const double *table = TABLES[method]
    for sweep in range(num_sweeps):
        beta = schedule[sweep] * scale
        for k in range(n):
            if order == SEQUENTIAL:
                i = k
            else:
                i = <Py_ssize_t> boltz_bounded(&rng, <uint64_t> n)
            si = s[i]
            de = 2.0 * si * f[i]
            if boltz_flip(&rng, beta * de, table, method):
                s[i] = -si
                e += de
                mag -= 2 * si
                _update_fields(m, f, i, <floating> (-2 * si))
        if rec.energy != NULL and (sweep + 1) % rec.thin == 0:
            r = (sweep + 1) // rec.thin - 1
            rec.energy[r] = e
            rec.magnet[r] = <double> mag
            if rec.states != NULL:
                memcpy(rec.states + r * n, s, n)
        if rec.best != NULL and e < rec.best_energy[0]:
            rec.best_energy[0] = e
            memcpy(rec.best, s, n)
    energy[0] = e
    magnet[0] = mag


def sweep_chains(int8_t[:, ::1] spins, floating[:, ::1] fields, double[::1] energy,
                 int64_t[::1] magnet, const floating[:, ::1] J, const int64_t[::1] indptr,
                 const int32_t[::1] indices, const floating[::1] data, const floating[::1] h,
                 const double[::1] schedule, const double[::1] scale, int method, int order,
                 const uintptr_t[::1] bitgens, int nthreads,
                 double[:, ::1] rec_energy=None, double[:, ::1] rec_magnet=None,
                 int8_t[:, :, ::1] rec_states=None, Py_ssize_t thin=1,
                 int8_t[:, ::1] best_spins=None, double[::1] best_energy=None):
    """Run len(schedule) sweeps on every chain c at beta = schedule[t] * scale[c].

    method: 0 Metropolis, 1 heat bath. order: 0 sequential, 1 uniformly random sites.
    With rec_energy/rec_magnet (chains x len(schedule)//thin), the energy (offset excluded)
    and the magnetisation sum_i s_i after every thin-th sweep; with rec_states also the spins.
    With best_spins/best_energy, the lowest-energy configuration seen at the end of a sweep
    (compared with the values passed in). Energies are updated incrementally; callers
    re-initialise with init_chains now and then to drop rounding drift.
    """
    cdef Couplings m = _couplings(J, indptr, indices, data, h)
    cdef Py_ssize_t c, chains = spins.shape[0], num_sweeps = schedule.shape[0]
    cdef Py_ssize_t n = spins.shape[1]
    cdef Py_ssize_t records = rec_energy.shape[1] if rec_energy is not None else 0
    cdef bint record = rec_energy is not None
    cdef bint record_states = rec_states is not None
    cdef bint track_best = best_spins is not None
    cdef Recorder rec
    if n == 0 or chains == 0 or num_sweeps == 0:
        return
    for c in prange(chains, num_threads=nthreads, schedule='dynamic', chunksize=1,
                    nogil=True):
        rec = _recorder(
            &rec_energy[c, 0] if (record and records > 0) else NULL,
            &rec_magnet[c, 0] if (record and records > 0) else NULL,
            &rec_states[c, 0, 0] if (record_states and records > 0) else NULL,
            thin,
            &best_spins[c, 0] if track_best else NULL,
            &best_energy[c] if track_best else NULL)
        _run_chain(&m, &spins[c, 0], &fields[c, 0], &energy[c], &magnet[c], &schedule[0],
                   num_sweeps, scale[c], method, order, <bitgen_t *> bitgens[c], rec)
