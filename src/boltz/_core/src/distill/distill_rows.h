/*
 * The row kernel of the knowledge-distillation loss (see distill_rows_impl.h), compiled for
 * baseline x86-64 and for AVX2+FMA and chosen at run time like the kernels of
 * simd_kernels.h: one call does a whole row, so the dispatch is paid once per row. Used by
 * _distillation.pyx.
 */
#ifndef BOLTZ_DISTILL_ROWS_H
#define BOLTZ_DISTILL_ROWS_H

#include <stddef.h>
#include "simd/simd_kernels.h"

#define BOLTZ_TEMPLATE "distill/distill_rows_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE

#define BOLTZ_DISTILL_PUBLIC(T, REAL)                                                         \
static inline double boltz_distill_row_##T(                                                   \
    const REAL *t, const REAL *s, ptrdiff_t n, ptrdiff_t label, double inv_temp,              \
    double soft_cross, double soft_weight, double soft_grad, double hard_weight,              \
    double hard_grad, REAL *grad, REAL *ep, REAL *eq)                                         \
{ return BOLTZ_DISPATCH(distill_row, T, (t, s, n, label, inv_temp, soft_cross, soft_weight,   \
                                         soft_grad, hard_weight, hard_grad, grad, ep, eq)); }

BOLTZ_EACH_TYPE(BOLTZ_DISTILL_PUBLIC)
#undef BOLTZ_DISTILL_PUBLIC

#endif /* BOLTZ_DISTILL_ROWS_H */
