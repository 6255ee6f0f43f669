/*
 * Template body of spin_lanes.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 *
 * One sequential sweep of four chains of a sparse model at once, one chain per vector lane.
 * State is interleaved, element [4 i + lane]: fields f (BOLTZ_REAL) and spins s (int8 ±1).
 * The decisions and random bytes of every lane are exactly those of _run_chain in
 * _spin_sweeps.pyx (the same comparisons, the same order of draws from the lane's own
 * generator), and the fields are sums of the same terms in the same order, so a chain ends
 * in the same state whichever kernel swept it.
 *
 * The decision "x <= T" for x = beta * dE = round(2 beta * g), g = s f, is made as g <= G(T)
 * with G(T) the largest BOLTZ_REAL g for which it holds (the condition is monotone in g):
 * thresholds built once per beta (lanes_thresholds), so that the chain of dependences
 * through a sweep (a field, its decision, the neighbours' fields, the next decision) holds
 * no multiplication and no conversion: a sign flip, a comparison, a mask and an add.
 * Building them costs about as much as a few thousand decisions, so with thr == NULL (a
 * small model under a changing beta) x is formed and compared directly: the same decisions.
 */
#if BOLTZ_REAL_IS_F32
typedef int32_t BOLTZ_NAME(ielem);
#else
typedef int64_t BOLTZ_NAME(ielem);
#endif
typedef BOLTZ_REAL BOLTZ_NAME(vr) __attribute__((vector_size(4 * sizeof(BOLTZ_REAL))));
typedef BOLTZ_NAME(ielem) BOLTZ_NAME(vi) __attribute__((vector_size(4 * sizeof(BOLTZ_REAL))));
typedef int8_t BOLTZ_NAME(vs) __attribute__((vector_size(4)));

/* Bit l set where lane l of the comparison mask m is true (-1). */
BOLTZ_TARGET static inline unsigned BOLTZ_NAME(lane_bits)(BOLTZ_NAME(vi) m)
{
#if BOLTZ_ISA_AVX2 && BOLTZ_REAL_IS_F32
    return (unsigned)__builtin_ia32_movmskps((BOLTZ_NAME(vr))m);
#elif BOLTZ_ISA_AVX2
    return (unsigned)__builtin_ia32_movmskpd256((BOLTZ_NAME(vr))m);
#else
    return (unsigned)((m[0] & 1) | (m[1] & 2) | (m[2] & 4) | (m[3] & 8));
#endif
}

/* The four lanes' spins (int8 ±1 packed in s4) as integers of the lane width */
BOLTZ_TARGET static inline BOLTZ_NAME(vi) BOLTZ_NAME(spin_lanes)(uint32_t s4)
{
#if BOLTZ_ISA_AVX2 && BOLTZ_REAL_IS_F32
    return (BOLTZ_NAME(vi))_mm_cvtepi8_epi32(_mm_cvtsi32_si128((int)s4));
#elif BOLTZ_ISA_AVX2
    return (BOLTZ_NAME(vi))_mm256_cvtepi8_epi64(_mm_cvtsi32_si128((int)s4));
#else
    BOLTZ_NAME(vs) sv;
    memcpy(&sv, &s4, sizeof sv);
    return __builtin_convertvector(sv, BOLTZ_NAME(vi));
#endif
}

/* {t[8 k_0 + off], t[8 k_1 + off + 1], t[8 k_2 + off + 2], t[8 k_3 + off + 3]}: scalar
 * loads (AVX2's gather instructions measured slower here) */
BOLTZ_TARGET static inline BOLTZ_NAME(vr) BOLTZ_NAME(lane_lookup)(const BOLTZ_REAL *t, v4u k,
                                                                  int off)
{
    return (BOLTZ_NAME(vr)){t[8 * k[0] + off], t[8 * k[1] + off + 1], t[8 * k[2] + off + 2],
                            t[8 * k[3] + off + 3]};
}

/* The lanes whose byte left the decision open (tie): P computed with exp and refined by a
 * fresh 64-bit draw (boltz_flip). Out of line, so that the sweep keeps its vectors in
 * registers. */
BOLTZ_TARGET __attribute__((noinline, cold)) static BOLTZ_NAME(vi) BOLTZ_NAME(resolve_ties)(
    BOLTZ_NAME(vi) flip, BOLTZ_NAME(vi) tie, BOLTZ_NAME(vr) g, v4u k,
    const boltz_chain_rng *rng, const double *beta, int heat_bath)
{
    for (int l = 0; l < 4; l++) {
        if (!tie[l]) continue;
        const double x = 2.0 * beta[l] * (double)g[l];
        const double p = heat_bath ? 1.0 / (1.0 + exp(x)) : exp(-x);
        flip[l] = -(BOLTZ_NAME(ielem))boltz_flip_refine(rng[l].bitgen, 256.0 * p - (double)k[l]);
    }
    return flip;
}

/* Order-preserving integer keys of the values of BOLTZ_REAL (-0 and +0 share key 0). */
static inline int64_t BOLTZ_NAME(key)(BOLTZ_REAL x)
{
#if BOLTZ_REAL_IS_F32
    int32_t b;
    memcpy(&b, &x, sizeof b);
    return b < 0 ? -(int64_t)(b & INT32_MAX) : (int64_t)b;
#else
    int64_t b;
    memcpy(&b, &x, sizeof b);
    return b < 0 ? -(b & INT64_MAX) : b;
#endif
}

static inline BOLTZ_REAL BOLTZ_NAME(unkey)(int64_t k)
{
    BOLTZ_REAL x;
#if BOLTZ_REAL_IS_F32
    const int32_t b = k < 0 ? (int32_t)(-k) | INT32_MIN : (int32_t)k;
#else
    const int64_t b = k < 0 ? -k | INT64_MIN : k;
#endif
    memcpy(&x, &b, sizeof x);
    return x;
}

/* The largest g with round(m g) <= t (strict = 0) or < t (strict = 1), for m = 2 beta >= 0:
 * the condition is monotone in g. A galloping search over the ordered values from the key
 * k0 of a first guess, then bisection: a step or two when the guess is good, and at most
 * about 2 x 64 probes in any case (underflow near zero, say). */
static BOLTZ_REAL BOLTZ_NAME(threshold)(double m, double t, int strict, int64_t k0)
{
#define BOLTZ_L_HOLDS(k) (strict ? m * (double)BOLTZ_NAME(unkey)(k) < t                       \
                                 : m * (double)BOLTZ_NAME(unkey)(k) <= t)
    if (m == 0.0)
        return (strict ? 0.0 < t : 0.0 <= t) ? (BOLTZ_REAL)INFINITY : -(BOLTZ_REAL)INFINITY;
    /* m g is -inf at g = -inf and +inf at g = +inf: for a finite t the condition holds at the
     * first and fails at the second, which bracket the answer; an infinite t may hold at both
     * ends or at neither. Key distances reach 2 top > INT64_MAX, hence the unsigned
     * differences. */
    const int64_t top = BOLTZ_NAME(key)((BOLTZ_REAL)INFINITY);
    if (isinf(t) && !BOLTZ_L_HOLDS(-top)) return -(BOLTZ_REAL)INFINITY;
    if (isinf(t) && BOLTZ_L_HOLDS(top)) return (BOLTZ_REAL)INFINITY;
    int64_t lo, hi;
    uint64_t step = 1;
    if (BOLTZ_L_HOLDS(k0)) {
        lo = k0;
        hi = k0 + 1;
        while (BOLTZ_L_HOLDS(hi)) {
            lo = hi;
            step = step < (UINT64_C(1) << 62) ? 2 * step : step;
            hi = (uint64_t)top - (uint64_t)lo > step ? lo + (int64_t)step : top;
        }
    } else {
        hi = k0;
        lo = k0 - 1;
        while (!BOLTZ_L_HOLDS(lo)) {
            hi = lo;
            step = step < (UINT64_C(1) << 62) ? 2 * step : step;
            lo = (uint64_t)hi + (uint64_t)top > step ? hi - (int64_t)step : -top;
        }
    }
    while ((uint64_t)hi - (uint64_t)lo > 1) {
        const int64_t mid = lo + (int64_t)(((uint64_t)hi - (uint64_t)lo) / 2);
        if (BOLTZ_L_HOLDS(mid)) lo = mid;
        else hi = mid;
    }
    return BOLTZ_NAME(unkey)(lo);
#undef BOLTZ_L_HOLDS
}

/* thr[8 j + l] = G(table[j]) and thr[8 j + 4 + l] its strict version, for lane l at beta[l];
 * lanes whose beta equals known[l] are kept, and lanes with equal betas computed once. */
static void BOLTZ_NAME(lanes_thresholds)(const double *restrict beta,
                                         const double *restrict table,
                                         BOLTZ_REAL *restrict thr, double *restrict known)
{
    for (int l = 0; l < 4; l++) {
        if (known[l] == beta[l]) continue;
        int same = 0;
        while (same < l && known[same] != beta[l]) same++;
        for (int j = 0; j < 257; j++) {
            if (same < l) {
                thr[8 * j + l] = thr[8 * j + same];
                thr[8 * j + 4 + l] = thr[8 * j + 4 + same];
            } else {
                const double m = 2.0 * beta[l], t = table[j];
                BOLTZ_REAL guess = (BOLTZ_REAL)(t / m);
                if (isinf(guess)) guess = guess > 0 ? BOLTZ_REAL_MAX : -BOLTZ_REAL_MAX;
                const BOLTZ_REAL le = BOLTZ_NAME(threshold)(m, t, 0, BOLTZ_NAME(key)(guess));
                thr[8 * j + l] = le;
                thr[8 * j + 4 + l] = BOLTZ_NAME(threshold)(m, t, 1, BOLTZ_NAME(key)(le));
            }
        }
        known[l] = beta[l];
    }
}

/* The sweep; `exact` (a constant once inlined): decide with the thresholds thr. */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_NAME(lanes_loop)(
    const int64_t *restrict indptr, const int32_t *restrict indices,
    const BOLTZ_REAL *restrict data, const uint8_t *restrict clamped, ptrdiff_t n,
    BOLTZ_REAL *restrict f, int8_t *restrict s, double *restrict energy,
    double *restrict magnet, boltz_chain_rng *restrict rng, const double *restrict beta,
    const double *restrict table, int heat_bath, const BOLTZ_REAL *restrict thr,
    const int exact)
{
    typedef BOLTZ_NAME(vr) vr;
    typedef BOLTZ_NAME(vi) vi;
    const v4d b2 = {2.0 * beta[0], 2.0 * beta[1], 2.0 * beta[2], 2.0 * beta[3]};
    const vi sign_bit = (vi)((vr){-0.0, -0.0, -0.0, -0.0});
    const vr minus_two = {-2, -2, -2, -2};
    v4d e = {energy[0], energy[1], energy[2], energy[3]};
    v4d mag = {magnet[0], magnet[1], magnet[2], magnet[3]};
    /* The lanes draw one byte per decision each, so their byte buffers empty together: one
     * counter for all four (the caller starts them equal). */
    bitgen_t *const g0 = rng[0].bitgen, *const g1 = rng[1].bitgen;
    bitgen_t *const g2 = rng[2].bitgen, *const g3 = rng[3].bitgen;
    v4u bits = {rng[0].bits, rng[1].bits, rng[2].bits, rng[3].bits};
    int nbytes = rng[0].nbytes;
    for (ptrdiff_t i = 0; i < n; i++) {
        if (clamped != NULL && clamped[i]) continue;     /* held fixed: no draw, as _run_chain */
        vr fv;
        uint32_t s4;
        memcpy(&fv, f + 4 * i, sizeof fv);
        memcpy(&s4, s + 4 * i, sizeof s4);
        const vi neg = BOLTZ_NAME(spin_lanes)(s4) & sign_bit;        /* sign bit where s = -1 */
        const vr g = (vr)((vi)fv ^ neg);                             /* s f, exactly */
        if (nbytes == 0) {
            bits[0] = g0->next_uint64(g0->state);
            bits[1] = g1->next_uint64(g1->state);
            bits[2] = g2->next_uint64(g2->state);
            bits[3] = g3->next_uint64(g3->state);
            nbytes = 8;
        }
        const v4u kv = bits & 0xFFu;
        bits >>= 8;
        nbytes--;
        vi flip, tie;     /* -1 where the flip is certain; where the byte left it open */
        if (exact) {
            flip = g <= BOLTZ_NAME(lane_lookup)(thr, kv, 8);          /* G(table[k + 1]) */
            tie = (g <= BOLTZ_NAME(lane_lookup)(thr, kv, 4)) & ~flip; /* strict G(table[k]) */
        } else {          /* x = round(2 beta g) against the quantiles themselves */
            const v4d x = b2 * __builtin_convertvector(g, v4d);
            const v4d hi = {table[kv[0] + 1], table[kv[1] + 1], table[kv[2] + 1],
                            table[kv[3] + 1]};
            const v4d lo = {table[kv[0]], table[kv[1]], table[kv[2]], table[kv[3]]};
            flip = __builtin_convertvector(x <= hi, vi);
            tie = __builtin_convertvector(x < lo, vi) & ~flip;
        }
        if (__builtin_expect(BOLTZ_NAME(lane_bits)(tie) != 0, 0))
            flip = BOLTZ_NAME(resolve_ties)(flip, tie, g, kv, rng, beta, heat_bath);
        /* No branch on the decisions: a lane that does not flip adds zero below. */
        /* masks select without arithmetic: (flip & bits of y) is y where flipping, else +0.0 */
        const vr d = (vr)(flip & ((vi)minus_two ^ neg));             /* spin change -2 s */
        e += __builtin_convertvector((vr)(flip & (vi)(g + g)), v4d);  /* dE = 2 s f */
        mag += __builtin_convertvector(d, v4d);
        s4 ^= boltz_lane_flip_bytes[BOLTZ_NAME(lane_bits)(flip)];
        memcpy(s + 4 * i, &s4, sizeof s4);
        for (int64_t p = indptr[i]; p < indptr[i + 1]; p++) {
            BOLTZ_REAL *fj = f + 4 * (ptrdiff_t)indices[p];
            vr v;
            memcpy(&v, fj, sizeof v);
            v += data[p] * d;
            memcpy(fj, &v, sizeof v);
        }
    }
    for (int l = 0; l < 4; l++) {
        rng[l].bits = bits[l];
        rng[l].nbytes = nbytes;
    }
    for (int l = 0; l < 4; l++) {
        energy[l] = e[l];
        magnet[l] = mag[l];
    }
}

BOLTZ_TARGET static void BOLTZ_NAME(lanes_sweep)(
    const int64_t *restrict indptr, const int32_t *restrict indices,
    const BOLTZ_REAL *restrict data, const uint8_t *restrict clamped, ptrdiff_t n,
    BOLTZ_REAL *restrict f, int8_t *restrict s, double *restrict energy,
    double *restrict magnet, boltz_chain_rng *restrict rng, const double *restrict beta,
    const double *restrict table, int heat_bath, BOLTZ_REAL *restrict thr,
    double *restrict known)
{
    if (thr != NULL) {
        BOLTZ_NAME(lanes_thresholds)(beta, table, thr, known);
        BOLTZ_NAME(lanes_loop)(indptr, indices, data, clamped, n, f, s, energy, magnet, rng,
                               beta, table, heat_bath, thr, 1);
    } else {
        BOLTZ_NAME(lanes_loop)(indptr, indices, data, clamped, n, f, s, energy, magnet, rng,
                               beta, table, heat_bath, thr, 0);
    }
}

