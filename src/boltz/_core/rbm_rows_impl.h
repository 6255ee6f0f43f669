/*
 * Template body of rbm_rows.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 *
 * Both kernels add weighted rows of a matrix M to output rows: out += sum_q coef[q] *
 * M[idx[q]]. accumulate_tile holds a tile of the output in eight vector registers while the
 * source rows stream past, so the output is loaded and stored once per tile, not once per
 * source row.
 */
#define BOLTZ_R_CAT_(a, b, c, d) a##b##_##c##_##d
#define BOLTZ_R_CAT(a, b, c, d) BOLTZ_R_CAT_(a, b, c, d)
#define BOLTZ_R_FN(name) BOLTZ_R_CAT(boltz_, name, BOLTZ_T, BOLTZ_ISA)

/* out[x : x + 8W] += sum_q coef[q] * M[idx[q] * p + x : ...], the tile held in registers */
BOLTZ_TARGET static inline void BOLTZ_R_FN(accumulate_tile)(
    BOLTZ_REAL *restrict out, ptrdiff_t x, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t count)
{
    typedef BOLTZ_REAL vreal __attribute__((vector_size(32)));
    enum { W = 32 / sizeof(BOLTZ_REAL) };
#define BOLTZ_R_LOAD(v, ptr) memcpy(&(v), (ptr), sizeof(vreal))
    vreal a0, a1, a2, a3, a4, a5, a6, a7;
    BOLTZ_R_LOAD(a0, out + x);
    BOLTZ_R_LOAD(a1, out + x + W);
    BOLTZ_R_LOAD(a2, out + x + 2 * W);
    BOLTZ_R_LOAD(a3, out + x + 3 * W);
    BOLTZ_R_LOAD(a4, out + x + 4 * W);
    BOLTZ_R_LOAD(a5, out + x + 5 * W);
    BOLTZ_R_LOAD(a6, out + x + 6 * W);
    BOLTZ_R_LOAD(a7, out + x + 7 * W);
    for (ptrdiff_t q = 0; q < count; q++) {
        const BOLTZ_REAL *s = M + (ptrdiff_t)idx[q] * p + x, d = coef[q];
        vreal r0, r1, r2, r3, r4, r5, r6, r7;
        BOLTZ_R_LOAD(r0, s);
        BOLTZ_R_LOAD(r1, s + W);
        BOLTZ_R_LOAD(r2, s + 2 * W);
        BOLTZ_R_LOAD(r3, s + 3 * W);
        BOLTZ_R_LOAD(r4, s + 4 * W);
        BOLTZ_R_LOAD(r5, s + 5 * W);
        BOLTZ_R_LOAD(r6, s + 6 * W);
        BOLTZ_R_LOAD(r7, s + 7 * W);
        a0 += d * r0;
        a1 += d * r1;
        a2 += d * r2;
        a3 += d * r3;
        a4 += d * r4;
        a5 += d * r5;
        a6 += d * r6;
        a7 += d * r7;
    }
    memcpy(out + x, &a0, sizeof a0);
    memcpy(out + x + W, &a1, sizeof a1);
    memcpy(out + x + 2 * W, &a2, sizeof a2);
    memcpy(out + x + 3 * W, &a3, sizeof a3);
    memcpy(out + x + 4 * W, &a4, sizeof a4);
    memcpy(out + x + 5 * W, &a5, sizeof a5);
    memcpy(out + x + 6 * W, &a6, sizeof a6);
    memcpy(out + x + 7 * W, &a7, sizeof a7);
}

/* The columns x .. p-1 left over by the tiles (fewer than a tile): source by source, each
 * adding to all of them (independent multiply-adds; the short output row stays in L1). */
BOLTZ_TARGET static inline void BOLTZ_R_FN(accumulate_tail)(
    BOLTZ_REAL *restrict out, ptrdiff_t x, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t count)
{
#undef BOLTZ_R_LOAD
    typedef BOLTZ_REAL vreal __attribute__((vector_size(32)));
    enum { W = 32 / sizeof(BOLTZ_REAL) };
    if (x >= p) return;
    BOLTZ_REAL *restrict o = out + x;
    const ptrdiff_t len = p - x, nvec = len / W;
    for (ptrdiff_t q = 0; q < count; q++) {
        const BOLTZ_REAL *restrict s = M + (ptrdiff_t)idx[q] * p + x;
        const BOLTZ_REAL d = coef[q];
        /* explicit vectors: left to itself gcc unrolls over q and goes scalar */
        for (ptrdiff_t c = 0; c < nvec; c++) {
            vreal a, r;
            memcpy(&a, o + c * W, sizeof a);
            memcpy(&r, s + c * W, sizeof r);
            a += d * r;
            memcpy(o + c * W, &a, sizeof a);
        }
        for (ptrdiff_t y = nvec * W; y < len; y++) o[y] += d * s[y];
    }
}

/* Rows r0 .. r1-1 of out = sigmoid(bias + rows M) for M of shape (m, p): each row is a sum
 * of the rows of M where the input is nonzero (binary states and sparse data skip most of
 * them). Column tiles are the outer loop, so a tile of M is read from memory once and
 * reused from cache by every row. idx and coef are scratch of (r1 - r0) * m entries. */
BOLTZ_TARGET static void BOLTZ_R_FN(rbm_activate)(
    const BOLTZ_REAL *restrict rows, ptrdiff_t r0, ptrdiff_t r1, ptrdiff_t m,
    const BOLTZ_REAL *restrict M, const BOLTZ_REAL *restrict bias, ptrdiff_t p,
    BOLTZ_REAL *restrict out, int32_t *restrict idx, BOLTZ_REAL *restrict coef,
    ptrdiff_t *restrict count)
{
    enum { TILE = 8 * (32 / sizeof(BOLTZ_REAL)) };
    for (ptrdiff_t r = r0; r < r1; r++) {
        const BOLTZ_REAL *row = rows + r * m;
        int32_t *ri = idx + (r - r0) * m;
        BOLTZ_REAL *rc = coef + (r - r0) * m;
        ptrdiff_t c = 0;
        for (ptrdiff_t i = 0; i < m; i++) {     /* no branch: about half are zeros */
            ri[c] = (int32_t)i;
            rc[c] = row[i];
            c += row[i] != 0;
        }
        count[r - r0] = c;
        memcpy(out + r * p, bias, p * sizeof(BOLTZ_REAL));
    }
    ptrdiff_t x = 0;
    for (; x + TILE <= p; x += TILE)
        for (ptrdiff_t r = r0; r < r1; r++)
            BOLTZ_R_FN(accumulate_tile)(out + r * p, x, M, p, idx + (r - r0) * m,
                                        coef + (r - r0) * m, count[r - r0]);
    for (ptrdiff_t r = r0; r < r1; r++) {
        BOLTZ_R_FN(accumulate_tail)(out + r * p, x, M, p, idx + (r - r0) * m,
                                    coef + (r - r0) * m, count[r - r0]);
        BOLTZ_R_FN(sigmoid)(out + r * p, p);
    }
}

/* One row of the weight update (Wt layout, n_visible x n_hidden), given the rows of Hs
 * (h+ of the batch, then h- of the negative chains) where this visible unit is on, with
 * their coefficients (R v, or -R v for the negative rows):
 *   vel = momentum vel - decay Wt_row + sum_q coef[q] Hs[idx[q]],   Wt_row += vel */
BOLTZ_TARGET static void BOLTZ_R_FN(rbm_weight_row)(
    ptrdiff_t nh, const int32_t *restrict idx, const BOLTZ_REAL *restrict coef,
    ptrdiff_t count, const BOLTZ_REAL *restrict Hs, BOLTZ_REAL momentum, BOLTZ_REAL decay,
    BOLTZ_REAL *restrict vel, BOLTZ_REAL *restrict Wt_row)
{
    enum { TILE = 8 * (32 / sizeof(BOLTZ_REAL)) };
#pragma omp simd
    for (ptrdiff_t j = 0; j < nh; j++) vel[j] = momentum * vel[j] - decay * Wt_row[j];
    ptrdiff_t x = 0;
    for (; x + TILE <= nh; x += TILE)
        BOLTZ_R_FN(accumulate_tile)(vel, x, Hs, nh, idx, coef, count);
    BOLTZ_R_FN(accumulate_tail)(vel, x, Hs, nh, idx, coef, count);
#pragma omp simd
    for (ptrdiff_t j = 0; j < nh; j++) Wt_row[j] += vel[j];
}

/* S[k] = 1 with probability P[k], else 0, in index order: two 32-bit uniforms per draw of
 * the generator, compared without a branch (the outcomes are coin flips). */
BOLTZ_TARGET static void BOLTZ_R_FN(rbm_bernoulli)(const BOLTZ_REAL *restrict P,
                                                   BOLTZ_REAL *restrict S, ptrdiff_t n,
                                                   bitgen_t *rng)
{
    const double scale = 0x1p-32;
    ptrdiff_t k = 0;
    for (; k + 1 < n; k += 2) {
        const uint64_t bits = rng->next_uint64(rng->state);
        S[k] = (BOLTZ_REAL)((double)(uint32_t)bits * scale < (double)P[k]);
        S[k + 1] = (BOLTZ_REAL)((double)(uint32_t)(bits >> 32) * scale < (double)P[k + 1]);
    }
    if (k < n) {
        const uint64_t bits = rng->next_uint64(rng->state);
        S[k] = (BOLTZ_REAL)((double)(uint32_t)bits * scale < (double)P[k]);
    }
}

#undef BOLTZ_R_FN
#undef BOLTZ_R_CAT
#undef BOLTZ_R_CAT_
