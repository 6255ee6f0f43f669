/* Part of instantiate.h: BOLTZ_TEMPLATE for both element types. No include guard. */
#define BOLTZ_REAL double
#define BOLTZ_EXP exp
#define BOLTZ_LOG log
#define BOLTZ_T f64
#include BOLTZ_TEMPLATE
#undef BOLTZ_REAL
#undef BOLTZ_EXP
#undef BOLTZ_LOG
#undef BOLTZ_T

#define BOLTZ_REAL float
#define BOLTZ_EXP expf
#define BOLTZ_LOG logf
#define BOLTZ_T f32
#include BOLTZ_TEMPLATE
#undef BOLTZ_REAL
#undef BOLTZ_EXP
#undef BOLTZ_LOG
#undef BOLTZ_T
