/*
 * Weighted row sums shared by dense_blocks.h and rbm_rows.h (see row_sums_impl.h),
 * instantiated for float64 and float32, baseline x86-64, AVX2+FMA and AVX-512. Internal
 * helpers: the kernels that call them are dispatched at run time and call the same ISA's
 * version.
 */
#ifndef BOLTZ_ROW_SUMS_H
#define BOLTZ_ROW_SUMS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "simd/simd_kernels.h"

/* Vectors (BOLTZ_VBYTES of the template's instruction set) in a tile of accumulate_tile:
 * eight of the 16 registers of AVX2, twelve of the 32 of AVX-512 (the index and factor of
 * each source row are loaded once per tile: the longer the tile, the fewer such loads) */
#define BOLTZ_TILE_NV (BOLTZ_VBYTES == 64 ? 12 : 8)
/* and in elements */
#define BOLTZ_TILE (BOLTZ_TILE_NV * (ptrdiff_t)(BOLTZ_VBYTES / sizeof(BOLTZ_REAL)))

/* Rows and vectors of a tile of accumulate_rows (rows sharing one list): R x NV accumulators
 * plus NV loaded vectors and a factor fit the registers (4 x 3 + 3 + 1 = 16 of AVX2, 4 x 6 of
 * the 32 of AVX-512, 2 x 2 pairs of the 16 SSE registers of baseline) */
#define BOLTZ_ROWS_R (BOLTZ_ISA_AVX2 ? 4 : 2)
#define BOLTZ_ROWS_NV (BOLTZ_VBYTES == 64 ? 6 : BOLTZ_ISA_AVX2 ? 3 : 2)

#define BOLTZ_WITH_AVX512

#define BOLTZ_TEMPLATE "simd/row_sums_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE
#undef BOLTZ_WITH_AVX512

#endif /* BOLTZ_ROW_SUMS_H */
