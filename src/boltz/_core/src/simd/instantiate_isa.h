/*
 * Part of instantiate.h: BOLTZ_TEMPLATE for both element types, compiled for the instruction
 * set BOLTZ_ISA_LEVEL (0 baseline, 1 AVX2+FMA, 2 AVX-512), which it consumes. No include
 * guard on purpose.
 */
#if BOLTZ_ISA_LEVEL == 2
#define BOLTZ_ISA avx512
#define BOLTZ_TARGET BOLTZ_AVX512_TARGET
#define BOLTZ_VBYTES 64
#elif BOLTZ_ISA_LEVEL == 1
#define BOLTZ_ISA avx2
#define BOLTZ_TARGET __attribute__((target("avx2,fma")))
#define BOLTZ_VBYTES 32
#else
#define BOLTZ_ISA base
#define BOLTZ_TARGET
#define BOLTZ_VBYTES 32
#endif
#define BOLTZ_ISA_AVX2 (BOLTZ_ISA_LEVEL >= 1)
#define BOLTZ_ISA_AVX512 (BOLTZ_ISA_LEVEL >= 2)

#define BOLTZ_REAL_IS_F32 0
#include "simd/instantiate_types.h"
#define BOLTZ_REAL_IS_F32 1
#include "simd/instantiate_types.h"

#undef BOLTZ_ISA
#undef BOLTZ_TARGET
#undef BOLTZ_VBYTES
#undef BOLTZ_ISA_AVX2
#undef BOLTZ_ISA_AVX512
#undef BOLTZ_ISA_LEVEL
