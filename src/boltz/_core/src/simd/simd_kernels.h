/*
 * Vector kernels of boltz: the exp-bound reductions (log-sum-exp, softmax), the dense row
 * update (spin sweeps, RBM products) and the logistic sigmoid (RBM probabilities).
 *
 * Why C and not Cython: the loops must be compiled twice, for baseline x86-64 (SSE2) and for
 * AVX2+FMA, and chosen at run time, so that a portable wheel still runs at AVX2 speed. Cython
 * cannot put a `target` attribute on a function, so the vector loops live here and the
 * Cython modules only call the dispatching wrappers at the bottom of this file.
 *
 * exp is declared `omp declare simd` so that gcc (with -fno-math-errno -fopenmp-simd) calls
 * glibc's libmvec (_ZGVbN2v_exp for SSE2, _ZGVdN4v_exp for AVX2). libmvec's vector exp is
 * within 4 ulp of the correctly rounded result, so results may differ in the last bits
 * between CPUs, never between thread counts.
 *
 * Every kernel computes, for a shift `ref` and a factor `scale` with scale*(x - ref) <= 0,
 *     e_i = exp(scale * (x_i - ref))
 * and splits the weighted sum into the "tie" part (x_i == ref, where e_i == 1 exactly) and the
 * rest, so that callers can form log(tie + rest) = log(tie) + log1p(rest / tie) without the
 * rounding error of 1 + rest (the accuracy of log-sum-exp with one dominant term).
 */
#ifndef BOLTZ_SIMD_KERNELS_H
#define BOLTZ_SIMD_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define BOLTZ_X86_DISPATCH 1
#pragma omp declare simd notinbranch
extern double exp(double);
#pragma omp declare simd notinbranch
extern float expf(float);
#pragma omp declare simd notinbranch
extern double log(double);
#pragma omp declare simd notinbranch
extern float logf(float);
#else
#define BOLTZ_X86_DISPATCH 0
#endif

/* Elements per block: the exp values of one block stay in L1 between the two loops. */
#define BOLTZ_BLOCK 512

/* ---- names -------------------------------------------------------------------------------
 * A template (BOLTZ_TEMPLATE, see instantiate.h) is compiled once per element type T (f64,
 * f32) and instruction set ISA (base, avx2, avx512); its function fn becomes
 * boltz_<fn>_<T>_<ISA>, spelled by BOLTZ_KERNEL (BOLTZ_NAME(fn) inside a template). Each
 * header then defines a dispatcher boltz_<fn>_<T> per type that calls the ISA's copy the CPU
 * runs (BOLTZ_DISPATCH), by a macro of its own expanded once per type (BOLTZ_EACH_TYPE).
 * kernel_names.txt lists every such name with the file that defines it. */
#define BOLTZ_KERNEL_(fn, T, ISA) boltz_##fn##_##T##_##ISA
#define BOLTZ_KERNEL(fn, T, ISA) BOLTZ_KERNEL_(fn, T, ISA)
#define BOLTZ_EACH_TYPE(PUBLIC) PUBLIC(f64, double) PUBLIC(f32, float)

/* ---- instantiate the template for each (instruction set, type) ------------------------ */
#define BOLTZ_TEMPLATE "simd/simd_kernels_impl.h"
#include "simd/instantiate.h"
#undef BOLTZ_TEMPLATE

/* ---- run-time dispatch ----------------------------------------------------------------- */

/* The instruction sets of the AVX-512 loops (the dense spin sweeps): the foundation plus the
 * byte/word, doubleword/quadword and 128/256-bit extensions, as on every AVX-512 CPU since
 * 2017 (Skylake-SP, Ice Lake, Sapphire Rapids, Zen 4). */
#define BOLTZ_AVX512_TARGET \
    __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,popcnt")))

/* 0: baseline loops, 1: AVX2+FMA, 2: AVX2+FMA and, where compiled, AVX-512. The environment
 * variable BOLTZ_SIMD=baseline or BOLTZ_SIMD=avx2 caps it (used by the tests to check every
 * path on one machine). */
static int boltz_simd_level(void)
{
    static int cached = -1;
    if (cached < 0) {
        int level = 0;
#if BOLTZ_X86_DISPATCH
        const char *force = getenv("BOLTZ_SIMD");
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            level = 1;
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
                level = 2;
        }
        if (force != NULL && strcmp(force, "avx2") == 0 && level > 1) level = 1;
        if (force != NULL && strcmp(force, "baseline") == 0) level = 0;
#endif
        cached = level; /* benign race: every thread writes the same value */
    }
    return cached;
}

static inline int boltz_use_avx2(void) { return boltz_simd_level() >= 1; }
static inline int boltz_use_avx512(void) { return boltz_simd_level() >= 2; }

#if BOLTZ_X86_DISPATCH
#define BOLTZ_DISPATCH(fn, T, args) \
    (boltz_use_avx2() ? BOLTZ_KERNEL(fn, T, avx2) args : BOLTZ_KERNEL(fn, T, base) args)
/* for templates instantiated with BOLTZ_WITH_AVX512 */
#define BOLTZ_DISPATCH512(fn, T, args)                                                        \
    (boltz_use_avx512() ? BOLTZ_KERNEL(fn, T, avx512) args : BOLTZ_DISPATCH(fn, T, args))
#else
#define BOLTZ_DISPATCH(fn, T, args) (BOLTZ_KERNEL(fn, T, base) args)
#define BOLTZ_DISPATCH512(fn, T, args) BOLTZ_DISPATCH(fn, T, args)
#endif

#define BOLTZ_PUBLIC(T, REAL)                                                                 \
static inline REAL boltz_max_##T(const REAL *x, ptrdiff_t n)                                  \
{ return BOLTZ_DISPATCH(max, T, (x, n)); }                                                    \
static inline double boltz_sumexp_##T(const REAL *x, const REAL *w, ptrdiff_t n,             \
                                      double ref, double scale, double *tie)                  \
{ return BOLTZ_DISPATCH(sumexp, T, (x, w, n, ref, scale, tie)); }                             \
static inline double boltz_expshift_##T(const REAL *x, REAL *out, ptrdiff_t n,               \
                                        double ref, double scale, double *tie)                \
{ return BOLTZ_DISPATCH(expshift, T, (x, out, n, ref, scale, tie)); }                         \
static inline void boltz_divide_##T(REAL *out, ptrdiff_t n, double denom)                     \
{ BOLTZ_DISPATCH(divide, T, (out, n, denom)); }                                               \
static inline void boltz_axpy_##T(REAL *y, const REAL *x, ptrdiff_t n, REAL a)             \
{ BOLTZ_DISPATCH(axpy, T, (y, x, n, a)); }                                                    \
static inline void boltz_sigmoid_##T(REAL *x, ptrdiff_t n)                                    \
{ BOLTZ_DISPATCH(sigmoid, T, (x, n)); }                                                       \
static inline void boltz_affine_##T(const REAL *x, REAL *out, ptrdiff_t n,                   \
                                    double ref, double scale, double offset)                  \
{ BOLTZ_DISPATCH(affine, T, (x, out, n, ref, scale, offset)); }                               \
static inline double boltz_softplus_sum_##T(const REAL *x, ptrdiff_t n)                       \
{ return BOLTZ_DISPATCH(softplus_sum, T, (x, n)); }

BOLTZ_EACH_TYPE(BOLTZ_PUBLIC)
#undef BOLTZ_PUBLIC

/* The widest instruction set in use: the dense spin sweeps run AVX-512 where they can, the
 * other kernels AVX2. */
static inline const char *boltz_simd_isa(void)
{
    return boltz_use_avx512() ? "avx512" : boltz_use_avx2() ? "avx2" : "baseline";
}

#endif /* BOLTZ_SIMD_KERNELS_H */
