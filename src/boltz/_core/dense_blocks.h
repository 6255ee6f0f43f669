/*
 * Sequential sweeps of a dense Ising model, a block of spins at a time (see
 * dense_blocks_impl.h). Compiled for baseline x86-64, AVX2+FMA and AVX-512, chosen at run
 * time like the kernels of simd_kernels.h. Used by _spin_sweeps.pyx.
 */
#ifndef BOLTZ_DENSE_BLOCKS_H
#define BOLTZ_DENSE_BLOCKS_H

#include <stdint.h>
#include <string.h>
#include "chain_rng.h"
#include "row_sums.h"
#include "simd_kernels.h"

/* Spins per block: the block's coupling rows are read from memory once per group of chains
 * and, a column tile at a time, from L1 by every chain of the group. */
#define BOLTZ_DENSE_BLOCK 32

/* Most chains in one group (DENSE_GROUP of _spin_sweeps.pyx) */
#define BOLTZ_DENSE_MAX_GROUP 64

#define BOLTZ_WITH_AVX512
#define BOLTZ_TEMPLATE "dense_blocks_impl.h"
#include "instantiate.h"
#undef BOLTZ_TEMPLATE
#undef BOLTZ_WITH_AVX512

#define BOLTZ_DENSE_PUBLIC(T, REAL)                                                            \
static inline int boltz_dense_decide_##T(                                                      \
    const REAL *J, ptrdiff_t ld, ptrdiff_t k0, ptrdiff_t k1, const uint8_t *clamped,           \
    const REAL *f, int8_t *s, double *energy, int64_t *magnet, boltz_chain_rng *rng,          \
    double beta, const double *table, int heat_bath, int32_t *flipped, REAL *delta, int hot)  \
{ return BOLTZ_DISPATCH512(dense_decide, T, (J, ld, k0, k1, clamped, f, s, energy, magnet, rng,   \
                                          beta, table, heat_bath, flipped, delta, hot)); }    \
static inline void boltz_dense_update_##T(                                                     \
    const REAL *J, ptrdiff_t ld, REAL *const *f, const int32_t *flipped, const REAL *delta,    \
    const int *nflip, int size)                                                                \
{ BOLTZ_DISPATCH512(dense_update, T, (J, ld, f, flipped, delta, nflip, size)); }

BOLTZ_DENSE_PUBLIC(f64, double)
BOLTZ_DENSE_PUBLIC(f32, float)

#endif /* BOLTZ_DENSE_BLOCKS_H */
