/*
 * Instantiates the template file named by BOLTZ_TEMPLATE for float64 and float32, compiled
 * for baseline x86-64 and, where run-time dispatch is available, for AVX2+FMA.
 * Included by simd_kernels.h and spin_lanes.h; no include guard on purpose.
 */
#include <float.h>

#define BOLTZ_TARGET
#define BOLTZ_ISA base
#define BOLTZ_ISA_AVX2 0
#include "instantiate_types.h"
#undef BOLTZ_TARGET
#undef BOLTZ_ISA
#undef BOLTZ_ISA_AVX2

#if BOLTZ_X86_DISPATCH
#define BOLTZ_TARGET __attribute__((target("avx2,fma")))
#define BOLTZ_ISA avx2
#define BOLTZ_ISA_AVX2 1
#include "instantiate_types.h"
#undef BOLTZ_TARGET
#undef BOLTZ_ISA
#undef BOLTZ_ISA_AVX2
#endif
