/*
 * Four chains of a sparse Ising model swept together, one per vector lane (see
 * spin_lanes_impl.h): one vector decision and one vector update of the neighbours' fields
 * for four chains. Compiled for baseline x86-64 and for AVX2+FMA, chosen at run time like
 * the kernels of simd_kernels.h. Used by _spin_sweeps.pyx.
 */
#ifndef BOLTZ_SPIN_LANES_H
#define BOLTZ_SPIN_LANES_H

#include <stdint.h>
#include <string.h>
#include "random/chain_rng.h"
#include "simd/simd_kernels.h"
#if BOLTZ_X86_DISPATCH
#include <immintrin.h>
#endif

typedef double v4d __attribute__((vector_size(32)));
typedef uint64_t v4u __attribute__((vector_size(32)));

/* XOR pattern flipping the int8 spins (±1: 0x01 <-> 0xFF) of the lanes set in a 4-bit mask */
static const uint32_t boltz_lane_flip_bytes[16] = {
    0x00000000u, 0x000000FEu, 0x0000FE00u, 0x0000FEFEu,
    0x00FE0000u, 0x00FE00FEu, 0x00FEFE00u, 0x00FEFEFEu,
    0xFE000000u, 0xFE0000FEu, 0xFE00FE00u, 0xFE00FEFEu,
    0xFEFE0000u, 0xFEFE00FEu, 0xFEFEFE00u, 0xFEFEFEFEu};

/* Thresholds of the flip decisions for four lanes (spin_lanes_impl.h): 257 x 8 entries */
#define BOLTZ_LANE_THRESHOLDS (257 * 8)

#define BOLTZ_TEMPLATE "spin/spin_lanes_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE

#define BOLTZ_LANES_PUBLIC(T, REAL)                                                            \
static inline void boltz_lanes_sweep_##T(                                                      \
    const int64_t *indptr, const int32_t *indices, const REAL *data, const uint8_t *clamped,   \
    ptrdiff_t n, REAL *f, int8_t *s, double *energy, double *magnet, boltz_chain_rng *rng,    \
    const double *beta, const double *table, int heat_bath, REAL *thr, double *known)          \
{ BOLTZ_DISPATCH(lanes_sweep, T, (indptr, indices, data, clamped, n, f, s, energy, magnet,    \
                                  rng, beta, table, heat_bath, thr, known)); }

BOLTZ_EACH_TYPE(BOLTZ_LANES_PUBLIC)
#undef BOLTZ_LANES_PUBLIC

#endif /* BOLTZ_SPIN_LANES_H */
