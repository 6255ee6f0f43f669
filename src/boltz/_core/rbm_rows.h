/*
 * Row kernels of RBM training (see rbm_rows_impl.h), compiled for baseline x86-64 and for
 * AVX2+FMA and chosen at run time like the kernels of simd_kernels.h: one call does a
 * whole row, so the dispatch is paid once per row, not once per short vector operation.
 * Used by _rbm_epoch.pyx.
 */
#ifndef BOLTZ_RBM_ROWS_H
#define BOLTZ_RBM_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "numpy/random/bitgen.h"
#include "row_sums.h"
#include "simd_kernels.h"

#define BOLTZ_TEMPLATE "rbm_rows_impl.h"
#include "instantiate.h"
#undef BOLTZ_TEMPLATE

#define BOLTZ_RBM_PUBLIC(T, REAL)                                                              \
static inline void boltz_rbm_activate_##T(                                                     \
    const REAL *rows, ptrdiff_t r0, ptrdiff_t r1, ptrdiff_t m, const REAL *M,                 \
    const REAL *bias, ptrdiff_t p, REAL *out, int32_t *idx, REAL *coef, ptrdiff_t *count)     \
{ BOLTZ_DISPATCH(rbm_activate, T, (rows, r0, r1, m, M, bias, p, out, idx, coef, count)); }    \
static inline void boltz_rbm_weight_row_##T(                                                   \
    ptrdiff_t nh, const int32_t *idx, const REAL *coef, ptrdiff_t count, const REAL *Hs,      \
    REAL momentum, REAL decay, REAL *vel, REAL *Wt_row)                                       \
{ BOLTZ_DISPATCH(rbm_weight_row, T, (nh, idx, coef, count, Hs, momentum, decay, vel,          \
                                     Wt_row)); }

#define BOLTZ_RBM_BERNOULLI(T, REAL)                                                           \
static inline void boltz_rbm_bernoulli_##T(const REAL *P, REAL *S, ptrdiff_t n, bitgen_t *rng) \
{ BOLTZ_DISPATCH(rbm_bernoulli, T, (P, S, n, rng)); }

BOLTZ_RBM_BERNOULLI(f64, double)
BOLTZ_RBM_BERNOULLI(f32, float)

BOLTZ_RBM_PUBLIC(f64, double)
BOLTZ_RBM_PUBLIC(f32, float)

#endif /* BOLTZ_RBM_ROWS_H */
