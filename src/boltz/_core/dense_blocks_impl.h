/*
 * Template body of dense_blocks.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include
 * guard.
 *
 * Sequential sweeps of a dense model with delayed field updates, a block of B spins at a
 * time. The cached fields f are exact at the start of a block. Rows of J and of the fields
 * have ld elements: the n values, then zeros up to a multiple of 64 bytes, so that every
 * row starts on a cache line (a 64-byte load across two lines costs two) and is a whole
 * number of vectors.
 *
 * dense_decide: spins k0 .. k1-1 of one chain, in order. The block's own fields are copied
 * to a local array and kept exact: a flip of spin j adds d_j J_ji to the fields of the
 * block's later spins only (a short contiguous piece of row j). Decisions, random bytes and
 * energy bookkeeping are those of _run_chain (boltz_flip). Returns the flipped spins and
 * their changes d_j = -2 s_j (old).
 *
 * dense_update: afterwards, every field of every chain of the group takes the block's
 * changes, f_x += sum_q d_q J_{j_q x} (row_sums.h). Column tiles of the block's rows stay
 * in L1 while the group's chains pass over them, and each chain's tile of fields is held in
 * registers while its flipped rows stream past: one load and store of the fields per block
 * instead of one per flip.
 *
 * Every field adds the same terms in the same (flip) order as with an immediate update
 * after each flip, so a decision sees exactly the field _run_chain would have cached.
 */
#define BOLTZ_D_CAT_(a, b, c, d) a##b##_##c##_##d
#define BOLTZ_D_CAT(a, b, c, d) BOLTZ_D_CAT_(a, b, c, d)
#define BOLTZ_D_FN(name) BOLTZ_D_CAT(boltz_, name, BOLTZ_T, BOLTZ_ISA)

/* The decisions of spins k0 .. k0+len-1 (see dense_decide). `branchless` (a constant once
 * inlined) takes every decision without a branch on its outcome: a spin that stays adds
 * d = 0 to the block's fields. That pays a row update per decision and saves the
 * mispredictions when the outcome is a coin toss, as in a hot anneal. */
BOLTZ_TARGET static inline __attribute__((always_inline)) int BOLTZ_D_FN(decide_spins)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, ptrdiff_t k0, ptrdiff_t len,
    const uint8_t *restrict clamped, BOLTZ_REAL *restrict local, int8_t *restrict s,
    double *restrict energy, int64_t *restrict magnet, boltz_chain_rng *restrict rng,
    double beta, const double *restrict table, int heat_bath,
    int32_t *restrict flipped, BOLTZ_REAL *restrict delta, const int branchless)
{
    int nflip = 0;
    double e = *energy;
    int64_t mag = *magnet;
    boltz_chain_rng r = *rng;
    for (ptrdiff_t t = 0; t < len; t++) {
        const ptrdiff_t i = k0 + t;
        if (clamped != NULL && clamped[i]) continue;
        const int8_t si = s[i];
        const double de = 2.0 * si * (double)local[t];
        const int flip = boltz_flip(&r, beta * de, table, heat_bath);
        if (!branchless && !flip) continue;
        const BOLTZ_REAL d = flip ? (BOLTZ_REAL)(-2 * si) : (BOLTZ_REAL)0;
        s[i] = (int8_t)(flip ? -si : si);
        e += flip ? de : 0.0;
        mag -= flip ? 2 * si : 0;
        flipped[nflip] = (int32_t)i;
        delta[nflip] = d;
        nflip += flip;
        /* fields of the block's later spins; the earlier ones are not read again, so a full
         * block updates all of them (a fixed trip count, no mispredicted exit) */
        const BOLTZ_REAL *row = J + i * ld + k0;
        if (len == BOLTZ_DENSE_BLOCK) {
#pragma omp simd
            for (ptrdiff_t u = 0; u < BOLTZ_DENSE_BLOCK; u++) local[u] += d * row[u];
        } else {
#pragma omp simd
            for (ptrdiff_t u = t + 1; u < len; u++) local[u] += d * row[u];
        }
    }
    *energy = e;
    *magnet = mag;
    *rng = r;
    return nflip;
}

/* `hot`: the chain flipped many spins of its previous block, so this one goes branchless. */
BOLTZ_TARGET static int BOLTZ_D_FN(dense_decide)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, ptrdiff_t k0, ptrdiff_t k1,
    const uint8_t *restrict clamped, const BOLTZ_REAL *restrict f, int8_t *restrict s,
    double *restrict energy, int64_t *restrict magnet, boltz_chain_rng *restrict rng,
    double beta, const double *restrict table, int heat_bath,
    int32_t *restrict flipped, BOLTZ_REAL *restrict delta, int hot)
{
    BOLTZ_REAL local[BOLTZ_DENSE_BLOCK];
    const ptrdiff_t len = k1 - k0;
    memcpy(local, f + k0, len * sizeof(BOLTZ_REAL));
    if (hot && len == BOLTZ_DENSE_BLOCK)
        return BOLTZ_D_FN(decide_spins)(J, ld, k0, len, clamped, local, s, energy, magnet, rng,
                                        beta, table, heat_bath, flipped, delta, 1);
    return BOLTZ_D_FN(decide_spins)(J, ld, k0, len, clamped, local, s, energy, magnet, rng,
                                    beta, table, heat_bath, flipped, delta, 0);
}

/* f[c][x] += sum_q coef[4 q + c] J[rows[q]][x] for four chains c at once, rows in ascending
 * order: each tile of a row is loaded once for the four chains (three vectors each, twelve
 * accumulators in registers). A chain that did not flip rows[q] has coef 0: it adds zeros,
 * which leave its sums as they are (up to the sign of a zero). */
BOLTZ_TARGET static void BOLTZ_D_FN(shared_update)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, BOLTZ_REAL *const *restrict f,
    const int32_t *restrict rows, const BOLTZ_REAL *restrict coef, int count)
{
    typedef BOLTZ_REAL vreal __attribute__((vector_size(BOLTZ_VBYTES)));
    enum { W = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    BOLTZ_REAL *restrict f0 = f[0], *restrict f1 = f[1], *restrict f2 = f[2];
    BOLTZ_REAL *restrict f3 = f[3];
    ptrdiff_t x = 0;
#define BOLTZ_D_LOAD3(a, ptr) vreal a##0, a##1, a##2;                                       \
    memcpy(&a##0, (ptr), sizeof(vreal)); memcpy(&a##1, (ptr) + W, sizeof(vreal));            \
    memcpy(&a##2, (ptr) + 2 * W, sizeof(vreal));
#define BOLTZ_D_STORE3(a, ptr)                                                               \
    memcpy((ptr), &a##0, sizeof(vreal)); memcpy((ptr) + W, &a##1, sizeof(vreal));            \
    memcpy((ptr) + 2 * W, &a##2, sizeof(vreal));
#define BOLTZ_D_FMA3(a, d) a##0 += (d) * r0; a##1 += (d) * r1; a##2 += (d) * r2;
    for (; x + 3 * W <= ld; x += 3 * W) {
        BOLTZ_D_LOAD3(a, f0 + x)
        BOLTZ_D_LOAD3(b, f1 + x)
        BOLTZ_D_LOAD3(c, f2 + x)
        BOLTZ_D_LOAD3(e, f3 + x)
        for (int q = 0; q < count; q++) {
            const BOLTZ_REAL *src = J + (ptrdiff_t)rows[q] * ld + x;
            __builtin_prefetch(src + 12 * W, 0, 3);
            __builtin_prefetch(src + 12 * W + 64 / sizeof(BOLTZ_REAL), 0, 3);
            BOLTZ_D_LOAD3(r, src)
            const BOLTZ_REAL *d = coef + 4 * q;
            BOLTZ_D_FMA3(a, d[0])
            BOLTZ_D_FMA3(b, d[1])
            BOLTZ_D_FMA3(c, d[2])
            BOLTZ_D_FMA3(e, d[3])
        }
        BOLTZ_D_STORE3(a, f0 + x)
        BOLTZ_D_STORE3(b, f1 + x)
        BOLTZ_D_STORE3(c, f2 + x)
        BOLTZ_D_STORE3(e, f3 + x)
    }
#undef BOLTZ_D_FMA3
#undef BOLTZ_D_STORE3
#undef BOLTZ_D_LOAD3
    for (int k = 0; k < 4; k++)
        for (int q = 0; q < count; q++) {
            const BOLTZ_REAL *restrict row = J + (ptrdiff_t)rows[q] * ld;
            for (ptrdiff_t y = x; y < ld; y++) f[k][y] += coef[4 * q + k] * row[y];
        }
}

BOLTZ_TARGET static void BOLTZ_D_FN(dense_update)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, BOLTZ_REAL *const *restrict f,
    const int32_t *restrict flipped, const BOLTZ_REAL *restrict delta,
    const int *restrict nflip, int size)
{
    const ptrdiff_t TILE = BOLTZ_TILE;
    int left[BOLTZ_DENSE_MAX_GROUP];     /* flips still to apply, per chain */
    memcpy(left, nflip, size * sizeof(int));
    /* Groups of four chains that flipped mostly the same spins share each row's loads
     * (shared_update); the others go chain by chain, a tile at a time. */
    for (int g = 0; g + 4 <= size; g += 4) {
        uint32_t mask[4], any = 0;
        int total = 0;
        BOLTZ_REAL coef[4 * BOLTZ_DENSE_BLOCK];
        int32_t rows[BOLTZ_DENSE_BLOCK];
        ptrdiff_t k0 = -1;
        for (int c = 0; c < 4; c++)
            if (nflip[g + c]) k0 = flipped[(g + c) * BOLTZ_DENSE_BLOCK] / BOLTZ_DENSE_BLOCK
                                   * BOLTZ_DENSE_BLOCK;
        for (int c = 0; c < 4; c++) {
            mask[c] = 0;
            for (int q = 0; q < nflip[g + c]; q++)
                mask[c] |= UINT32_C(1) << (flipped[(g + c) * BOLTZ_DENSE_BLOCK + q] - k0);
            any |= mask[c];
            total += nflip[g + c];
        }
        /* sharing does 4 multiply-adds per row where `total` are needed, at about 1.7 times
         * the rate: worth it when the rows carry more than about 2.3 flips each */
        if (any == 0 || 10 * total < 23 * __builtin_popcount(any)) continue;
        int count = 0;
        for (uint32_t m = any; m; m &= m - 1) rows[count++] = (int32_t)(k0 + __builtin_ctz(m));
        for (int c = 0; c < 4; c++)
            for (int q = 0, t = 0; q < count; q++) {
                const int on = (mask[c] >> (rows[q] - k0)) & 1;
                coef[4 * q + c] = on ? delta[(g + c) * BOLTZ_DENSE_BLOCK + t] : 0;
                t += on;
            }
        BOLTZ_D_FN(shared_update)(J, ld, f + g, rows, coef, count);
        for (int c = 0; c < 4; c++) left[g + c] = 0;
    }
    /* ld is a whole number of vectors: the tiles, then one partial tile of vectors */
    enum { W = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    ptrdiff_t x = 0;
    for (; x + TILE <= ld; x += TILE)
        for (int g = 0; g < size; g++)
            if (left[g])
                BOLTZ_D_FN(accumulate_tile)(f[g], x, J, ld, flipped + g * BOLTZ_DENSE_BLOCK,
                                            delta + g * BOLTZ_DENSE_BLOCK, left[g]);
    if (x < ld)
        for (int g = 0; g < size; g++)
            if (left[g])
                BOLTZ_D_FN(accumulate_vectors)(f[g] + x, J + x, ld,
                                               flipped + g * BOLTZ_DENSE_BLOCK,
                                               delta + g * BOLTZ_DENSE_BLOCK, left[g],
                                               (int)((ld - x) / W));
}

#undef BOLTZ_D_FN
#undef BOLTZ_D_CAT
#undef BOLTZ_D_CAT_
