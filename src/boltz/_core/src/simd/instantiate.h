/*
 * Instantiates the template file named by BOLTZ_TEMPLATE for float64 and float32, compiled
 * for baseline x86-64 and, where run-time dispatch is available, for AVX2+FMA and (when the
 * including header defines BOLTZ_WITH_AVX512) for AVX-512. BOLTZ_VBYTES is the width in bytes
 * of the vectors a template works in: 32 for baseline and AVX2 (pairs of SSE registers on
 * baseline), 64 for AVX-512. Included by simd_kernels.h and the other kernel headers; no
 * include guard on purpose.
 *
 * Inside a template, BOLTZ_NAME(fn) is the name of fn in this instantiation,
 * boltz_<fn>_<T>_<ISA> (BOLTZ_KERNEL of simd_kernels.h): BOLTZ_NAME(dense_decide) becomes
 * boltz_dense_decide_f32_avx512 in the float32 AVX-512 copy. kernel_names.txt lists every
 * such name with the template and header it comes from.
 */
#include <float.h>

#define BOLTZ_NAME(fn) BOLTZ_KERNEL(fn, BOLTZ_T, BOLTZ_ISA)

/* BOLTZ_ISA_LEVEL 0: baseline x86-64, 1: AVX2+FMA, 2: AVX-512 (see instantiate_isa.h) */
#define BOLTZ_ISA_LEVEL 0
#include "simd/instantiate_isa.h"
#if BOLTZ_X86_DISPATCH
#define BOLTZ_ISA_LEVEL 1
#include "simd/instantiate_isa.h"
#endif
#if BOLTZ_X86_DISPATCH && defined(BOLTZ_WITH_AVX512)
#define BOLTZ_ISA_LEVEL 2
#include "simd/instantiate_isa.h"
#endif

#undef BOLTZ_NAME
