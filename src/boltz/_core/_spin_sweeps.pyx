"""Single-spin-flip Monte Carlo sweeps of Ising models, many chains in parallel.

Model: spins s_i = ±1, E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i (+ offset, added by the
Python layer). Each chain caches its local fields f_i = sum_j J_ij s_j + h_i, so flipping spin
i costs ΔE = 2 s_i f_i to evaluate and, when accepted, one update of the fields of i's
neighbours: O(degree) for CSR couplings, one contiguous row for dense ones.

Flip probability for x = beta * ΔE: Metropolis min(1, e^-x), heat bath 1 / (1 + e^x).
Each decision draws one random byte k and compares x with two precomputed quantiles of P
(TABLES): no exp and an eighth of a bitgen call in the common case; only when x falls in the
byte's band (probability 1/256) is P computed and resolved with a fresh 64-bit draw, so
decisions are exact to double precision and certain outcomes need no cut-off (chain_rng.h).

Kernels: _run_chain (one chain, the reference), _run_lanes (four chains of a sparse model in
vector lanes, spin_lanes.h), _run_dense (sequential sweeps of a dense model, a block of spins
at a time: a vector of chains decides together, then the fields take the block's flips,
dense_blocks.h) and the lockstep loop of _run_group (dense, random order). All perform the
same decisions and draws per chain, and fields that are sums of the same terms in the same
order, so a chain's result never depends on which one ran it.
The couplings arrive as one record, a Couplings (_couplings.pyx), the only place that knows
their layout. The policy is in one place: its constants in spin/policy.h, the grouping of
chains in _group_size, the choice of kernel in _run_group.
OpenMP runs over groups of chains; chain c draws only from its own generator bitgens[c], so
results do not depend on the thread count. A chain's unused random bytes can be carried from
one call to the next (rng_bits / rng_nbytes of sweep_chains), so that cutting a run into
calls, by sweeps or by chains, does not change any result either. descend_chains is the
zero-temperature, random-free limit: steepest descent of each chain from its fields
(spin/descent.h). Arguments are trusted (the Python layer validated them), except that the
chains' arrays must match the couplings' layout.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, NAN, log
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy
from numpy.random cimport bitgen_t
from boltz._core._couplings cimport Couplings, couplings_t
from boltz._core._simd cimport axpy
from boltz._core._spin_kernels cimport (
    BOLTZ_DENSE_BLOCK, BOLTZ_DENSE_MAX_GROUP as DENSE_GROUP, BOLTZ_DENSE_MAX_SETS as DENSE_SETS,
    BOLTZ_LANE_THRESHOLDS, boltz_bounded, boltz_chain_rng, boltz_chain_rng_make,
    boltz_dense_lanes, boltz_flip, dense_decide, dense_lanes_width, dense_update, descend_dense,
    descend_sparse, lanes_sweep, lanes_thresholds_base)
from boltz._core._spin_policy cimport (
    BOLTZ_BLOCK_UPDATES, BOLTZ_DENSE_TABLE_CALLS as DENSE_TABLE_CALLS,
    BOLTZ_DENSE_THRESHOLDS as DENSE_THRESHOLDS,
    BOLTZ_LANE_TABLE_DECISIONS as LANE_TABLE_DECISIONS, BOLTZ_MAX_GROUP as MAX_GROUP)

# The byte buffer of a chain's generator, which _spin_kernels.pxd leaves undeclared: the
# same C type under another Cython name, to carry the buffer between calls.
cdef extern from "random/chain_rng.h" nogil:
    ctypedef struct chain_rng_buffer "boltz_chain_rng":
        uint64_t bits
        int nbytes

cdef enum:
    METROPOLIS = 0
    HEAT_BATH = 1
    SEQUENTIAL = 0
    RANDOM = 1

# The codes of the method and order arguments, and the spin updates per call that keep a
# call short (spin/policy.h), for the Python layer.
METHODS = {"metropolis": METROPOLIS, "gibbs": HEAT_BATH, "heat_bath": HEAT_BATH}
ORDERS = {"sequential": SEQUENTIAL, "random": RANDOM}
BLOCK_UPDATES = BOLTZ_BLOCK_UPDATES


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


cdef inline void _update_fields(const couplings_t *m, floating *f, Py_ssize_t i,
                                floating delta) noexcept nogil:
    """f_j += J_ij * delta for every neighbour j of i."""
    cdef Py_ssize_t p
    cdef const floating *row
    cdef const floating *data
    if m.J != NULL:
        row = (<const floating *> m.J) + i * m.ld
        axpy(f, row, m.ld, delta)
    else:
        data = <const floating *> m.data
        for p in range(m.indptr[i], m.indptr[i + 1]):
            f[m.indices[p]] += data[p] * delta


cdef void _energy_and_magnet(const couplings_t *m, const int8_t *s, const floating *f,
                             double *energy, int64_t *magnet) noexcept nogil:
    """Energy (without offset) and magnetisation of a configuration with exact fields f."""
    cdef Py_ssize_t i
    cdef const floating *h = <const floating *> m.h
    cdef double e = 0.0
    cdef int64_t mag = 0
    for i in range(m.n):
        # E = -1/2 sum_i s_i (f_i - h_i) - sum_i h_i s_i
        e -= 0.5 * s[i] * (<double> f[i] + <double> h[i])
        mag += s[i]
    energy[0] = e
    magnet[0] = mag


cdef void _init_chain(const couplings_t *m, const int8_t *s, floating *f, double *energy,
                      int64_t *magnet) noexcept nogil:
    """Local fields, energy (without offset) and magnetisation of one configuration."""
    cdef Py_ssize_t i, n = m.n
    cdef const floating *h = <const floating *> m.h
    for i in range(n):
        f[i] = h[i]
    for i in range(n):
        _update_fields(m, f, i, <floating> s[i])
    _energy_and_magnet(m, s, f, energy, magnet)


cdef void _init_dense_group(const couplings_t *m, const int8_t *spins, floating *fields,
                            double *energy, int64_t *magnet, Py_ssize_t c0,
                            int size) noexcept nogil:
    """_init_chain for chains c0 .. c0 + size - 1 of a dense model, through the block
    update of the sweeps (every spin of a block "flips" from 0 to s_i): the same sums in
    the same order, with each block of coupling rows read once for the group."""
    cdef Py_ssize_t n = m.n, ld = m.ld, b, i, k0, k1, B = BOLTZ_DENSE_BLOCK
    cdef int g
    cdef const floating *h = <const floating *> m.h
    cdef floating *fptr[DENSE_GROUP]
    cdef int32_t flipped[DENSE_GROUP * BOLTZ_DENSE_BLOCK]
    cdef floating delta[DENSE_GROUP * BOLTZ_DENSE_BLOCK]
    cdef int nflip[DENSE_GROUP]
    for g in range(size):
        fptr[g] = fields + (c0 + g) * ld
        for i in range(ld):
            fptr[g][i] = h[i] if i < n else 0
    for b in range((n + B - 1) // B):
        k0 = b * B
        k1 = min(n, k0 + B)
        for g in range(size):
            nflip[g] = <int> (k1 - k0)
            for i in range(k0, k1):
                flipped[g * B + i - k0] = <int32_t> i
                delta[g * B + i - k0] = <floating> spins[(c0 + g) * n + i]
        dense_update(<const floating *> m.J, ld, fptr, flipped, delta, nflip, size)
    for g in range(size):
        _energy_and_magnet(m, spins + (c0 + g) * n, fptr[g], &energy[c0 + g],
                           &magnet[c0 + g])


cdef couplings_t _checked(Couplings model, Py_ssize_t n, Py_ssize_t fields_row,
                          Py_ssize_t itemsize) except *:
    """The kernels' view of model, once the chains' arrays are known to match its layout."""
    if n != model.c.n or fields_row != model.c.ld or itemsize != model.dtype.itemsize:
        raise ValueError("spins and fields must be laid out for the couplings "
                         "(fields from Couplings.empty_fields)")
    return model.c


cdef int _group_size(const couplings_t *m, Py_ssize_t chains, int nthreads,
                     int order) noexcept nogil:
    """Chains per group, the grouping policy in one place (spin/policy.h): as many as keep
    every thread busy. A dense model's sequential sweeps (and initialisation) take up to
    DENSE_GROUP chains through each block of coupling rows; otherwise up to MAX_GROUP, and a
    sparse model groups chains only when they fill the four vector lanes of sequential
    sweeps."""
    cdef int size
    if m.J != NULL and order == SEQUENTIAL:
        return <int> min(<Py_ssize_t> DENSE_GROUP, (chains + nthreads - 1) // max(1, nthreads))
    size = <int> max(1, min(<Py_ssize_t> MAX_GROUP, chains // max(1, nthreads)))
    if m.J == NULL and (size < 4 or order != SEQUENTIAL):
        return 1
    return size


def init_chains(Couplings model, const int8_t[:, ::1] spins, floating[:, ::1] fields,
                double[::1] energy, int64_t[::1] magnet, int nthreads):
    """Fill fields (from model.empty_fields), energy (offset excluded) and magnetisation of
    every chain's spins."""
    cdef Py_ssize_t c, grp, chains = spins.shape[0]
    cdef couplings_t m = _checked(model, spins.shape[1], fields.shape[1], sizeof(floating))
    cdef int size
    if chains == 0:
        return
    if m.J == NULL:
        for c in prange(chains, num_threads=nthreads, schedule='static', nogil=True):
            _init_chain(&m, &spins[c, 0], &fields[c, 0], &energy[c], &magnet[c])
        return
    size = _group_size(&m, chains, nthreads, SEQUENTIAL)
    for grp in prange((chains + size - 1) // size, num_threads=nthreads, schedule='dynamic',
                      chunksize=1, nogil=True):
        _init_dense_group(&m, &spins[0, 0], &fields[0, 0], &energy[0], &magnet[0],
                          grp * size, <int> min(<Py_ssize_t> size, chains - grp * size))


cdef void _lane_thresholds(double beta, int method, floating *buf) noexcept nogil:
    """The vector lanes' thresholds (spin_lanes.h) with beta in all four lanes: buf[8 j] is
    the largest field value g with round(2 beta g) <= TABLES[method][j], buf[8 j + 4] the
    largest with < (BOLTZ_LANE_THRESHOLDS values)."""
    cdef double betas[4]
    cdef double known[4]
    cdef int lane
    for lane in range(4):
        betas[lane] = beta
        known[lane] = NAN
    lanes_thresholds_base(betas, TABLES[method], buf, known)


def lane_thresholds(double beta, int method, floating[:, ::1] out, double[::1] table):
    """The flip thresholds of the vector-lane kernel at beta, for the tests: with table the
    257 quantiles TABLES[method], out[0, j] is the largest value g of the field's type with
    round(2 beta g) <= table[j], and out[1, j] the largest with round(2 beta g) < table[j]."""
    cdef Py_ssize_t j
    cdef floating *buf = <floating *> malloc(BOLTZ_LANE_THRESHOLDS * sizeof(floating))
    if buf == NULL:
        raise MemoryError()
    _lane_thresholds(beta, method, buf)
    for j in range(257):
        table[j] = TABLES[method][j]
        out[0, j] = buf[8 * j]
        out[1, j] = buf[8 * j + 4]
    free(buf)


cdef struct Chain:
    # one chain's state and outputs; f points to floating fields (float or double)
    int8_t *s
    void *f
    double e
    int64_t mag
    double scale
    boltz_chain_rng rng
    double *rec_energy        # NULL: not recorded
    double *rec_magnet
    int8_t *rec_states        # NULL: states not recorded
    int8_t *best              # NULL: best state not tracked
    double *best_energy


cdef inline chain_rng_buffer *_buffer(boltz_chain_rng *rng) noexcept nogil:
    return <chain_rng_buffer *> rng


cdef inline bint _same_buffers(Chain *group, int size) noexcept nogil:
    """Whether the chains' byte buffers hold the same number of bytes (the vector lanes
    draw in lockstep; chains swept together always do, unless random-order sweeps with
    clamped spins drew different numbers of bytes)."""
    cdef int g
    for g in range(1, size):
        if _buffer(&group[g].rng).nbytes != _buffer(&group[0].rng).nbytes:
            return False
    return True


cdef inline void _record_trace(Chain *ch, Py_ssize_t sweep, Py_ssize_t thin, Py_ssize_t n,
                               double e, int64_t mag) noexcept nogil:
    """After a sweep: the trace (energy, magnetisation, spins if asked) every thin-th sweep."""
    cdef Py_ssize_t r
    if ch.rec_energy != NULL and (sweep + 1) % thin == 0:
        r = (sweep + 1) // thin - 1
        ch.rec_energy[r] = e
        ch.rec_magnet[r] = <double> mag
        if ch.rec_states != NULL:
            memcpy(ch.rec_states + r * n, ch.s, n)


cdef inline void _record(Chain *ch, Py_ssize_t sweep, Py_ssize_t thin, Py_ssize_t n,
                         double e, int64_t mag) noexcept nogil:
    """After a sweep: the trace, and the lowest-energy state so far."""
    _record_trace(ch, sweep, thin, n, e, mag)
    if ch.best != NULL and e < ch.best_energy[0]:
        ch.best_energy[0] = e
        memcpy(ch.best, ch.s, n)


cdef void _run_chain(const couplings_t *m, Chain *ch, floating *f, const double *schedule,
                     Py_ssize_t num_sweeps, int method, int order,
                     Py_ssize_t thin) noexcept nogil:
    """num_sweeps sweeps of one chain. The state lives in locals during the sweep: the
    int8 spin stores may alias anything, so struct fields would be reloaded after each."""
    cdef Py_ssize_t n = m.n, sweep, k, i
    cdef int8_t *s = ch.s
    cdef int8_t si
    cdef double e = ch.e, beta, de
    cdef int64_t mag = ch.mag
    cdef boltz_chain_rng rng = ch.rng
    cdef const double *table = TABLES[method]
    for sweep in range(num_sweeps):
        beta = schedule[sweep] * ch.scale
        for k in range(n):
            i = k if order == SEQUENTIAL else <Py_ssize_t> boltz_bounded(rng.bitgen, n)
            if m.clamped != NULL and m.clamped[i]:
                continue
            si = s[i]
            de = 2.0 * si * f[i]
            if boltz_flip(&rng, beta * de, table, method):
                s[i] = -si
                e += de
                mag -= 2 * si
                _update_fields(m, f, i, <floating> (-2 * si))
        _record(ch, sweep, thin, n, e, mag)
    ch.e = e
    ch.mag = mag
    ch.rng = rng


cdef void _run_lanes(const couplings_t *m, Chain *group, floating *f, const double *schedule,
                     Py_ssize_t num_sweeps, int method, Py_ssize_t thin) noexcept nogil:
    """Four chains of a sparse model, sequential sweeps, one chain per vector lane
    (spin_lanes.h). Same results as four _run_chain calls. The state, and the lowest-energy
    states when tracked, are kept interleaved (element [4 i + lane]) during the call.
    `f` selects the type."""
    cdef Py_ssize_t n = m.n, i, sweep
    cdef int lane
    cdef bint track = group[0].best != NULL
    cdef floating *fl = <floating *> malloc(4 * n * sizeof(floating))
    cdef Py_ssize_t changes = 1
    cdef floating *thr = NULL
    cdef int8_t *sl = <int8_t *> malloc(4 * n)
    cdef int8_t *bl = <int8_t *> malloc(4 * n) if track else NULL
    cdef uint32_t *s32 = <uint32_t *> sl
    cdef uint32_t *b32 = <uint32_t *> bl
    cdef uint32_t improved
    cdef floating *fc
    cdef double e4[4]
    cdef double mag4[4]
    cdef double betas[4]
    cdef double known[4]
    cdef boltz_chain_rng rng4[4]
    for sweep in range(1, num_sweeps):
        changes += schedule[sweep] != schedule[sweep - 1]
    if n * num_sweeps >= LANE_TABLE_DECISIONS * changes:
        # enough decisions per beta to pay for the thresholds (NULL: decide without them)
        thr = <floating *> malloc(BOLTZ_LANE_THRESHOLDS * sizeof(floating))
    if fl == NULL or sl == NULL or (track and bl == NULL):
        free(fl)                      # out of memory: the one-chain kernel needs no scratch
        free(sl)
        free(thr)
        free(bl)
        for lane in range(4):
            _run_chain(m, &group[lane], <floating *> group[lane].f, schedule, num_sweeps, method,
                       SEQUENTIAL, thin)
        return
    for lane in range(4):
        fc = <floating *> group[lane].f
        for i in range(n):
            fl[4 * i + lane] = fc[i]
            sl[4 * i + lane] = group[lane].s[i]
            if track:
                bl[4 * i + lane] = group[lane].best[i]
        e4[lane] = group[lane].e
        mag4[lane] = <double> group[lane].mag
        rng4[lane] = group[lane].rng
        known[lane] = NAN                # no thresholds built yet
    for sweep in range(num_sweeps):
        for lane in range(4):
            betas[lane] = schedule[sweep] * group[lane].scale
        lanes_sweep(m.indptr, m.indices, <const floating *> m.data, m.clamped, n, fl, sl, e4,
                    mag4, rng4, betas, TABLES[method], method, thr, known)
        improved = 0
        for lane in range(4):
            if track and e4[lane] < group[lane].best_energy[0]:
                group[lane].best_energy[0] = e4[lane]
                improved |= (<uint32_t> 0xFF) << (8 * lane)
            if group[lane].rec_states != NULL and (sweep + 1) % thin == 0:
                for i in range(n):    # _record_trace copies the int8 spins
                    group[lane].s[i] = sl[4 * i + lane]
            _record_trace(&group[lane], sweep, thin, n, e4[lane], <int64_t> mag4[lane])
        if improved:                  # the improved lanes' spins become their best states
            for i in range(n):
                b32[i] = (b32[i] & ~improved) | (s32[i] & improved)
    for lane in range(4):
        fc = <floating *> group[lane].f
        for i in range(n):
            fc[i] = fl[4 * i + lane]
            group[lane].s[i] = sl[4 * i + lane]
            if track:
                group[lane].best[i] = bl[4 * i + lane]
        group[lane].e = e4[lane]
        group[lane].mag = <int64_t> mag4[lane]
        group[lane].rng = rng4[lane]
    free(fl)
    free(sl)
    free(thr)
    free(bl)


cdef void _dense_thresholds(double beta, int method, floating *out,
                            floating *scratch) noexcept nogil:
    """out[2 k] = G(TABLES[method][k + 1]) and out[2 k + 1] the strict G(TABLES[method][k])
    at beta, k < 256, for the dense lanes (dense_decide_impl.h), by the vector lanes' exact
    search; scratch holds BOLTZ_LANE_THRESHOLDS values."""
    cdef int j
    _lane_thresholds(beta, method, scratch)
    for j in range(256):
        out[2 * j] = scratch[8 * (j + 1)]
        out[2 * j + 1] = scratch[8 * j + 4]


cdef void _run_dense(const couplings_t *m, Chain *group, int size, floating *f,
                     const double *schedule, Py_ssize_t num_sweeps, int method,
                     Py_ssize_t thin) noexcept nogil:
    """Sequential sweeps of a dense model, a block of spins at a time (dense_blocks.h): the
    group's chains decide the block's spins a vector of chains at a time (one chain per
    lane), then all fields take the block's flips in one pass. Per chain the same decisions,
    draws and fields as _run_chain. The chains of a group are consecutive rows of the spins
    and fields (_sweep_group). When a table serves at least DENSE_TABLE_CALLS decision calls
    the lanes compare with exact thresholds, one table per distinct beta of the group, else
    x = beta dE with the quantiles. `f` only selects the type."""
    cdef Py_ssize_t n = m.n, ld = m.ld, sweep, b, k0, k1, B = BOLTZ_DENSE_BLOCK
    cdef int g, q, lane, d, count, nsets, ndistinct = 0, width
    cdef Py_ssize_t changes = 1
    cdef const double *table = TABLES[method]
    cdef const floating *J = <const floating *> m.J
    cdef floating *base_f = <floating *> group[0].f
    cdef int8_t *base_s = group[0].s
    cdef floating *fields[DENSE_GROUP]
    cdef int32_t flipped[DENSE_GROUP * BOLTZ_DENSE_BLOCK]
    cdef floating delta[DENSE_GROUP * BOLTZ_DENSE_BLOCK]
    cdef int nflip[DENSE_GROUP]
    cdef double scales[DENSE_GROUP]
    cdef int which[DENSE_GROUP]          # index of the chain's scale in scales
    cdef boltz_dense_lanes lanes[DENSE_SETS]
    cdef floating *thr = NULL
    cdef floating *scratch = NULL
    width = dense_lanes_width(f)
    nsets = (size + width - 1) // width
    for g in range(size):
        fields[g] = <floating *> group[g].f
        d = 0
        while d < ndistinct and scales[d] != group[g].scale:
            d += 1
        if d == ndistinct:
            scales[d] = group[g].scale
            ndistinct += 1
        which[g] = d
    for sweep in range(1, num_sweeps):
        changes += schedule[sweep] != schedule[sweep - 1]
    if (n + B - 1) // B * nsets * num_sweeps >= DENSE_TABLE_CALLS * changes * ndistinct:
        thr = <floating *> malloc(ndistinct * DENSE_THRESHOLDS * sizeof(floating))
        scratch = <floating *> malloc(BOLTZ_LANE_THRESHOLDS * sizeof(floating))
        if thr == NULL or scratch == NULL:   # out of memory: decide without thresholds
            free(thr)
            free(scratch)
            thr = NULL
            scratch = NULL
    for q in range(nsets):
        # the lanes keep each draw whole and read its byte 8 - nbytes; a chain's buffer holds
        # its unused bytes lowest first (the callers give the chains of a group equal counts)
        lanes[q].nbytes = _buffer(&group[q * width].rng).nbytes
        for lane in range(width):
            g = q * width + lane
            if g >= size:
                break
            lanes[q].bitgen[lane] = group[g].rng.bitgen
            lanes[q].bits[lane] = (_buffer(&group[g].rng).bits << (64 - 8 * lanes[q].nbytes)
                                   if lanes[q].nbytes else 0)
            lanes[q].energy[lane] = group[g].e
            lanes[q].magnet[lane] = <double> group[g].mag
            lanes[q].base[lane] = which[g] * DENSE_THRESHOLDS
    for sweep in range(num_sweeps):
        if sweep == 0 or schedule[sweep] != schedule[sweep - 1]:
            for g in range(size):
                lanes[g // width].beta[g % width] = schedule[sweep] * group[g].scale
            if thr != NULL:
                for d in range(ndistinct):
                    _dense_thresholds(schedule[sweep] * scales[d], method,
                                      thr + d * DENSE_THRESHOLDS, scratch)
        for b in range((n + B - 1) // B):
            k0 = b * B
            k1 = min(n, k0 + B)
            for q in range(nsets):
                count = min(width, size - q * width)
                dense_decide(J, ld, k0, k1, m.clamped, base_f + q * width * ld,
                             base_s + q * width * n, n, &lanes[q], count, thr, table, method,
                             &flipped[q * width * B], &delta[q * width * B],
                             &nflip[q * width])
            dense_update(J, ld, fields, flipped, delta, nflip, size)
        for g in range(size):
            group[g].e = lanes[g // width].energy[g % width]
            group[g].mag = <int64_t> lanes[g // width].magnet[g % width]
            _record(&group[g], sweep, thin, n, group[g].e, group[g].mag)
    for g in range(size):
        q = g // width
        _buffer(&group[g].rng).nbytes = lanes[q].nbytes
        _buffer(&group[g].rng).bits = (lanes[q].bits[g % width] >> (64 - 8 * lanes[q].nbytes)
                                       if lanes[q].nbytes else 0)
    free(thr)
    free(scratch)


cdef void _run_group(const couplings_t *m, Chain *group, int size, floating *f,
                     const double *schedule, Py_ssize_t num_sweeps, int method, int order,
                     Py_ssize_t thin) noexcept nogil:
    """Sweep `size` chains: sparse models four at a time in vector lanes (sequential order)
    or one by one; dense models block by block (sequential order) or in lockstep, spin by
    spin, so that a coupling row read for one chain's flip is still in cache for the
    others' (random order). `f` only selects the type."""
    cdef Py_ssize_t n = m.n, sweep, k, i
    cdef int g
    cdef Chain *ch
    cdef floating *fg
    cdef int8_t si
    cdef double de
    cdef const double *table = TABLES[method]
    if m.J == NULL and size == 4 and order == SEQUENTIAL and _same_buffers(group, size):
        _run_lanes(m, group, f, schedule, num_sweeps, method, thin)
        return
    if m.J != NULL and order == SEQUENTIAL and _same_buffers(group, size):
        _run_dense(m, group, size, f, schedule, num_sweeps, method, thin)
        return
    if m.J == NULL or size == 1 or order == SEQUENTIAL:
        for g in range(size):
            _run_chain(m, &group[g], <floating *> group[g].f, schedule, num_sweeps, method,
                       order, thin)
        return
    for sweep in range(num_sweeps):
        for k in range(n):
            for g in range(size):
                ch = &group[g]
                fg = <floating *> ch.f
                i = k if order == SEQUENTIAL else <Py_ssize_t> boltz_bounded(ch.rng.bitgen, n)
                if m.clamped != NULL and m.clamped[i]:
                    continue
                si = ch.s[i]
                de = 2.0 * si * fg[i]
                if boltz_flip(&ch.rng, schedule[sweep] * ch.scale * de, table, method):
                    ch.s[i] = -si
                    ch.e += de
                    ch.mag -= 2 * si
                    _update_fields(m, fg, i, <floating> (-2 * si))
        for g in range(size):
            _record(&group[g], sweep, thin, n, group[g].e, group[g].mag)


cdef struct Outputs:
    # row-major bases of the optional outputs (NULL: not requested) and their row lengths
    double *rec_energy
    double *rec_magnet
    int8_t *rec_states
    Py_ssize_t records
    int8_t *best
    double *best_energy
    uint64_t *rng_bits        # NULL: every chain starts with an empty byte buffer
    uint8_t *rng_nbytes


cdef void _sweep_group(const couplings_t *m, int8_t *spins, floating *fields, double *energy,
                       int64_t *magnet, const double *scale, const uintptr_t *bitgens,
                       Py_ssize_t c0, int size, const double *schedule,
                       Py_ssize_t num_sweeps, int method, int order, Py_ssize_t thin,
                       Outputs out) noexcept nogil:
    """Chains c0 .. c0 + size - 1: load their state, sweep them, store it back."""
    cdef Chain group[DENSE_GROUP]
    cdef Py_ssize_t c, n = m.n
    cdef int g
    for g in range(size):
        c = c0 + g
        group[g].s = spins + c * n
        group[g].f = fields + c * m.ld
        group[g].e = energy[c]
        group[g].mag = magnet[c]
        group[g].scale = scale[c]
        group[g].rng = boltz_chain_rng_make(<bitgen_t *> bitgens[c])
        if out.rng_bits != NULL:
            _buffer(&group[g].rng).bits = out.rng_bits[c]
            _buffer(&group[g].rng).nbytes = out.rng_nbytes[c]
        group[g].rec_energy = NULL
        group[g].rec_magnet = NULL
        group[g].rec_states = NULL
        group[g].best = NULL
        group[g].best_energy = NULL
        if out.rec_energy != NULL:
            group[g].rec_energy = out.rec_energy + c * out.records
            group[g].rec_magnet = out.rec_magnet + c * out.records
        if out.rec_states != NULL:
            group[g].rec_states = out.rec_states + c * out.records * n
        if out.best != NULL:
            group[g].best = out.best + c * n
            group[g].best_energy = out.best_energy + c
    _run_group(m, group, size, fields, schedule, num_sweeps, method, order, thin)
    for g in range(size):
        energy[c0 + g] = group[g].e
        magnet[c0 + g] = group[g].mag
        if out.rng_bits != NULL:
            out.rng_bits[c0 + g] = _buffer(&group[g].rng).bits
            out.rng_nbytes[c0 + g] = <uint8_t> _buffer(&group[g].rng).nbytes


def sweep_chains(Couplings model, int8_t[:, ::1] spins, floating[:, ::1] fields,
                 double[::1] energy, int64_t[::1] magnet, const double[::1] schedule,
                 const double[::1] scale, int method, int order, const uintptr_t[::1] bitgens,
                 int nthreads, double[:, ::1] rec_energy=None, double[:, ::1] rec_magnet=None,
                 int8_t[:, :, ::1] rec_states=None, Py_ssize_t thin=1,
                 int8_t[:, ::1] best_spins=None, double[::1] best_energy=None,
                 const uint8_t[::1] clamped=None, uint64_t[::1] rng_bits=None,
                 uint8_t[::1] rng_nbytes=None):
    """Run len(schedule) sweeps on every chain c at beta = schedule[t] * scale[c].

    method: 0 Metropolis, 1 heat bath. order: 0 sequential, 1 uniformly random sites.
    With rec_energy/rec_magnet (chains x len(schedule)//thin), the energy (offset excluded)
    and the magnetisation sum_i s_i after every thin-th sweep; with rec_states also the spins.
    With best_spins/best_energy, the lowest-energy configuration seen at the end of a sweep
    (compared with the values passed in). Energies are updated incrementally; callers
    re-initialise with init_chains now and then to drop rounding drift. Spins with
    clamped[i] == 1 are skipped (no draw): they keep their values, the others are sampled
    conditionally on them.

    Chains are independent and each draws only from bitgens[c], so how they are grouped
    and spread over threads does not change any result. With rng_bits / rng_nbytes (one
    entry per chain, zeros at the start of a run) each chain's unused random bytes are
    taken from and left in them, so that a run cut into several calls (ranges of sweeps,
    ranges of chains: row slices of every per-chain array) gives the results of one call;
    without them every call starts with empty buffers.
    """
    cdef Py_ssize_t chains = spins.shape[0], num_sweeps = schedule.shape[0]
    cdef Py_ssize_t n = spins.shape[1], c0, grp, ngroups
    cdef couplings_t m = _checked(model, n, fields.shape[1], sizeof(floating))
    cdef Py_ssize_t records = rec_energy.shape[1] if rec_energy is not None else 0
    cdef Outputs out
    cdef int size
    if n == 0 or chains == 0 or num_sweeps == 0:
        return
    if clamped is not None:
        m.clamped = &clamped[0]
    if records > 0 and (rec_magnet is None or rec_magnet.shape[0] != rec_energy.shape[0]
                        or rec_magnet.shape[1] != records):
        raise ValueError("rec_energy and rec_magnet are recorded together: same shape")
    out.records = records
    out.rec_energy = &rec_energy[0, 0] if records > 0 else NULL
    out.rec_magnet = &rec_magnet[0, 0] if records > 0 else NULL
    out.rec_states = &rec_states[0, 0, 0] if (rec_states is not None and records > 0) else NULL
    out.best = &best_spins[0, 0] if best_spins is not None else NULL
    out.best_energy = &best_energy[0] if best_spins is not None else NULL
    out.rng_bits = NULL
    out.rng_nbytes = NULL
    if rng_bits is not None or rng_nbytes is not None:
        if (rng_bits is None or rng_nbytes is None or rng_bits.shape[0] != chains
                or rng_nbytes.shape[0] != chains):
            raise ValueError("rng_bits and rng_nbytes must both have one entry per chain")
        for c0 in range(chains):
            if rng_nbytes[c0] > 8:
                raise ValueError("rng_nbytes must be at most 8")
        out.rng_bits = &rng_bits[0]
        out.rng_nbytes = &rng_nbytes[0]
    size = _group_size(&m, chains, nthreads, order)
    ngroups = (chains + size - 1) // size
    for grp in prange(ngroups, num_threads=nthreads, schedule='dynamic', chunksize=1,
                      nogil=True):
        c0 = grp * size
        _sweep_group(&m, &spins[0, 0], &fields[0, 0], &energy[0], &magnet[0], &scale[0],
                     &bitgens[0], c0, <int> min(size, chains - c0), &schedule[0],
                     num_sweeps, method, order, thin, out)


def descend_chains(Couplings model, int8_t[:, ::1] spins, floating[:, ::1] fields,
                   int64_t[::1] flips, int nthreads):
    """Steepest descent of every chain from its fields (init_chains): flip the spin with the
    most negative dE_i = 2 s_i f_i, the lowest index on ties, until none is negative
    (spin/descent.h). The spins and fields are updated in place, flips[c] is chain c's
    number of flips. Chains are independent: results do not depend on nthreads."""
    cdef Py_ssize_t c, chains = spins.shape[0]
    cdef couplings_t m = _checked(model, spins.shape[1], fields.shape[1], sizeof(floating))
    if flips.shape[0] != chains:
        raise ValueError("flips must have one entry per chain")
    for c in prange(chains, num_threads=nthreads, schedule='dynamic', chunksize=1,
                    nogil=True):
        if m.J != NULL:
            flips[c] = descend_dense(<const floating *> m.J, m.ld, m.n, &spins[c, 0],
                                     &fields[c, 0])
        else:
            flips[c] = descend_sparse(m.indptr, m.indices, <const floating *> m.data, m.n,
                                      &spins[c, 0], &fields[c, 0])
    for c in range(chains):
        if flips[c] < 0:
            raise MemoryError("no memory for the tournament tree of the descent")
