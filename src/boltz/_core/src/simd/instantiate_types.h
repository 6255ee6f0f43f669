/* Part of instantiate.h: BOLTZ_TEMPLATE for both element types. No include guard. */
#define BOLTZ_REAL double
#define BOLTZ_REAL_IS_F32 0
#define BOLTZ_REAL_MAX DBL_MAX
#define BOLTZ_NEXTAFTER nextafter
#define BOLTZ_EXP exp
#define BOLTZ_LOG log
#define BOLTZ_T f64
#include BOLTZ_TEMPLATE
#undef BOLTZ_REAL
#undef BOLTZ_REAL_IS_F32
#undef BOLTZ_REAL_MAX
#undef BOLTZ_NEXTAFTER
#undef BOLTZ_EXP
#undef BOLTZ_LOG
#undef BOLTZ_T

#define BOLTZ_REAL float
#define BOLTZ_REAL_IS_F32 1
#define BOLTZ_REAL_MAX FLT_MAX
#define BOLTZ_NEXTAFTER nextafterf
#define BOLTZ_EXP expf
#define BOLTZ_LOG logf
#define BOLTZ_T f32
#include BOLTZ_TEMPLATE
#undef BOLTZ_REAL
#undef BOLTZ_REAL_IS_F32
#undef BOLTZ_REAL_MAX
#undef BOLTZ_NEXTAFTER
#undef BOLTZ_EXP
#undef BOLTZ_LOG
#undef BOLTZ_T
