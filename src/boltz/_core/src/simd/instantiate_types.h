/*
 * Part of instantiate.h: BOLTZ_TEMPLATE for the element type BOLTZ_REAL_IS_F32 (0 double,
 * 1 float), which it consumes. Each property of the type is one line naming both choices.
 * No include guard on purpose.
 */
#if BOLTZ_REAL_IS_F32
#define BOLTZ_PICK(f64, f32) f32
#else
#define BOLTZ_PICK(f64, f32) f64
#endif
#define BOLTZ_T BOLTZ_PICK(f64, f32)
#define BOLTZ_REAL BOLTZ_PICK(double, float)
#define BOLTZ_REAL_MAX BOLTZ_PICK(DBL_MAX, FLT_MAX)
#define BOLTZ_NEXTAFTER BOLTZ_PICK(nextafter, nextafterf)
#define BOLTZ_EXP BOLTZ_PICK(exp, expf)
#define BOLTZ_LOG BOLTZ_PICK(log, logf)

#include BOLTZ_TEMPLATE

#undef BOLTZ_T
#undef BOLTZ_REAL
#undef BOLTZ_REAL_MAX
#undef BOLTZ_NEXTAFTER
#undef BOLTZ_EXP
#undef BOLTZ_LOG
#undef BOLTZ_PICK
#undef BOLTZ_REAL_IS_F32
