/*
 * Weighted row sums shared by dense_blocks.h and rbm_rows.h (see row_sums_impl.h),
 * instantiated for float64 and float32, baseline x86-64 and AVX2+FMA. Internal helpers:
 * the kernels that call them are dispatched at run time and call the same ISA's version.
 */
#ifndef BOLTZ_ROW_SUMS_H
#define BOLTZ_ROW_SUMS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "simd_kernels.h"

/* Elements of a tile of accumulate_tile: eight 32-byte vectors */
#define BOLTZ_TILE(REAL) (8 * (ptrdiff_t)(32 / sizeof(REAL)))

#define BOLTZ_TEMPLATE "row_sums_impl.h"
#include "instantiate.h"
#undef BOLTZ_TEMPLATE

#endif /* BOLTZ_ROW_SUMS_H */
