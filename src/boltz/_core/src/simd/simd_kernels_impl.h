/*
 * Template body of simd_kernels.h: included once per (BOLTZ_REAL, BOLTZ_ISA). Not a header
 * of its own; no include guard on purpose. Arithmetic on the elements is in BOLTZ_REAL,
 * sums are accumulated in double.
 */
/* max over x ignoring nan; -inf when n == 0 or every element is nan. */
BOLTZ_TARGET static BOLTZ_REAL BOLTZ_NAME(max)(const BOLTZ_REAL *restrict x, ptrdiff_t n)
{
    BOLTZ_REAL m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (ptrdiff_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

/* out[i] = exp(scale*(x[i]-ref)); scale*(x[i]-ref) <= 0 is the caller's promise (nan passes). */
BOLTZ_TARGET static inline void BOLTZ_NAME(expvals)(const BOLTZ_REAL *restrict x,
                                                    BOLTZ_REAL *restrict out, ptrdiff_t n,
                                                    double ref, double scale)
{
    const BOLTZ_REAL r = (BOLTZ_REAL)ref, s = (BOLTZ_REAL)scale;
#pragma omp simd
    for (ptrdiff_t i = 0; i < n; i++) out[i] = BOLTZ_EXP((x[i] - r) * s);
}

/* Given e[i] = exp(scale*(x[i]-ref)), returns sum over x[i] != ref of w[i]*e[i] and adds the
 * sum of w[i] over x[i] == ref to *tie (there e[i] == exp(0) == 1 exactly, so w*e - w == 0).
 * w == NULL means all weights are 1. A separate loop from expvals because gcc does not
 * vectorise a reduction and a simd call in one loop. */
BOLTZ_TARGET static inline double BOLTZ_NAME(split_sum)(const BOLTZ_REAL *restrict x,
                                                        const BOLTZ_REAL *restrict e,
                                                        const BOLTZ_REAL *restrict w,
                                                        ptrdiff_t n, double ref, double *tie)
{
    const BOLTZ_REAL r = (BOLTZ_REAL)ref;
    double rest = 0.0, ties = 0.0;
    if (w == NULL) {
#pragma omp simd reduction(+ : rest, ties)
        for (ptrdiff_t i = 0; i < n; i++) {
            double one = (x[i] == r) ? 1.0 : 0.0;
            rest += (double)e[i] - one;
            ties += one;
        }
    } else {
#pragma omp simd reduction(+ : rest, ties)
        for (ptrdiff_t i = 0; i < n; i++) {
            double wt = (x[i] == r) ? (double)w[i] : 0.0;
            rest += (double)w[i] * (double)e[i] - wt;
            ties += wt;
        }
    }
    *tie += ties;
    return rest;
}

/* Softmax numerator: out[i] = exp(scale*(x[i]-ref)); returns the sum over x[i] != ref and adds
 * the number of x[i] == ref to *tie. */
BOLTZ_TARGET static double BOLTZ_NAME(expshift)(const BOLTZ_REAL *restrict x,
                                                BOLTZ_REAL *restrict out, ptrdiff_t n,
                                                double ref, double scale, double *tie)
{
    BOLTZ_NAME(expvals)(x, out, n, ref, scale);
    return BOLTZ_NAME(split_sum)(x, out, NULL, n, ref, tie);
}

/* Log-sum-exp body: sum_i w_i exp(scale*(x_i-ref)) without storing the exponentials, split
 * as in split_sum. Works block by block so the exponentials stay in L1. */
BOLTZ_TARGET static double BOLTZ_NAME(sumexp)(const BOLTZ_REAL *restrict x,
                                              const BOLTZ_REAL *restrict w, ptrdiff_t n,
                                              double ref, double scale, double *tie)
{
    BOLTZ_REAL buf[BOLTZ_BLOCK];
    double rest = 0.0;
    for (ptrdiff_t i0 = 0; i0 < n; i0 += BOLTZ_BLOCK) {
        const ptrdiff_t len = (n - i0 < BOLTZ_BLOCK) ? n - i0 : BOLTZ_BLOCK;
        BOLTZ_NAME(expvals)(x + i0, buf, len, ref, scale);
        rest += BOLTZ_NAME(split_sum)(x + i0, buf, w == NULL ? NULL : w + i0, len, ref, tie);
    }
    return rest;
}

/* y[i] += a * x[i]: a dense row update of cached local fields (spin sweeps) */
BOLTZ_TARGET static void BOLTZ_NAME(axpy)(BOLTZ_REAL *restrict y, const BOLTZ_REAL *restrict x,
                                          ptrdiff_t n, BOLTZ_REAL a)
{
#pragma omp simd
    for (ptrdiff_t i = 0; i < n; i++) y[i] += a * x[i];
}

/* Elements of one sigmoid_block: a whole number of vectors of every instruction set */
#define BOLTZ_SIGMOID_BLOCK 16

/* x[0 .. BOLTZ_SIGMOID_BLOCK) = 1 / (1 + exp(-x)): exp(-|x|) never overflows. One
 * fixed-length vector loop, out of line, so that every element is computed by the same code */
BOLTZ_TARGET __attribute__((noinline)) static void BOLTZ_NAME(sigmoid_block)(
    BOLTZ_REAL *restrict x)
{
#pragma omp simd
    for (int i = 0; i < BOLTZ_SIGMOID_BLOCK; i++) {
        const BOLTZ_REAL v = x[i];
        const BOLTZ_REAL e = BOLTZ_EXP(v >= 0 ? -v : v);
        x[i] = (v >= 0 ? (BOLTZ_REAL)1 : e) / ((BOLTZ_REAL)1 + e);
    }
}

/* x[i] = 1 / (1 + exp(-x[i])), in place (RBM probabilities). The last partial block goes
 * through the same vector code as the others (a vector exp and a scalar one can differ in
 * the last bit), so an element's result never depends on its place in the array. */
BOLTZ_TARGET static void BOLTZ_NAME(sigmoid)(BOLTZ_REAL *restrict x, ptrdiff_t n)
{
    ptrdiff_t i = 0;
    for (; i + BOLTZ_SIGMOID_BLOCK <= n; i += BOLTZ_SIGMOID_BLOCK) BOLTZ_NAME(sigmoid_block)(x + i);
    if (i < n) {
        BOLTZ_REAL tail[BOLTZ_SIGMOID_BLOCK] = {0};
        memcpy(tail, x + i, (size_t)(n - i) * sizeof(BOLTZ_REAL));
        BOLTZ_NAME(sigmoid_block)(tail);
        memcpy(x + i, tail, (size_t)(n - i) * sizeof(BOLTZ_REAL));
    }
}

/* sum_i log(1 + e^x_i), as max(x_i, 0) + log(1 + e^-|x_i|): never overflows; the absolute
 * error of each term is about one rounding of 1 */
BOLTZ_TARGET static double BOLTZ_NAME(softplus_sum)(const BOLTZ_REAL *restrict x, ptrdiff_t n)
{
    BOLTZ_REAL s = 0;
#pragma omp simd reduction(+ : s)
    for (ptrdiff_t i = 0; i < n; i++) {
        const BOLTZ_REAL v = x[i];
        s += (v >= 0 ? v : (BOLTZ_REAL)0) + BOLTZ_LOG((BOLTZ_REAL)1 + BOLTZ_EXP(v >= 0 ? -v : v));
    }
    return s;
}

/* out[i] /= denom */
BOLTZ_TARGET static void BOLTZ_NAME(divide)(BOLTZ_REAL *restrict out, ptrdiff_t n, double denom)
{
    const BOLTZ_REAL d = (BOLTZ_REAL)denom;
#pragma omp simd
    for (ptrdiff_t i = 0; i < n; i++) out[i] = out[i] / d;
}

/* out[i] = scale*(x[i]-ref) - offset   (log-softmax: offset = log of the normaliser) */
BOLTZ_TARGET static void BOLTZ_NAME(affine)(const BOLTZ_REAL *restrict x,
                                            BOLTZ_REAL *restrict out, ptrdiff_t n,
                                            double ref, double scale, double offset)
{
    const BOLTZ_REAL r = (BOLTZ_REAL)ref, s = (BOLTZ_REAL)scale, o = (BOLTZ_REAL)offset;
#pragma omp simd
    for (ptrdiff_t i = 0; i < n; i++) out[i] = (x[i] - r) * s - o;
}

