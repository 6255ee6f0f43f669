/*
 * Template body of dense_blocks.h (the field updates), included once per (BOLTZ_REAL,
 * BOLTZ_ISA); no include guard.
 *
 * dense_update: after the decisions of a block (dense_decide_impl.h), every field of every
 * chain of the group takes the block's changes, f_x += sum_q d_q J_{j_q x}, in flip order,
 * so a decision sees exactly the field _run_chain would have cached. Rows of J and of the
 * fields have ld elements: the n values, then zeros up to a multiple of 64 bytes, so that
 * every row starts on a cache line (a 64-byte load across two lines costs two) and is a
 * whole number of vectors. Column tiles of the block's rows stay in L1 while the group's
 * chains pass over them, and each chain's tile of fields is held in registers while its
 * flipped rows stream past (row_sums.h): one load and store of the fields per block instead
 * of one per flip.
 */
/* Most chains that share the loads of each coupling row (shared_update): eight on AVX-512
 * (24 accumulators of 32 registers), four elsewhere (12 of 16) */
#define BOLTZ_D_SHARE (BOLTZ_ISA_AVX512 ? 8 : 4)

/* f[c][x .. x + NV W) += sum_q coef[G q + c] J[rows[q]][x ..] for G <= 8 chains c at once
 * (G, NV <= 3 constants once inlined), rows in ascending order: each vector of a row is
 * loaded once for the G chains, the G x NV accumulators in named registers a<c>_<v> (why
 * names, not an array: row_sums_impl.h). A chain that did not flip rows[q] has coef 0: it
 * adds zeros, which leave its sums as they are (up to the sign of a zero). */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_NAME(shared_tile)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, BOLTZ_REAL *const *restrict f, ptrdiff_t x,
    const int32_t *restrict rows, const BOLTZ_REAL *restrict coef, int count, const int G,
    const int NV)
{
    typedef BOLTZ_REAL vreal __attribute__((vector_size(BOLTZ_VBYTES)));
    enum { W = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
#define BOLTZ_D_CV(OP) OP(0, 0) OP(0, 1) OP(0, 2) OP(1, 0) OP(1, 1) OP(1, 2) OP(2, 0) OP(2, 1)  \
    OP(2, 2) OP(3, 0) OP(3, 1) OP(3, 2) OP(4, 0) OP(4, 1) OP(4, 2) OP(5, 0) OP(5, 1) OP(5, 2) \
    OP(6, 0) OP(6, 1) OP(6, 2) OP(7, 0) OP(7, 1) OP(7, 2)
#define BOLTZ_D_USED(c, v) ((c) < G && (v) < NV)
#define BOLTZ_D_INIT(c, v) vreal a##c##_##v = {0};                                           \
    if (BOLTZ_D_USED(c, v)) memcpy(&a##c##_##v, f[c] + x + (v) * W, sizeof(vreal));
#define BOLTZ_D_ADD(c, v) if (BOLTZ_D_USED(c, v)) a##c##_##v += coef[G * q + (c)] * r##v;
#define BOLTZ_D_STORE(c, v) if (BOLTZ_D_USED(c, v)) memcpy(f[c] + x + (v) * W, &a##c##_##v,  \
                                                          sizeof(vreal));
    BOLTZ_D_CV(BOLTZ_D_INIT)
    for (int q = 0; q < count; q++) {
        const BOLTZ_REAL *src = J + (ptrdiff_t)rows[q] * ld + x;
        vreal r0 = {0}, r1 = {0}, r2 = {0};
        memcpy(&r0, src, sizeof r0);
        if (NV > 1) memcpy(&r1, src + W, sizeof r1);
        if (NV > 2) memcpy(&r2, src + 2 * W, sizeof r2);
        BOLTZ_D_CV(BOLTZ_D_ADD)
    }
    BOLTZ_D_CV(BOLTZ_D_STORE)
#undef BOLTZ_D_STORE
#undef BOLTZ_D_ADD
#undef BOLTZ_D_INIT
#undef BOLTZ_D_USED
#undef BOLTZ_D_CV
}

/* shared_tile over every column of the rows (ld a whole number of vectors) */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_NAME(shared_rows)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, BOLTZ_REAL *const *restrict f,
    const int32_t *restrict rows, const BOLTZ_REAL *restrict coef, int count, const int G)
{
    enum { W = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    ptrdiff_t x = 0;
    for (; x + 3 * W <= ld; x += 3 * W)
        BOLTZ_NAME(shared_tile)(J, ld, f, x, rows, coef, count, G, 3);
    if (ld - x == 2 * W) BOLTZ_NAME(shared_tile)(J, ld, f, x, rows, coef, count, G, 2);
    if (ld - x == W) BOLTZ_NAME(shared_tile)(J, ld, f, x, rows, coef, count, G, 1);
}

/* shared_rows for G = 4 or 8 chains (8 only on AVX-512) */
BOLTZ_TARGET static void BOLTZ_NAME(shared_update)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, BOLTZ_REAL *const *restrict f,
    const int32_t *restrict rows, const BOLTZ_REAL *restrict coef, int count, int G)
{
    if (BOLTZ_D_SHARE == 8 && G == 8)
        BOLTZ_NAME(shared_rows)(J, ld, f, rows, coef, count, BOLTZ_D_SHARE);
    else
        BOLTZ_NAME(shared_rows)(J, ld, f, rows, coef, count, 4);
}

/* Bit j set where chain c flipped spin k0 + j of the block */
static inline uint32_t BOLTZ_NAME(flip_mask)(const int32_t *flipped, int nflip, ptrdiff_t k0)
{
    uint32_t m = 0;
    for (int q = 0; q < nflip; q++) m |= UINT32_C(1) << (flipped[q] - k0);
    return m;
}

/* rows[0 .. count) = the spins flipped by any of `size` chains (ascending) and
 * coef[size q + c] chain c's change of rows[q], 0 where it did not flip it */
static inline int BOLTZ_NAME(merge_flips)(const uint32_t *mask, const BOLTZ_REAL *delta,
                                          int size, ptrdiff_t k0, int32_t *rows,
                                          BOLTZ_REAL *coef)
{
    uint32_t any = 0;
    for (int c = 0; c < size; c++) any |= mask[c];
    int count = 0;
    for (uint32_t m = any; m; m &= m - 1) rows[count++] = (int32_t)(k0 + __builtin_ctz(m));
    for (int c = 0; c < size; c++)
        for (int q = 0, t = 0; q < count; q++) {
            const int on = (mask[c] >> (rows[q] - k0)) & 1;
            coef[size * q + c] = on ? delta[c * BOLTZ_DENSE_BLOCK + t] : 0;
            t += on;
        }
    return count;
}

/*
 * Every field of the group's chains takes its chain's flips of the block, in flip order.
 * The cost is in loading coupling rows: a chain alone loads a row vector per multiply-add
 * (on the CPUs measured, one 64-byte load per cycle is the limit, not the multiply-adds);
 * groups of chains that flipped mostly the same spins share each row's loads
 * (shared_update), at the price of multiply-adds by zero where a chain did not flip it.
 */
BOLTZ_TARGET static void BOLTZ_NAME(dense_update)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, BOLTZ_REAL *const *restrict f,
    const int32_t *restrict flipped, const BOLTZ_REAL *restrict delta,
    const int *restrict nflip, int size)
{
    enum { B = BOLTZ_DENSE_BLOCK, W = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    const ptrdiff_t TILE = BOLTZ_TILE;
    int left[BOLTZ_DENSE_MAX_GROUP];     /* flips still to apply, per chain */
    uint32_t mask[BOLTZ_DENSE_MAX_GROUP];
    memcpy(left, nflip, size * sizeof(int));
    ptrdiff_t k0 = -1;
    for (int c = 0; c < size; c++)
        if (nflip[c]) k0 = flipped[c * B] / B * B;
    if (k0 < 0) return;
    for (int c = 0; c < size; c++) mask[c] = BOLTZ_NAME(flip_mask)(flipped + c * B, nflip[c], k0);
    /* G chains share each row when most of them flipped it: they do G multiply-adds per
     * row vector where alone they do `total`, at a lower rate (one row load per
     * multiply-add). Measured rates of shared to single multiply-adds: 1.7 for eight
     * chains (AVX-512), 1.33 for four on AVX-512 and 1.7 on AVX2. So sharing pays above
     * 60%, 75% and 58% of the group's flips. Groups of eight, then of four among the chains
     * left. */
    uint8_t shared[BOLTZ_DENSE_MAX_GROUP] = {0};
    for (int G = BOLTZ_D_SHARE; G >= 4; G /= 2)
        for (int g = 0; g + G <= size; g += G) {
            if (shared[g]) continue;         /* in a group of eight already */
            int total = 0;
            uint32_t any = 0;
            for (int c = 0; c < G; c++) {
                total += nflip[g + c];
                any |= mask[g + c];
            }
            const int rows_g = __builtin_popcount(any);
            const int percent = G == 8 ? 60 : BOLTZ_ISA_AVX512 ? 75 : 58;
            if (rows_g == 0 || 100 * total < percent * G * rows_g) continue;
            BOLTZ_REAL coef[BOLTZ_D_SHARE * B];
            int32_t rows[B];
            const int count = BOLTZ_NAME(merge_flips)(mask + g, delta + g * B, G, k0, rows,
                                                      coef);
            BOLTZ_NAME(shared_update)(J, ld, f + g, rows, coef, count, G);
            for (int c = 0; c < G; c++) left[g + c] = 0, shared[g + c] = 1;
        }
    /* chains alone; ld is a whole number of vectors: the tiles, then a partial tile */
    ptrdiff_t x = 0;
    for (; x + TILE <= ld; x += TILE)
        for (int g = 0; g < size; g++)
            if (left[g])
                BOLTZ_NAME(accumulate_tile)(f[g], x, J, ld, flipped + g * B, delta + g * B,
                                            left[g]);
    if (x < ld)
        for (int g = 0; g < size; g++)
            if (left[g])
                BOLTZ_NAME(accumulate_vectors)(f[g] + x, J + x, ld, flipped + g * B,
                                               delta + g * B, left[g], (int)((ld - x) / W));
}

