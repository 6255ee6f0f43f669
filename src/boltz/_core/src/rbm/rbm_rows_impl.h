/*
 * Template body of rbm_rows.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 *
 * Rows of units are padded to a multiple of the vector width (p, the row stride), so that
 * every column tile is whole vectors; the padding of probabilities and weights stays zero.
 * A state is kept as the list of its units that are on, which is what the products need.
 */
#if BOLTZ_ISA_AVX2
typedef int32_t BOLTZ_NAME(vi8) __attribute__((vector_size(32)));
typedef float BOLTZ_NAME(vf8) __attribute__((vector_size(32)));

/* The lanes of the set bits of mask, in order, as int32 lanes (compress_lut.h) */
BOLTZ_TARGET static inline BOLTZ_NAME(vi8) BOLTZ_NAME(packed_lanes)(unsigned mask)
{
    typedef uint8_t vb8 __attribute__((vector_size(8)));
    vb8 lanes;
    memcpy(&lanes, &boltz_compress_lut[mask], sizeof lanes);
    return __builtin_convertvector(lanes, BOLTZ_NAME(vi8));
}
#endif

/* Appends base + l for each set bit l of mask (l < 8) to idx[c ..]; returns the new count.
 * With AVX2 it stores eight entries at once: idx needs room for 8 beyond its units. */
BOLTZ_TARGET static inline ptrdiff_t BOLTZ_NAME(append_bits)(unsigned mask, ptrdiff_t base,
                                                             int32_t *restrict idx, ptrdiff_t c)
{
#if BOLTZ_ISA_AVX2
    const BOLTZ_NAME(vi8) v = BOLTZ_NAME(packed_lanes)(mask) + (int32_t)base;
    memcpy(idx + c, &v, sizeof v);
    return c + __builtin_popcount(mask);
#else
    for (; mask; mask &= mask - 1) idx[c++] = (int32_t)(base + __builtin_ctz(mask));
    return c;
#endif
}

/* The nonzero entries of x[0 .. m): their indices and values in index order; returns how
 * many. A mask of eight entries at a time, packed with a table under AVX2 (float32; idx and
 * coef need room for 8 beyond m). */
BOLTZ_TARGET static ptrdiff_t BOLTZ_NAME(rbm_nonzeros)(const BOLTZ_REAL *restrict x, ptrdiff_t m,
                                                       int32_t *restrict idx,
                                                       BOLTZ_REAL *restrict coef)
{
    ptrdiff_t c = 0, i = 0;
#if BOLTZ_ISA_AVX2
    if (sizeof(BOLTZ_REAL) == 4) {
        for (; i + 8 <= m; i += 8) {
            BOLTZ_NAME(vf8) v;
            memcpy(&v, x + i, sizeof v);
            const unsigned mask = (unsigned)__builtin_ia32_movmskps256(
                (BOLTZ_NAME(vf8))(v != 0));
            const BOLTZ_NAME(vi8) lanes = BOLTZ_NAME(packed_lanes)(mask);
            const BOLTZ_NAME(vi8) at = lanes + (int32_t)i;
            const BOLTZ_NAME(vf8) packed = __builtin_ia32_permvarsf256(v, lanes);
            memcpy(idx + c, &at, sizeof at);
            memcpy(coef + c, &packed, sizeof packed);
            c += __builtin_popcount(mask);
        }
    }
#endif
    for (; i + 8 <= m; i += 8) {
        unsigned mask = 0;
        for (int l = 0; l < 8; l++) mask |= (unsigned)(x[i + l] != 0) << l;
        for (; mask; mask &= mask - 1) {
            const ptrdiff_t j = i + __builtin_ctz(mask);
            idx[c] = (int32_t)j;
            coef[c++] = x[j];
        }
    }
    for (; i < m; i++) {
        idx[c] = (int32_t)i;
        coef[c] = x[i];
        c += x[i] != 0;
    }
    return c;
}

/* Whether rows r and g have the same list (lw = 0: one list for every row) */
BOLTZ_TARGET static inline int BOLTZ_NAME(same_list)(const int32_t *restrict idx, ptrdiff_t lw,
                                                    const ptrdiff_t *restrict count,
                                                    ptrdiff_t r, ptrdiff_t g)
{
    return lw == 0 || (count[r] == count[g]
                       && memcmp(idx + r * lw, idx + g * lw, count[r] * sizeof(int32_t)) == 0);
}

/* Rows r0 .. r1-1 of out (row stride p, a multiple of the vector width):
 *   out[r] = bias + sum_q coef_r[q] M[idx_r[q]]   for M of shape (*, p),
 * with row r's list at idx + r * lw, its coefficients at coef + r * cw (cw = 0: one list of
 * coefficients for every row, e.g. ones for binary states) and count[r] entries. Column
 * tiles are the outer loop, so a tile of M is read from memory once and reused from cache
 * by every row. Consecutive rows with the same list (dense real data, one shared list) go
 * through accumulate_rows, which uses each loaded vector of M for up to BOLTZ_ROWS_R rows;
 * every element adds its terms in the same order either way, so the results do not depend
 * on which rows were grouped. */
BOLTZ_TARGET static void BOLTZ_NAME(rbm_row_sums)(
    ptrdiff_t r0, ptrdiff_t r1, const int32_t *restrict idx, ptrdiff_t lw,
    const BOLTZ_REAL *restrict coef, ptrdiff_t cw, const ptrdiff_t *restrict count,
    const BOLTZ_REAL *restrict M, const BOLTZ_REAL *restrict bias, ptrdiff_t p,
    BOLTZ_REAL *restrict out)
{
    enum { W = 32 / sizeof(BOLTZ_REAL) };
    for (ptrdiff_t r = r0; r < r1; r++) memcpy(out + r * p, bias, p * sizeof(BOLTZ_REAL));
    ptrdiff_t r = r0;
    while (r < r1) {
        /* rows r .. e-1: none shares its list with the next row */
        ptrdiff_t e = r;
        while (e < r1 && (e + 1 == r1 || !BOLTZ_NAME(same_list)(idx, lw, count, e, e + 1))) e++;
        if (e > r) {
            for (ptrdiff_t x = 0; x < p; x += 8 * W) {
                const int nvec = p - x >= 8 * W ? 8 : (int)((p - x) / W);
                for (ptrdiff_t a = r; a < e; a++)
                    BOLTZ_NAME(accumulate_vectors)(out + a * p + x, M + x, p, idx + a * lw,
                                                   coef + a * cw, count[a], nvec);
            }
            r = e;
            continue;
        }
        /* rows r .. g-1 share row r's list */
        ptrdiff_t g = r + 2;
        while (g < r1 && BOLTZ_NAME(same_list)(idx, lw, count, r, g)) g++;
        for (ptrdiff_t x = 0; x < p; x += BOLTZ_ROWS_NV * W) {
            const int nvec = p - x >= BOLTZ_ROWS_NV * W ? BOLTZ_ROWS_NV : (int)((p - x) / W);
            for (ptrdiff_t a = r; a < g; a += BOLTZ_ROWS_R)
                BOLTZ_NAME(accumulate_rows)(out + a * p + x, p, M + x, p, idx + r * lw,
                                            coef + a * cw, cw, count[r],
                                            g - a >= BOLTZ_ROWS_R ? BOLTZ_ROWS_R : (int)(g - a),
                                            nvec);
        }
        r = g;
    }
}

/* s_l ~ Bernoulli(prob[l]) for l < len <= 8 from the eight bytes of one 64-bit draw: byte k
 * places u in [k/256, (k+1)/256), which settles u < p unless k = floor(256 p); that tie
 * (probability 1/256) is resolved exactly by a fresh draw. Returns the outcomes as a mask. */
BOLTZ_TARGET static inline __attribute__((always_inline)) unsigned BOLTZ_NAME(bernoulli8)(
    const BOLTZ_REAL *restrict prob, int len, bitgen_t *rng)
{
    const uint64_t bits = rng->next_uint64(rng->state);
    unsigned on = 0, tie = 0;
#if BOLTZ_ISA_AVX2
    if (len == 8) {     /* the eight comparisons in vector lanes */
        typedef BOLTZ_NAME(vi8) vi8;
        typedef BOLTZ_NAME(vf8) vf8;
        typedef uint8_t vb8 __attribute__((vector_size(8)));
        vb8 bytes;
        memcpy(&bytes, &bits, sizeof bytes);
        const vi8 k = __builtin_convertvector(bytes, vi8);
        vi8 f;
        if (sizeof(BOLTZ_REAL) == 4) {
            vf8 p;
            memcpy(&p, prob, sizeof p);
            f = __builtin_convertvector(p * 256.0f, vi8);
        } else {
            typedef double vd4 __attribute__((vector_size(32)));
            typedef int32_t vi4 __attribute__((vector_size(16)));
            vd4 p0, p1;
            memcpy(&p0, prob, sizeof p0);
            memcpy(&p1, prob + 4, sizeof p1);
            const vi4 f0 = __builtin_convertvector(p0 * 256.0, vi4);
            const vi4 f1 = __builtin_convertvector(p1 * 256.0, vi4);
            f = __builtin_shufflevector(f0, f1, 0, 1, 2, 3, 4, 5, 6, 7);
        }
        on = (unsigned)__builtin_ia32_movmskps256((vf8)(k < f));
        tie = (unsigned)__builtin_ia32_movmskps256((vf8)(k == f));
    } else
#endif
    for (int l = 0; l < len; l++) {
        const int32_t f = (int32_t)(prob[l] * 256), k = (int32_t)((bits >> (8 * l)) & 0xFF);
        on |= (unsigned)(k < f) << l;
        tie |= (unsigned)(k == f) << l;
    }
    for (; tie; tie &= tie - 1) {
        const int l = __builtin_ctz(tie);
        const double t = (double)prob[l] * 256;
        on |= (unsigned)boltz_flip_refine(rng, t - floor(t)) << l;
    }
    return on;
}

/* prob[0 .. n) = sigmoid(prob), prob[n .. p) = 0 (padding). With rng: then draws
 * s_j ~ Bernoulli(prob_j) for j < n, eight per 64-bit draw in index order, lists the units
 * that are on in idx (room for 8 beyond n) and returns their number. */
BOLTZ_TARGET static ptrdiff_t BOLTZ_NAME(rbm_sample)(BOLTZ_REAL *restrict prob, ptrdiff_t n,
                                                     ptrdiff_t p, bitgen_t *rng,
                                                     int32_t *restrict idx)
{
    BOLTZ_NAME(sigmoid)(prob, n);
    for (ptrdiff_t j = n; j < p; j++) prob[j] = 0;
    if (rng == NULL) return 0;
    ptrdiff_t c = 0;
    for (ptrdiff_t j = 0; j < n; j += 8) {
        const unsigned on = n - j >= 8 ? BOLTZ_NAME(bernoulli8)(prob + j, 8, rng)
                                       : BOLTZ_NAME(bernoulli8)(prob + j, (int)(n - j), rng);
        c = BOLTZ_NAME(append_bits)(on, j, idx, c);
    }
    return c;
}

/* One row of the weight update (Wt layout, row length p), given the rows of H (h+ of the
 * batch, then h- of the negative chains) where this visible unit is on, with coefficients
 * R v (positive rows) and -R (negative rows):
 *   vel = momentum vel - decay Wt_row + sum_q coef[q] H[idx[q]],   Wt_row += vel.
 * With vel NULL (no momentum, decay or centring: the caller needs no record of the step)
 * the sum goes straight into Wt_row. */
BOLTZ_TARGET static void BOLTZ_NAME(rbm_weight_row)(
    ptrdiff_t p, const int32_t *restrict idx, const BOLTZ_REAL *restrict coef,
    ptrdiff_t count, const BOLTZ_REAL *restrict H, BOLTZ_REAL momentum, BOLTZ_REAL decay,
    BOLTZ_REAL *restrict vel, BOLTZ_REAL *restrict Wt_row)
{
    enum { W = 32 / sizeof(BOLTZ_REAL) };
    const int plain = vel == NULL;
    BOLTZ_REAL *restrict out = plain ? Wt_row : vel;
    if (!plain) {
#pragma omp simd
        for (ptrdiff_t j = 0; j < p; j++) vel[j] = momentum * vel[j] - decay * Wt_row[j];
    }
    for (ptrdiff_t x = 0; x < p; x += 8 * W)
        BOLTZ_NAME(accumulate_vectors)(out + x, H + x, p, idx, coef, count,
                                       p - x >= 8 * W ? 8 : (int)((p - x) / W));
    if (!plain) {
#pragma omp simd
        for (ptrdiff_t j = 0; j < p; j++) Wt_row[j] += vel[j];
    }
}

/* The transpose of the L x L block at a (row stride lda) into b (row stride ldb), L the
 * vector width: L row loads, unpack and shuffle steps, L row stores. */
BOLTZ_TARGET static inline void BOLTZ_NAME(transpose_block)(const BOLTZ_REAL *restrict a,
                                                            ptrdiff_t lda,
                                                            BOLTZ_REAL *restrict b,
                                                            ptrdiff_t ldb)
{
#define BOLTZ_R_LD(v, k) memcpy(&(v), a + (k) * lda, sizeof(v))
#define BOLTZ_R_ST(k, v) memcpy(b + (k) * ldb, &(v), sizeof(v))
#if defined(__clang__) || !defined(__GNUC__)
    for (int i = 0; i < (int)(32 / sizeof(BOLTZ_REAL)); i++)
        for (int j = 0; j < (int)(32 / sizeof(BOLTZ_REAL)); j++) b[j * ldb + i] = a[i * lda + j];
#else
    if (sizeof(BOLTZ_REAL) == 4) {
        typedef float v8 __attribute__((vector_size(32)));
        typedef int32_t m8 __attribute__((vector_size(32)));
        v8 r0, r1, r2, r3, r4, r5, r6, r7;
        BOLTZ_R_LD(r0, 0); BOLTZ_R_LD(r1, 1); BOLTZ_R_LD(r2, 2); BOLTZ_R_LD(r3, 3);
        BOLTZ_R_LD(r4, 4); BOLTZ_R_LD(r5, 5); BOLTZ_R_LD(r6, 6); BOLTZ_R_LD(r7, 7);
        const m8 lo = {0, 8, 1, 9, 4, 12, 5, 13}, hi = {2, 10, 3, 11, 6, 14, 7, 15};
        const m8 q0 = {0, 1, 8, 9, 4, 5, 12, 13}, q1 = {2, 3, 10, 11, 6, 7, 14, 15};
        const m8 h0 = {0, 1, 2, 3, 8, 9, 10, 11}, h1 = {4, 5, 6, 7, 12, 13, 14, 15};
        const v8 t0 = __builtin_shuffle(r0, r1, lo), t1 = __builtin_shuffle(r0, r1, hi);
        const v8 t2 = __builtin_shuffle(r2, r3, lo), t3 = __builtin_shuffle(r2, r3, hi);
        const v8 t4 = __builtin_shuffle(r4, r5, lo), t5 = __builtin_shuffle(r4, r5, hi);
        const v8 t6 = __builtin_shuffle(r6, r7, lo), t7 = __builtin_shuffle(r6, r7, hi);
        const v8 u0 = __builtin_shuffle(t0, t2, q0), u1 = __builtin_shuffle(t0, t2, q1);
        const v8 u2 = __builtin_shuffle(t1, t3, q0), u3 = __builtin_shuffle(t1, t3, q1);
        const v8 u4 = __builtin_shuffle(t4, t6, q0), u5 = __builtin_shuffle(t4, t6, q1);
        const v8 u6 = __builtin_shuffle(t5, t7, q0), u7 = __builtin_shuffle(t5, t7, q1);
        const v8 o0 = __builtin_shuffle(u0, u4, h0), o4 = __builtin_shuffle(u0, u4, h1);
        const v8 o1 = __builtin_shuffle(u1, u5, h0), o5 = __builtin_shuffle(u1, u5, h1);
        const v8 o2 = __builtin_shuffle(u2, u6, h0), o6 = __builtin_shuffle(u2, u6, h1);
        const v8 o3 = __builtin_shuffle(u3, u7, h0), o7 = __builtin_shuffle(u3, u7, h1);
        BOLTZ_R_ST(0, o0); BOLTZ_R_ST(1, o1); BOLTZ_R_ST(2, o2); BOLTZ_R_ST(3, o3);
        BOLTZ_R_ST(4, o4); BOLTZ_R_ST(5, o5); BOLTZ_R_ST(6, o6); BOLTZ_R_ST(7, o7);
    } else {
        typedef double v4 __attribute__((vector_size(32)));
        typedef int64_t m4 __attribute__((vector_size(32)));
        v4 r0, r1, r2, r3;
        BOLTZ_R_LD(r0, 0); BOLTZ_R_LD(r1, 1); BOLTZ_R_LD(r2, 2); BOLTZ_R_LD(r3, 3);
        const m4 lo = {0, 4, 2, 6}, hi = {1, 5, 3, 7}, h0 = {0, 1, 4, 5}, h1 = {2, 3, 6, 7};
        const v4 t0 = __builtin_shuffle(r0, r1, lo), t1 = __builtin_shuffle(r0, r1, hi);
        const v4 t2 = __builtin_shuffle(r2, r3, lo), t3 = __builtin_shuffle(r2, r3, hi);
        const v4 o0 = __builtin_shuffle(t0, t2, h0), o2 = __builtin_shuffle(t0, t2, h1);
        const v4 o1 = __builtin_shuffle(t1, t3, h0), o3 = __builtin_shuffle(t1, t3, h1);
        BOLTZ_R_ST(0, o0); BOLTZ_R_ST(1, o1); BOLTZ_R_ST(2, o2); BOLTZ_R_ST(3, o3);
    }
#endif
#undef BOLTZ_R_LD
#undef BOLTZ_R_ST
}

/* W[j, i] = Wt[i, j] for i < nv and j0 <= j < j1: Wt of row stride ldt, W of row stride
 * ldw. Whole blocks go through registers; the ragged edges element by element. */
BOLTZ_TARGET static void BOLTZ_NAME(rbm_transpose)(const BOLTZ_REAL *restrict Wt,
                                                   ptrdiff_t nv, ptrdiff_t ldt, ptrdiff_t j0,
                                                   ptrdiff_t j1, BOLTZ_REAL *restrict W,
                                                   ptrdiff_t ldw)
{
    enum { L = 32 / sizeof(BOLTZ_REAL) };
    ptrdiff_t j = j0;
    for (; j + L <= j1; j += L) {
        ptrdiff_t i = 0;
        for (; i + L <= nv; i += L)
            BOLTZ_NAME(transpose_block)(Wt + i * ldt + j, ldt, W + j * ldw + i, ldw);
        for (; i < nv; i++)
            for (ptrdiff_t jj = j; jj < j + L; jj++) W[jj * ldw + i] = Wt[i * ldt + jj];
    }
    for (; j < j1; j++)
        for (ptrdiff_t i = 0; i < nv; i++) W[j * ldw + i] = Wt[i * ldt + j];
}


/* scores[l] += Wt_rows[l] . h for l < K: the K level rows of one softmax unit (row stride
 * p, a multiple of the vector width) against a dense state h of p entries (its padding
 * zero). Rows go five at a time through one pass over h (five independent vector sums hide
 * the latency of the adds; 1 to 5 stars is the common K), the rest one by one. */
BOLTZ_TARGET static void BOLTZ_NAME(rbm_level_scores)(const BOLTZ_REAL *restrict Wt_rows,
                                                      ptrdiff_t p, int K,
                                                      const BOLTZ_REAL *restrict h,
                                                      double *restrict scores)
{
    typedef BOLTZ_REAL vec __attribute__((vector_size(32)));
    enum { L = 32 / sizeof(BOLTZ_REAL) };
#define BOLTZ_LOAD(v, ptr) memcpy(&(v), (ptr), sizeof(v))
    int l = 0;
    for (; l + 5 <= K; l += 5) {
        const BOLTZ_REAL *restrict w = Wt_rows + l * p;
        vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0};
        for (ptrdiff_t j = 0; j < p; j += L) {
            vec hv, w0, w1, w2, w3, w4;
            BOLTZ_LOAD(hv, h + j);
            BOLTZ_LOAD(w0, w + j);
            BOLTZ_LOAD(w1, w + p + j);
            BOLTZ_LOAD(w2, w + 2 * p + j);
            BOLTZ_LOAD(w3, w + 3 * p + j);
            BOLTZ_LOAD(w4, w + 4 * p + j);
            a0 += w0 * hv;
            a1 += w1 * hv;
            a2 += w2 * hv;
            a3 += w3 * hv;
            a4 += w4 * hv;
        }
        const vec *sums[5] = {&a0, &a1, &a2, &a3, &a4};
        for (int r = 0; r < 5; r++) {
            double total = 0;
            for (int e = 0; e < L; e++) total += (*sums[r])[e];
            scores[l + r] += total;
        }
    }
    for (; l < K; l++) {
        const BOLTZ_REAL *restrict w = Wt_rows + l * p;
        vec a = {0};
        for (ptrdiff_t j = 0; j < p; j += L) {
            vec hv, wv;
            BOLTZ_LOAD(hv, h + j);
            BOLTZ_LOAD(wv, w + j);
            a += wv * hv;
        }
        double total = 0;
        for (int e = 0; e < L; e++) total += a[e];
        scores[l] += total;
    }
#undef BOLTZ_LOAD
}
