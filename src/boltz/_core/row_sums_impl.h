/*
 * Template body of row_sums.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 *
 * Sums of weighted rows, the inner loop of the dense spin sweeps and of RBM training:
 * out += sum_q coef[q] * M[idx[q]] (rows of length p). accumulate_tile holds a tile of the
 * output in eight vector registers (named variables: an array of vectors would live on the
 * stack) while the source rows stream past, so the output is loaded and stored once per
 * tile, not once per source row; eight independent multiply-adds cover their latency. Every
 * output element adds its terms in the order q = 0, 1, ...
 */
#define BOLTZ_S_CAT_(a, b, c, d) a##b##_##c##_##d
#define BOLTZ_S_CAT(a, b, c, d) BOLTZ_S_CAT_(a, b, c, d)
#define BOLTZ_S_FN(name) BOLTZ_S_CAT(boltz_, name, BOLTZ_T, BOLTZ_ISA)

/* out[x : x + 8W] += sum_q coef[q] * M[idx[q] * p + x : ...], the tile held in registers */
BOLTZ_TARGET static inline void BOLTZ_S_FN(accumulate_tile)(
    BOLTZ_REAL *restrict out, ptrdiff_t x, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t count)
{
    typedef BOLTZ_REAL vreal __attribute__((vector_size(32)));
    enum { W = 32 / sizeof(BOLTZ_REAL) };
#define BOLTZ_S_LOAD(v, ptr) memcpy(&(v), (ptr), sizeof(vreal))
    vreal a0, a1, a2, a3, a4, a5, a6, a7;
    BOLTZ_S_LOAD(a0, out + x);
    BOLTZ_S_LOAD(a1, out + x + W);
    BOLTZ_S_LOAD(a2, out + x + 2 * W);
    BOLTZ_S_LOAD(a3, out + x + 3 * W);
    BOLTZ_S_LOAD(a4, out + x + 4 * W);
    BOLTZ_S_LOAD(a5, out + x + 5 * W);
    BOLTZ_S_LOAD(a6, out + x + 6 * W);
    BOLTZ_S_LOAD(a7, out + x + 7 * W);
    for (ptrdiff_t q = 0; q < count; q++) {
        const BOLTZ_REAL *s = M + (ptrdiff_t)idx[q] * p + x, d = coef[q];
        vreal r0, r1, r2, r3, r4, r5, r6, r7;
        BOLTZ_S_LOAD(r0, s);
        BOLTZ_S_LOAD(r1, s + W);
        BOLTZ_S_LOAD(r2, s + 2 * W);
        BOLTZ_S_LOAD(r3, s + 3 * W);
        BOLTZ_S_LOAD(r4, s + 4 * W);
        BOLTZ_S_LOAD(r5, s + 5 * W);
        BOLTZ_S_LOAD(r6, s + 6 * W);
        BOLTZ_S_LOAD(r7, s + 7 * W);
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
BOLTZ_TARGET static inline void BOLTZ_S_FN(accumulate_tail)(
    BOLTZ_REAL *restrict out, ptrdiff_t x, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t count)
{
#undef BOLTZ_S_LOAD
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

#undef BOLTZ_S_FN
#undef BOLTZ_S_CAT
#undef BOLTZ_S_CAT_
