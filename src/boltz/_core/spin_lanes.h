/*
 * Four chains of a sparse Ising model swept together, one per vector lane (see
 * spin_lanes_impl.h): no branch mispredictions on flip decisions and one vector update of
 * the neighbours' fields for four chains. Compiled for baseline x86-64 and for AVX2+FMA,
 * chosen at run time like the kernels of simd_kernels.h. Used by _spin_sweeps.pyx.
 */
#ifndef BOLTZ_SPIN_LANES_H
#define BOLTZ_SPIN_LANES_H

#include <stdint.h>
#include <string.h>
#include "chain_rng.h"
#include "simd_kernels.h"

typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l_elem;
typedef int64_t v4l __attribute__((vector_size(32)));
typedef uint64_t v4u __attribute__((vector_size(32)));

#define BOLTZ_TEMPLATE "spin_lanes_impl.h"
#include "instantiate.h"
#undef BOLTZ_TEMPLATE

#define BOLTZ_LANES_PUBLIC(T, REAL)                                                            \
static inline void boltz_lanes_sweep_##T(                                                      \
    const int64_t *indptr, const int32_t *indices, const REAL *data, const uint8_t *clamped,   \
    ptrdiff_t n, REAL *f, REAL *s, double *energy, double *magnet, boltz_chain_rng *rng,      \
    const double *beta, const double *table, int heat_bath)                                    \
{ BOLTZ_DISPATCH(lanes_sweep, T, (indptr, indices, data, clamped, n, f, s, energy, magnet,    \
                                  rng, beta, table, heat_bath)); }

BOLTZ_LANES_PUBLIC(f64, double)
BOLTZ_LANES_PUBLIC(f32, float)

#endif /* BOLTZ_SPIN_LANES_H */
