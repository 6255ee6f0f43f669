/*
 * Template body of dense_blocks.h (the decisions), included once per (BOLTZ_REAL,
 * BOLTZ_ISA); no include guard.
 *
 * dense_decide: the spins k0 .. k1-1 of a block of a vector of chains, one chain per lane
 * of L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) (16 float32 chains on AVX-512), decided in order
 * from the chains' cached fields, exact at the start of the block. Per chain the decisions,
 * random bytes and energy bookkeeping are those of _run_chain (boltz_flip), so a chain ends
 * in the same state whichever kernel swept it. Returns, per chain, the flipped spins and
 * their changes for dense_update (dense_update_impl.h).
 *
 * Why lanes: one chain's decisions depend on each other (a flip changes the fields of the
 * block's later spins), so a chain alone is a chain of latencies, a comparison and a branch
 * per spin; L chains side by side make L decisions per vector instruction, without a branch
 * on their outcomes.
 */
#if BOLTZ_REAL_IS_F32
typedef int32_t BOLTZ_NAME(delem);
#else
typedef int64_t BOLTZ_NAME(delem);
#endif
/* L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) lanes: one chain per lane */
typedef BOLTZ_REAL BOLTZ_NAME(dvr) __attribute__((vector_size(BOLTZ_VBYTES)));
typedef BOLTZ_NAME(delem) BOLTZ_NAME(dvi) __attribute__((vector_size(BOLTZ_VBYTES)));
typedef double BOLTZ_NAME(dvd)
    __attribute__((vector_size(BOLTZ_VBYTES * sizeof(double) / sizeof(BOLTZ_REAL))));
typedef uint64_t BOLTZ_NAME(dvu)
    __attribute__((vector_size(BOLTZ_VBYTES * sizeof(uint64_t) / sizeof(BOLTZ_REAL))));

/* Lanes a decision kernel of this instruction set and type sweeps at once */
static inline int BOLTZ_NAME(lanes_width)(void) { return BOLTZ_VBYTES / sizeof(BOLTZ_REAL); }

/* {t[idx_0], ..., t[idx_{L-1}]}: a gather on AVX-512, scalar loads elsewhere (AVX2's
 * gathers measured slower than scalar loads on AMD) */
BOLTZ_TARGET static inline __attribute__((always_inline)) BOLTZ_NAME(dvr) BOLTZ_NAME(
    lane_gather)(const BOLTZ_REAL *t, BOLTZ_NAME(dvi) idx)
{
#if BOLTZ_ISA_AVX512 && BOLTZ_REAL_IS_F32
    return (BOLTZ_NAME(dvr))_mm512_i32gather_ps((__m512i)idx, t, 4);
#elif BOLTZ_ISA_AVX512
    return (BOLTZ_NAME(dvr))_mm512_i64gather_pd((__m512i)idx, t, 8);
#else
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    BOLTZ_NAME(dvr) v;
    for (int l = 0; l < L; l++) v[l] = t[idx[l]];
    return v;
#endif
}

/* The two thresholds of byte k in each lane: thr[i] and thr[i + 1] for i = base + 2 k. On
 * AVX-512 float32 one 64-bit gather per eight lanes fetches both, then a shuffle each
 * separates them. */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_NAME(lane_pairs)(
    const BOLTZ_REAL *t, BOLTZ_NAME(dvi) i, BOLTZ_NAME(dvr) *first, BOLTZ_NAME(dvr) *second)
{
#if BOLTZ_ISA_AVX512 && BOLTZ_REAL_IS_F32
    const __m512i half = _mm512_srli_epi32((__m512i)i, 1);        /* pair index */
    const __m512 lo = (__m512)_mm512_i32gather_epi64(_mm512_castsi512_si256(half), t, 8);
    const __m512 hi = (__m512)_mm512_i32gather_epi64(_mm512_extracti64x4_epi64(half, 1), t, 8);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                           28, 30);
    *first = (BOLTZ_NAME(dvr))_mm512_permutex2var_ps(lo, even, hi);
    *second = (BOLTZ_NAME(dvr))_mm512_permutex2var_ps(
        lo, _mm512_add_epi32(even, _mm512_set1_epi32(1)), hi);
#else
    *first = BOLTZ_NAME(lane_gather)(t, i);
    *second = BOLTZ_NAME(lane_gather)(t, i + 1);
#endif
}

/* The same for the double quantiles table[k] (direct decisions) */
BOLTZ_TARGET static inline __attribute__((always_inline)) BOLTZ_NAME(dvd) BOLTZ_NAME(
    lane_table)(const double *t, BOLTZ_NAME(dvi) idx)
{
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    BOLTZ_NAME(dvd) v;
    for (int l = 0; l < L; l++) v[l] = t[idx[l]];
    return v;
}

/* Whether any lane of the comparison mask m is true (-1) */
BOLTZ_TARGET static inline __attribute__((always_inline)) int BOLTZ_NAME(any_lane)(
    BOLTZ_NAME(dvi) m)
{
#if BOLTZ_ISA_AVX512
    return _mm512_test_epi32_mask((__m512i)m, (__m512i)m) != 0;
#elif BOLTZ_ISA_AVX2
    return !_mm256_testz_si256((__m256i)m, (__m256i)m);
#else
    uint64_t w[BOLTZ_VBYTES / 8], any = 0;
    memcpy(w, &m, sizeof w);
    for (int j = 0; j < BOLTZ_VBYTES / 8; j++) any |= w[j];
    return any != 0;
#endif
}

/* local[u][l] = f[l ld + u] for u < len (<= BOLTZ_DENSE_BLOCK), l < count (0 in the other
 * lanes): the chains' fields of a block, a vector per spin. L x L tiles are transposed by
 * log2(L) rounds of two-source shuffles, each exchanging the off-diagonal b x b blocks of
 * pairs of rows. Reads whole vectors up to a multiple of L past u: within the padded rows
 * (ld is a whole number of vectors and f + u starts on one). */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_NAME(gather_fields)(
    BOLTZ_NAME(dvr) *restrict local, const BOLTZ_REAL *restrict f, ptrdiff_t ld,
    ptrdiff_t len, int count)
{
    typedef BOLTZ_NAME(dvr) vr;
    typedef BOLTZ_NAME(dvi) vi;
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    for (ptrdiff_t c0 = 0; c0 < len; c0 += L) {
        vr row[L];
#pragma GCC unroll 16
        for (int r = 0; r < L; r++) {
            row[r] = (vr){0};
            if (r < count) memcpy(&row[r], f + r * ld + c0, sizeof(vr));
        }
#pragma GCC unroll 4
        for (int b = L / 2; b >= 1; b /= 2) {
            vi lo, hi;
#pragma GCC unroll 16
            for (int j = 0; j < L; j++) {
                lo[j] = (j & b) ? L + j - b : j;
                hi[j] = (j & b) ? L + j : j + b;
            }
#pragma GCC unroll 16
            for (int r = 0; r < L; r++) {
                if (r & b) continue;
                const vr x = row[r], y = row[r + b];
                row[r] = __builtin_shuffle(x, y, lo);
                row[r + b] = __builtin_shuffle(x, y, hi);
            }
        }
        for (int u = 0; u < L && c0 + u < len; u++) local[c0 + u] = row[u];
    }
}

/* Bit t of the result is set where s[t] = -1, t < len <= 32 */
BOLTZ_TARGET static inline uint32_t BOLTZ_NAME(negative_bits)(const int8_t *s, ptrdiff_t len)
{
#if BOLTZ_X86_DISPATCH
    if (len == 32) {     /* SSE2, part of every x86-64 instruction set */
        __m128i lo, hi;
        memcpy(&lo, s, 16);
        memcpy(&hi, s + 16, 16);
        return (uint32_t)_mm_movemask_epi8(lo) | (uint32_t)_mm_movemask_epi8(hi) << 16;
    }
#endif
    uint32_t m = 0;
    for (ptrdiff_t t = 0; t < len; t++) m |= (uint32_t)(s[t] < 0) << t;
    return m;
}

/* The lanes whose byte left the decision open (tie): P computed with exp and refined by a
 * fresh 64-bit draw from the lane's generator (boltz_flip). Out of line, so that the block
 * loop keeps its vectors in registers. */
BOLTZ_TARGET __attribute__((noinline, cold)) static BOLTZ_NAME(dvi) BOLTZ_NAME(lane_ties)(
    BOLTZ_NAME(dvi) flip, BOLTZ_NAME(dvi) tie, BOLTZ_NAME(dvr) g, BOLTZ_NAME(dvi) k,
    const boltz_dense_lanes *st, int heat_bath)
{
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    for (int l = 0; l < L; l++) {
        if (!tie[l]) continue;
        const double x = 2.0 * st->beta[l] * (double)g[l];
        const double p = heat_bath ? 1.0 / (1.0 + exp(x)) : exp(-x);
        flip[l] = -(BOLTZ_NAME(delem))boltz_flip_refine(st->bitgen[l], 256.0 * p - (double)k[l]);
    }
    return flip;
}

/* A chain's flips of the block from the bit masks of its flipped spins and of those that
 * were -1 (bit t: spin k0 + t): their indices and changes d = -2 s (old) in ascending order,
 * the new spins written to s[t]. Returns their number. AVX-512 compresses 16 lanes at a
 * time; elsewhere one flip at a time. */
BOLTZ_TARGET static inline int BOLTZ_NAME(flip_lists)(
    uint32_t flips, uint32_t was_negative, ptrdiff_t k0, int32_t *restrict flipped,
    BOLTZ_REAL *restrict delta, int8_t *restrict s)
{
#if BOLTZ_ISA_AVX512
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                           15);
    const __m512i lo = _mm512_add_epi32(iota, _mm512_set1_epi32((int)k0));
    const __mmask16 f0 = (__mmask16)flips, f1 = (__mmask16)(flips >> 16);
    const int n0 = __builtin_popcount(f0);
    _mm512_storeu_si512(flipped, _mm512_maskz_compress_epi32(f0, lo));
    _mm512_storeu_si512(flipped + n0, _mm512_maskz_compress_epi32(
                                          f1, _mm512_add_epi32(lo, _mm512_set1_epi32(16))));
#if BOLTZ_REAL_IS_F32
    const __m512 two = _mm512_set1_ps(2), minus_two = _mm512_set1_ps(-2);
    _mm512_storeu_ps(delta, _mm512_maskz_compress_ps(
                                f0, _mm512_mask_blend_ps((__mmask16)was_negative, minus_two, two)));
    _mm512_storeu_ps(delta + n0, _mm512_maskz_compress_ps(
        f1, _mm512_mask_blend_ps((__mmask16)(was_negative >> 16), minus_two, two)));
#else
    const __m512d two = _mm512_set1_pd(2), minus_two = _mm512_set1_pd(-2);
    int q = 0;
    for (int j = 0; j < 4; j++) {
        const __mmask8 fj = (__mmask8)(flips >> 8 * j);
        _mm512_storeu_pd(delta + q, _mm512_maskz_compress_pd(
            fj, _mm512_mask_blend_pd((__mmask8)(was_negative >> 8 * j), minus_two, two)));
        q += __builtin_popcount(fj);
    }
#endif
    /* the new spins where they flipped: +1 where they were -1, else -1 */
    _mm256_mask_storeu_epi8(s, (__mmask32)flips,
                            _mm256_mask_blend_epi8((__mmask32)was_negative, _mm256_set1_epi8(-1),
                                                   _mm256_set1_epi8(1)));
    return __builtin_popcount(flips);
#else
    int q = 0;
    for (uint32_t m = flips; m; m &= m - 1, q++) {
        const int t = __builtin_ctz(m), down = (int)((was_negative >> t) & 1);
        flipped[q] = (int32_t)(k0 + t);
        delta[q] = (BOLTZ_REAL)(4 * down - 2);    /* no branch */
        s[t] = (int8_t)(2 * down - 1);
    }
    return q;
#endif
}

/* Spins of a sub-block whose fields the decisions keep in registers (16 vector registers
 * on AVX2, 32 on AVX-512) */
#define BOLTZ_D_H (BOLTZ_VBYTES == 64 ? 16 : 8)

/* What the lanes carry from one decision to the next */
typedef struct {
    BOLTZ_NAME(dvi) negv;     /* bit t: spin k0 + t was -1 at the start of the block */
    BOLTZ_NAME(dvi) flips;    /* bit t: it flipped */
    BOLTZ_NAME(dvi) active;   /* -1 in the lanes that hold a chain */
    BOLTZ_NAME(dvi) base;     /* each lane's thresholds in thr */
    BOLTZ_NAME(dvr) dmag;     /* sum of the spin changes (small integers: exact) */
    BOLTZ_NAME(dvd) b2;       /* 2 beta */
    BOLTZ_NAME(dvu) bits;     /* each lane's last draw st->bits ... */
    int nbytes;               /* ... of which the last nbytes bytes are unused */
} BOLTZ_NAME(lane_ctx);

/* The decision of spin k0 + t in every lane from its field v (see decide_loop): returns the
 * spin changes d = -2 s, 0 in the lanes that stay, and records dE = 2 s f (or 0) in de[t]. */
BOLTZ_TARGET static inline __attribute__((always_inline)) BOLTZ_NAME(dvr) BOLTZ_NAME(
    decide_step)(BOLTZ_NAME(dvr) v, ptrdiff_t t, BOLTZ_NAME(lane_ctx) *restrict c,
                 boltz_dense_lanes *restrict st, int count, const BOLTZ_REAL *restrict thr,
                 const double *restrict table, int heat_bath, BOLTZ_NAME(dvr) *restrict de,
                 const int exact)
{
    typedef BOLTZ_NAME(dvr) vr;
    typedef BOLTZ_NAME(dvi) vi;
    typedef BOLTZ_NAME(dvd) vd;
    enum { SIGN = 8 * sizeof(BOLTZ_REAL) - 1 };
    if (c->nbytes == 0) {   /* the lanes draw in lockstep: a byte each per spin */
        for (int l = 0; l < count; l++)
            c->bits[l] = st->bitgen[l]->next_uint64(st->bitgen[l]->state);
        c->nbytes = 8;
    }
    const vi k = __builtin_convertvector((c->bits >> (8 * (8 - c->nbytes--))) & 0xFF, vi);
    const vi neg = ((c->negv >> t) & 1) << SIGN;           /* sign bit where s = -1 */
    const vr g = (vr)((vi)v ^ neg);                        /* s f, exactly */
    vi flip, tie;    /* -1 where the flip is certain; where the byte left it open */
    if (exact) {
        vr upper, lower;  /* G(table[k + 1]), strict G(table[k]) */
        BOLTZ_NAME(lane_pairs)(thr, c->base + 2 * k, &upper, &lower);
        flip = g <= upper;
        tie = (g <= lower) & ~flip;
    } else {         /* x = round(2 beta g) against the quantiles themselves */
        const vd x = c->b2 * __builtin_convertvector(g, vd);
        flip = __builtin_convertvector(x <= BOLTZ_NAME(lane_table)(table, k + 1), vi);
        tie = __builtin_convertvector(x < BOLTZ_NAME(lane_table)(table, k), vi) & ~flip;
    }
    flip &= c->active;
    tie &= c->active;
    if (__builtin_expect(BOLTZ_NAME(any_lane)(tie), 0))
        flip = BOLTZ_NAME(lane_ties)(flip, tie, g, k, st, heat_bath);
    /* no branch on the decisions: a lane that stays adds zeros */
    const vr d = (vr)(flip & ((vi)((vr){0} - 2) ^ neg));
    de[t] = (vr)(flip & (vi)(g + g));
    c->dmag += d;
    c->flips |= flip & ((c->active & 1) << t);
    return d;
}

/*
 * The decisions of spins k0 .. k0+len-1 (len <= BOLTZ_DENSE_BLOCK) of `count` <= L chains,
 * one per lane, in order: chain l has fields f + l ld (exact at the start of the block) and
 * spins s + l n. The block's fields are gathered into lanes, local[u][l] = f[l ld + k0 + u],
 * and kept exact: a flip of spin k0 + t adds d J_{k0+t, k0+u} to the fields of the block's
 * later spins u > t (zero in the lanes that stay), in the order of t. A sub-block of
 * BOLTZ_D_H spins keeps its fields in registers; its flips then reach the later spins'
 * fields in one pass. Per lane the decisions, random bytes and energy bookkeeping are those
 * of _run_chain (boltz_flip): x = 2 beta s f <= table[k + 1] flips, x < table[k] leaves it to
 * an exact refinement. With thresholds (`exact`, a constant once inlined) the comparisons
 * are made as s f <= G (spin_lanes_impl.h): thr[base_l + 2 k] is the largest field value
 * with round(2 beta s f) <= table[k + 1], thr[base_l + 2 k + 1] the largest with
 * < table[k], for the bytes k < 256 (the pair a byte needs, side by side).
 * Spins that flip are changed in s; the flipped spins and their changes d = -2 s (old) go to
 * flipped[l B + q] / delta[l B + q], q < nflip[l], for dense_update.
 */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_NAME(decide_loop)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, ptrdiff_t k0, ptrdiff_t len,
    const uint8_t *restrict clamped, const BOLTZ_REAL *restrict f, int8_t *restrict s,
    ptrdiff_t n, boltz_dense_lanes *restrict st, int count, const BOLTZ_REAL *restrict thr,
    const double *restrict table, int heat_bath, int32_t *restrict flipped,
    BOLTZ_REAL *restrict delta, int *restrict nflip, const int exact)
{
    typedef BOLTZ_NAME(dvr) vr;
    typedef BOLTZ_NAME(dvi) vi;
    typedef BOLTZ_NAME(dvd) vd;
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL), B = BOLTZ_DENSE_BLOCK, H = BOLTZ_D_H };
    vr local[BOLTZ_DENSE_BLOCK], de[BOLTZ_DENSE_BLOCK];
    BOLTZ_NAME(lane_ctx) c;
    c.negv = c.active = c.base = c.flips = (vi){0};
    c.dmag = (vr){0};
    c.b2 = (vd){0};
    for (int l = 0; l < L; l++) {
        c.active[l] = l < count ? -1 : 0;
        if (l >= count) continue;
        c.negv[l] = (BOLTZ_NAME(delem))BOLTZ_NAME(negative_bits)(s + l * n + k0, len);
        c.base[l] = st->base[l];
        c.b2[l] = 2.0 * st->beta[l];
    }
    BOLTZ_NAME(gather_fields)(local, f + k0, ld, len, count);
    c.nbytes = st->nbytes;
    c.bits = (BOLTZ_NAME(dvu)){0};
    for (int l = 0; l < count; l++) c.bits[l] = st->bits[l];
#define BOLTZ_D_DECIDE(v, t) BOLTZ_NAME(decide_step)((v), (t), &c, st, count, thr, table,  \
                                                      heat_bath, de, exact)
    for (ptrdiff_t h0 = 0; h0 < len; h0 += H) {
        const ptrdiff_t hl = len - h0 < H ? len - h0 : H;
        vr dsub[BOLTZ_D_H];
        if (hl == H) {
            /* the sub-block's fields in named registers a0 .. a{H-1} (why names, not an
             * array: row_sums_impl.h); step T decides a##T and adds its changes to the later
             * ones (constant indices: no loop). EACH2 is EACH again: a macro cannot expand
             * inside its own expansion. */
#define BOLTZ_D_EACH(OP, T) OP(T, 0) OP(T, 1) OP(T, 2) OP(T, 3) OP(T, 4) OP(T, 5) OP(T, 6)     \
    OP(T, 7) OP(T, 8) OP(T, 9) OP(T, 10) OP(T, 11) OP(T, 12) OP(T, 13) OP(T, 14) OP(T, 15)
#define BOLTZ_D_EACH2(OP, T) OP(T, 0) OP(T, 1) OP(T, 2) OP(T, 3) OP(T, 4) OP(T, 5) OP(T, 6)    \
    OP(T, 7) OP(T, 8) OP(T, 9) OP(T, 10) OP(T, 11) OP(T, 12) OP(T, 13) OP(T, 14) OP(T, 15)
#define BOLTZ_D_LOAD(T, u) vr a##u = {0}; if (u < H) a##u = local[h0 + u];
#define BOLTZ_D_ADD(T, u) if (u > T && u < H) a##u += d * row[u];
#define BOLTZ_D_STEP(unused, T)                                                              \
    if (T < H) {                                                                             \
        vr d = {0};                                                                          \
        if (clamped == NULL || !clamped[k0 + h0 + T]) d = BOLTZ_D_DECIDE(a##T, h0 + T);      \
        dsub[T < H ? T : 0] = d;                                                             \
        const BOLTZ_REAL *restrict row = J + (k0 + h0 + T) * ld + k0 + h0;                   \
        BOLTZ_D_EACH2(BOLTZ_D_ADD, T)                                                        \
    }
            BOLTZ_D_EACH(BOLTZ_D_LOAD, 0)
            BOLTZ_D_EACH(BOLTZ_D_STEP, 0)
#undef BOLTZ_D_STEP
#undef BOLTZ_D_ADD
#undef BOLTZ_D_LOAD
#undef BOLTZ_D_EACH2
#undef BOLTZ_D_EACH
        } else {
            for (ptrdiff_t t = 0; t < hl; t++) {
                vr d = {0};
                if (clamped == NULL || !clamped[k0 + h0 + t])
                    d = BOLTZ_D_DECIDE(local[h0 + t], h0 + t);
                dsub[t] = d;
                const BOLTZ_REAL *restrict row = J + (k0 + h0 + t) * ld + k0 + h0;
                for (ptrdiff_t u = t + 1; u < hl; u++) local[h0 + u] += d * row[u];
            }
        }
        /* the sub-block's flips reach the fields of the block's later spins, in order */
        for (ptrdiff_t u = h0 + hl; u < len; u++) {
            vr acc = local[u];
            for (ptrdiff_t t = 0; t < hl; t++) acc += dsub[t] * J[(k0 + h0 + t) * ld + k0 + u];
            local[u] = acc;
        }
    }
#undef BOLTZ_D_DECIDE
    st->nbytes = c.nbytes;
    for (int l = 0; l < count; l++) st->bits[l] = c.bits[l];
    /* the energy changes added in double in spin order, as _run_chain does */
    vd e = {0};
    for (int l = 0; l < count; l++) e[l] = st->energy[l];
    for (ptrdiff_t t = 0; t < len; t++)
        if (clamped == NULL || !clamped[k0 + t]) e += __builtin_convertvector(de[t], vd);
    for (int l = 0; l < count; l++) {
        st->energy[l] = e[l];
        st->magnet[l] += c.dmag[l];
        nflip[l] = BOLTZ_NAME(flip_lists)((uint32_t)c.flips[l], (uint32_t)c.negv[l], k0,
                                          flipped + l * B, delta + l * B, s + l * n + k0);
    }
}

BOLTZ_TARGET static void BOLTZ_NAME(dense_decide)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, ptrdiff_t k0, ptrdiff_t k1,
    const uint8_t *restrict clamped, const BOLTZ_REAL *restrict f, int8_t *restrict s, ptrdiff_t n,
    boltz_dense_lanes *restrict st, int count, const BOLTZ_REAL *restrict thr,
    const double *restrict table, int heat_bath, int32_t *restrict flipped,
    BOLTZ_REAL *restrict delta, int *restrict nflip)
{
    if (thr != NULL)
        BOLTZ_NAME(decide_loop)(J, ld, k0, k1 - k0, clamped, f, s, n, st, count, thr, table,
                                heat_bath, flipped, delta, nflip, 1);
    else
        BOLTZ_NAME(decide_loop)(J, ld, k0, k1 - k0, clamped, f, s, n, st, count, thr, table,
                                heat_bath, flipped, delta, nflip, 0);
}

