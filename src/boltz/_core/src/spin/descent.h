/*
 * Steepest descent of Ising states (boltz.descend, _spin_sweeps.pyx): from each state,
 * flip the spin whose flip lowers the energy most until no flip lowers it. Compiled for
 * baseline x86-64 and for AVX2+FMA, chosen at run time like the kernels of simd_kernels.h
 * (descent_impl.h).
 */
#ifndef BOLTZ_DESCENT_H
#define BOLTZ_DESCENT_H

#include <stdint.h>
#include <stdlib.h>
#include "simd/simd_kernels.h"

#define BOLTZ_TEMPLATE "spin/descent_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE

#define BOLTZ_DESCENT_PUBLIC(T, REAL)                                                          \
static inline int64_t boltz_descend_dense_##T(const REAL *J, ptrdiff_t ld, ptrdiff_t n,        \
                                              int8_t *s, REAL *f)                              \
{ return BOLTZ_DISPATCH(descend_dense, T, (J, ld, n, s, f)); }                                 \
static inline int64_t boltz_descend_sparse_##T(const int64_t *indptr, const int32_t *indices,  \
                                               const REAL *data, ptrdiff_t n, int8_t *s,       \
                                               REAL *f)                                        \
{ return BOLTZ_DISPATCH(descend_sparse, T, (indptr, indices, data, n, s, f)); }

BOLTZ_EACH_TYPE(BOLTZ_DESCENT_PUBLIC)
#undef BOLTZ_DESCENT_PUBLIC

#endif /* BOLTZ_DESCENT_H */
