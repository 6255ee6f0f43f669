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
#include "random/chain_rng.h"
#include "simd/compress_lut.h"
#include "simd/row_sums.h"
#include "simd/simd_kernels.h"

#define BOLTZ_TEMPLATE "rbm/rbm_rows_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE

#define BOLTZ_RBM_PUBLIC(T, REAL)                                                              \
static inline ptrdiff_t boltz_rbm_nonzeros_##T(const REAL *x, ptrdiff_t m, int32_t *idx,       \
                                              REAL *coef)                                     \
{ return BOLTZ_DISPATCH(rbm_nonzeros, T, (x, m, idx, coef)); }                                 \
static inline void boltz_rbm_row_sums_##T(                                                     \
    ptrdiff_t r0, ptrdiff_t r1, const int32_t *idx, ptrdiff_t lw, const REAL *coef,            \
    ptrdiff_t cw, const ptrdiff_t *count, const REAL *M, const REAL *bias, ptrdiff_t p,        \
    REAL *out)                                                                                 \
{ BOLTZ_DISPATCH(rbm_row_sums, T, (r0, r1, idx, lw, coef, cw, count, M, bias, p, out)); }      \
static inline ptrdiff_t boltz_rbm_sample_##T(REAL *prob, ptrdiff_t n, ptrdiff_t p,             \
                                            bitgen_t *rng, int32_t *idx)                      \
{ return BOLTZ_DISPATCH(rbm_sample, T, (prob, n, p, rng, idx)); }                              \
static inline void boltz_rbm_weight_row_##T(                                                   \
    ptrdiff_t p, const int32_t *idx, const REAL *coef, ptrdiff_t count, const REAL *H,         \
    REAL momentum, REAL decay, REAL *vel, REAL *Wt_row)                                        \
{ BOLTZ_DISPATCH(rbm_weight_row, T, (p, idx, coef, count, H, momentum, decay, vel, Wt_row)); } \
static inline void boltz_rbm_transpose_##T(const REAL *Wt, ptrdiff_t nv, ptrdiff_t ldt,        \
                                           ptrdiff_t j0, ptrdiff_t j1, REAL *W, ptrdiff_t ldw) \
{ BOLTZ_DISPATCH(rbm_transpose, T, (Wt, nv, ldt, j0, j1, W, ldw)); }                       \
static inline void boltz_rbm_level_scores_##T(const REAL *Wt_rows, ptrdiff_t p, int K,         \
                                              const REAL *h, double *scores)                  \
{ BOLTZ_DISPATCH(rbm_level_scores, T, (Wt_rows, p, K, h, scores)); }

BOLTZ_EACH_TYPE(BOLTZ_RBM_PUBLIC)
#undef BOLTZ_RBM_PUBLIC

#endif /* BOLTZ_RBM_ROWS_H */
