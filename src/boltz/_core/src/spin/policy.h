/*
 * Policy of the spin kernels, written once: how the couplings are laid out, how chains are
 * grouped and when a kernel builds its threshold tables. _couplings.pyx and _spin_sweeps.pyx
 * read these through `cdef extern` (the generated _spin_kernels.pxd), the Python layer through
 * the module attributes they export. Constants only: no code.
 */
#ifndef BOLTZ_SPIN_POLICY_H
#define BOLTZ_SPIN_POLICY_H

/* Rows of dense couplings and of the cached fields start on a cache line and are a whole
 * number of 64-byte vectors (dense_blocks.h): a 64-byte load across two lines costs two. */
#define BOLTZ_ROW_ALIGN 64

/* Dense storage when at least this percentage of the n^2 couplings is non-zero. */
#define BOLTZ_DENSE_FILL_PERCENT 10

/* Chains swept together by one thread, except a dense model's sequential sweeps (which take
 * up to BOLTZ_DENSE_MAX_GROUP, dense_blocks.h): a sparse model's chains share the four
 * vector lanes (spin_lanes.h), a dense model's random-order chains run in lockstep. */
#define BOLTZ_MAX_GROUP 4

/* Decisions per beta above which the vector lanes build exact thresholds (spin_lanes.h):
 * building them costs about as much as this many decisions save. */
#define BOLTZ_LANE_TABLE_DECISIONS 4096

/* Thresholds of one beta in the dense lanes: per byte k, G(table[k + 1]) and the strict
 * G(table[k]). */
#define BOLTZ_DENSE_THRESHOLDS (2 * 256)

/* Decision calls (a block of spins of a vector of chains) per table of thresholds above
 * which the dense lanes build them: a table takes about as long as 4 calls save. */
#define BOLTZ_DENSE_TABLE_CALLS 4

/* Spin updates per kernel call: about 0.05 s of work, so that Ctrl-C and progress bars stay
 * responsive (boltz.spin._chains). */
#define BOLTZ_BLOCK_UPDATES 20000000

#endif /* BOLTZ_SPIN_POLICY_H */
