/*
 * Instantiates simd_kernels_impl.h for float64 and float32 under the BOLTZ_TARGET and
 * BOLTZ_ISA that simd_kernels.h defined. Included once per instruction set; no guard.
 */
#define BOLTZ_REAL double
#define BOLTZ_EXP exp
#define BOLTZ_T f64
#include "simd_kernels_impl.h"

#define BOLTZ_REAL float
#define BOLTZ_EXP expf
#define BOLTZ_T f32
#include "simd_kernels_impl.h"
