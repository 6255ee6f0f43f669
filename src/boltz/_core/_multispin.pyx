"""Multi-spin-coded Metropolis annealing: 64 reads per uint64 word (spin/multispin.h).

For models whose couplings all have one magnitude |J| and which have no fields. Group g of
reads is words[g] (n words, bit l of words[g, i] set where read 64 g + l has s_i = -1) and
draws from the PCG64 stream rng_states[g]. The couplings arrive as CSR rows (both
directions of every bond) with each entry's sign as a lane mask (neg: all ones for
J_ij < 0). Groups are independent: OpenMP runs over them, and results do not depend on the
thread count. Arguments are trusted (the Python layer built them), except for shapes.
"""
from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t, uint64_t

cdef extern from "random/pcg64_streams.h" nogil:
    ctypedef struct boltz_pcg64:
        pass

cdef extern from "spin/multispin.h" nogil:
    enum: BOLTZ_MSC_LANES
    enum: BOLTZ_MSC_COUNT_BITS
    enum: BOLTZ_MSC_TOTAL_BITS
    ctypedef struct boltz_msc_graph:
        const int64_t *indptr
        const int32_t *indices
        const uint64_t *neg
        Py_ssize_t n
        int count_bits
        int max_degree
        const int32_t *bond_i
        const int32_t *bond_j
        const uint64_t *bond_neg
        int64_t num_bonds
        int total_bits
    void boltz_msc_unsatisfied(const boltz_msc_graph *g, const uint64_t *s, int64_t *out)
    int boltz_msc_anneal(const boltz_msc_graph *g, uint64_t *s, uint64_t *best,
                         int64_t *unsat, int64_t *best_unsat, uint64_t *stopped,
                         int64_t target_unsat, int64_t *hit, int64_t sweep0,
                         const double *betas, double two_j, Py_ssize_t num_sweeps,
                         boltz_pcg64 *rng)

LANES = BOLTZ_MSC_LANES
#: Largest degree the kernel counts (bits of a spin's count).
MAX_DEGREE = 2 ** BOLTZ_MSC_COUNT_BITS - 1
#: Most bonds whose unsatisfied count the kernel keeps.
MAX_BONDS = 2 ** BOLTZ_MSC_TOTAL_BITS - 1


cdef class Graph:
    """The couplings as the kernel reads them: CSR rows (both directions of every bond) with
    each entry's sign as a lane mask (all ones for J_ij < 0), and every bond once (i < j)
    with its sign. Built by boltz.spin._multispin from a model's couplings."""
    cdef readonly object arrays
    cdef boltz_msc_graph g

    def __init__(self, const int64_t[::1] indptr, const int32_t[::1] indices,
                 const uint64_t[::1] neg, const int32_t[::1] bond_i,
                 const int32_t[::1] bond_j, const uint64_t[::1] bond_neg):
        cdef Py_ssize_t i, n = indptr.shape[0] - 1, degree = 0
        if n < 0 or indices.shape[0] != neg.shape[0] or indptr[0] != 0 \
                or indptr[n] != indices.shape[0]:
            raise ValueError("indptr, indices and neg must be CSR rows with a sign each")
        if bond_j.shape[0] != bond_i.shape[0] or bond_neg.shape[0] != bond_i.shape[0]:
            raise ValueError("bond_i, bond_j and bond_neg must have one entry per bond")
        if 2 * bond_i.shape[0] != indices.shape[0] or bond_i.shape[0] > MAX_BONDS:
            raise ValueError(f"the bonds must be the CSR entries once each, at most "
                             f"{MAX_BONDS}")
        for i in range(n):
            if indptr[i + 1] < indptr[i]:
                raise ValueError("indptr must not decrease")
            degree = max(degree, indptr[i + 1] - indptr[i])
        if degree > MAX_DEGREE:
            raise ValueError(f"the largest degree must be at most {MAX_DEGREE}")
        for i in range(indices.shape[0]):
            if not 0 <= indices[i] < n:
                raise ValueError("indices must be spins of the model")
        for i in range(bond_i.shape[0]):
            if not 0 <= bond_i[i] < bond_j[i] < n:
                raise ValueError("bonds must be pairs i < j of spins of the model")
        self.arrays = (indptr, indices, neg, bond_i, bond_j, bond_neg)
        self.g.indptr = &indptr[0]
        self.g.indices = &indices[0] if indices.shape[0] else NULL
        self.g.neg = &neg[0] if neg.shape[0] else NULL
        self.g.n = n
        self.g.count_bits = int(degree).bit_length()
        self.g.max_degree = degree
        self.g.bond_i = &bond_i[0] if bond_i.shape[0] else NULL
        self.g.bond_j = &bond_j[0] if bond_j.shape[0] else NULL
        self.g.bond_neg = &bond_neg[0] if bond_neg.shape[0] else NULL
        self.g.num_bonds = bond_i.shape[0]
        self.g.total_bits = max(3, int(bond_i.shape[0]).bit_length())

    @property
    def num_spins(self):
        return self.g.n

    @property
    def num_bonds(self):
        return self.g.num_bonds


def unsatisfied(Graph graph not None, const uint64_t[:, ::1] words, int64_t[:, ::1] out,
                int nthreads):
    """out[g, l]: the unsatisfied bonds of lane l of group g."""
    cdef Py_ssize_t grp, groups = words.shape[0]
    cdef boltz_msc_graph *g = &graph.g
    if words.shape[1] != g.n:
        raise ValueError("words must have a column per spin")
    if out.shape[0] != groups or out.shape[1] != LANES:
        raise ValueError("out must be (groups, 64)")
    if groups == 0 or g.n == 0:
        out[:, :] = 0
        return
    for grp in prange(groups, num_threads=nthreads, schedule='dynamic', chunksize=1,
                      nogil=True):
        boltz_msc_unsatisfied(g, &words[grp, 0], &out[grp, 0])


def anneal_groups(Graph graph not None, uint64_t[:, ::1] words, uint64_t[:, ::1] best,
                  int64_t[:, ::1] unsat, int64_t[:, ::1] best_unsat, const double[::1] betas,
                  double two_j, uint64_t[:, ::1] rng_states, int nthreads, int64_t sweep0=0,
                  uint64_t[:, ::1] stopped=None, int64_t target_unsat=-1,
                  int64_t[:, ::1] hit=None):
    """len(betas) sweeps of every group at betas[t] (flip cost two_j * k for k more satisfied
    than unsatisfied bonds), tracking each lane's unsatisfied count (unsat) and its lowest
    (best_unsat, with the state in best). With stopped and hit: the first sweep (sweep0 + 1
    based) at which a lane's count is at most target_unsat, and its state then."""
    cdef Py_ssize_t grp, groups = words.shape[0], num_sweeps = betas.shape[0]
    cdef boltz_msc_graph *g = &graph.g
    cdef uint64_t *stop_ptr
    cdef int64_t *hit_ptr
    cdef int failed = 0
    for name, arr in (("words", words), ("best", best), ("stopped", stopped)):
        if arr is not None and (arr.shape[0] != groups or arr.shape[1] != g.n):
            raise ValueError(f"{name} must be (groups, n)")
    for name, arr in (("unsat", unsat), ("best_unsat", best_unsat), ("hit", hit)):
        if arr is not None and (arr.shape[0] != groups or arr.shape[1] != LANES):
            raise ValueError(f"{name} must be (groups, 64)")
    if rng_states.shape[0] != groups or rng_states.shape[1] * sizeof(uint64_t) != sizeof(
            boltz_pcg64):
        raise ValueError("rng_states must hold one PCG64 state per group")
    if (stopped is None) != (hit is None):
        raise ValueError("stopped and hit go together")
    if groups == 0 or num_sweeps == 0 or g.n == 0:
        return
    for grp in prange(groups, num_threads=nthreads, schedule='dynamic', chunksize=1,
                      nogil=True):
        stop_ptr = &stopped[grp, 0] if stopped is not None else NULL
        hit_ptr = &hit[grp, 0] if hit is not None else NULL
        if boltz_msc_anneal(g, &words[grp, 0], &best[grp, 0], &unsat[grp, 0],
                            &best_unsat[grp, 0], stop_ptr, target_unsat, hit_ptr, sweep0,
                            &betas[0], two_j, num_sweeps,
                            <boltz_pcg64 *> &rng_states[grp, 0]) < 0:
            failed += 1
    if failed:
        raise MemoryError("no memory for the flip odds of the multi-spin sweeps")
