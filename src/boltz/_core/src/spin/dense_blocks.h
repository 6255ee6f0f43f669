/*
 * Sequential sweeps of a dense Ising model, a block of spins at a time: a vector of chains
 * decides the block's spins (dense_decide_impl.h), then every field of the group's chains
 * takes the block's flips (dense_update_impl.h). Compiled for baseline x86-64, AVX2+FMA and
 * AVX-512, chosen at run time like the kernels of simd_kernels.h. Used by _spin_sweeps.pyx.
 */
#ifndef BOLTZ_DENSE_BLOCKS_H
#define BOLTZ_DENSE_BLOCKS_H

#include <stdint.h>
#include <string.h>
#include "random/chain_rng.h"
#include "simd/row_sums.h"
#include "simd/simd_kernels.h"
#if BOLTZ_X86_DISPATCH
#include <immintrin.h>
#endif

/* Spins per block: the block's coupling rows are read from memory once per group of chains
 * and, a column tile at a time, from L1 by every chain of the group. */
#define BOLTZ_DENSE_BLOCK 32

/* Most chains in one group (DENSE_GROUP of _spin_sweeps.pyx) */
#define BOLTZ_DENSE_MAX_GROUP 64

/* Most chains decided together, one per vector lane: 16 float32 lanes of AVX-512 */
#define BOLTZ_DENSE_LANES 16

/* Most sets of lanes in a group: four float64 lanes of 32-byte vectors */
#define BOLTZ_DENSE_MAX_SETS (BOLTZ_DENSE_MAX_GROUP / 4)

/* The state of the chains of one dense_decide call, one per lane, kept between blocks */
typedef struct {
    bitgen_t *bitgen[BOLTZ_DENSE_LANES];
    uint64_t bits[BOLTZ_DENSE_LANES];  /* each lane's last 64-bit draw ... */
    int nbytes;                        /* ... of which the last nbytes bytes are unused */
    double energy[BOLTZ_DENSE_LANES];
    double magnet[BOLTZ_DENSE_LANES];
    double beta[BOLTZ_DENSE_LANES];
    int32_t base[BOLTZ_DENSE_LANES];   /* offset of the lane's thresholds in thr */
} boltz_dense_lanes;

#define BOLTZ_WITH_AVX512
#define BOLTZ_TEMPLATE "spin/dense_decide_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE
#define BOLTZ_TEMPLATE "spin/dense_update_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE
#undef BOLTZ_WITH_AVX512

#define BOLTZ_DENSE_PUBLIC(T, REAL)                                                            \
static inline int boltz_dense_lanes_width_##T(void)                                            \
{ return BOLTZ_DISPATCH512(lanes_width, T, ()); }                                              \
static inline void boltz_dense_decide_##T(                                                     \
    const REAL *J, ptrdiff_t ld, ptrdiff_t k0, ptrdiff_t k1, const uint8_t *clamped,           \
    const REAL *f, int8_t *s, ptrdiff_t n, boltz_dense_lanes *st, int count, const REAL *thr,  \
    const double *table, int heat_bath, int32_t *flipped, REAL *delta, int *nflip)             \
{ BOLTZ_DISPATCH512(dense_decide, T, (J, ld, k0, k1, clamped, f, s, n, st, count, thr, table,  \
                                      heat_bath, flipped, delta, nflip)); }                    \
static inline void boltz_dense_update_##T(                                                     \
    const REAL *J, ptrdiff_t ld, REAL *const *f, const int32_t *flipped, const REAL *delta,    \
    const int *nflip, int size)                                                                \
{ BOLTZ_DISPATCH512(dense_update, T, (J, ld, f, flipped, delta, nflip, size)); }

BOLTZ_EACH_TYPE(BOLTZ_DENSE_PUBLIC)
#undef BOLTZ_DENSE_PUBLIC

#endif /* BOLTZ_DENSE_BLOCKS_H */
