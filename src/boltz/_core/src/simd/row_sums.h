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

#define BOLTZ_WITH_AVX512

#define BOLTZ_TEMPLATE "simd/row_sums_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE
#undef BOLTZ_WITH_AVX512

#endif /* BOLTZ_ROW_SUMS_H */
