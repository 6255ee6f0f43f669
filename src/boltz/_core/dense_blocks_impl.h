/*
 * Template body of dense_blocks.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include
 * guard.
 *
 * Sequential sweeps of a dense model with delayed field updates, a block of B spins at a
 * time. The cached fields f are exact at the start of a block.
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

BOLTZ_TARGET static int BOLTZ_D_FN(dense_decide)(
    const BOLTZ_REAL *restrict J, ptrdiff_t n, ptrdiff_t k0, ptrdiff_t k1,
    const uint8_t *restrict clamped, const BOLTZ_REAL *restrict f, int8_t *restrict s,
    double *restrict energy, int64_t *restrict magnet, boltz_chain_rng *restrict rng,
    double beta, const double *restrict table, int heat_bath,
    int32_t *restrict flipped, BOLTZ_REAL *restrict delta)
{
    BOLTZ_REAL local[BOLTZ_DENSE_BLOCK];
    const ptrdiff_t len = k1 - k0;
    int nflip = 0;
    double e = *energy;
    int64_t mag = *magnet;
    boltz_chain_rng r = *rng;
    memcpy(local, f + k0, len * sizeof(BOLTZ_REAL));
    for (ptrdiff_t t = 0; t < len; t++) {
        const ptrdiff_t i = k0 + t;
        if (clamped != NULL && clamped[i]) continue;
        const int8_t si = s[i];
        const double de = 2.0 * si * (double)local[t];
        if (boltz_flip(&r, beta * de, table, heat_bath)) {
            const BOLTZ_REAL d = (BOLTZ_REAL)(-2 * si);
            s[i] = (int8_t)-si;
            e += de;
            mag -= 2 * si;
            flipped[nflip] = (int32_t)i;
            delta[nflip] = d;
            nflip++;
            /* fields of the block's later spins; the earlier ones are not read again, so a
             * full block updates all of them (a fixed trip count, no mispredicted exit) */
            const BOLTZ_REAL *row = J + i * n + k0;
            if (len == BOLTZ_DENSE_BLOCK) {
#pragma omp simd
                for (ptrdiff_t u = 0; u < BOLTZ_DENSE_BLOCK; u++) local[u] += d * row[u];
            } else {
#pragma omp simd
                for (ptrdiff_t u = t + 1; u < len; u++) local[u] += d * row[u];
            }
        }
    }
    *energy = e;
    *magnet = mag;
    *rng = r;
    return nflip;
}

BOLTZ_TARGET static void BOLTZ_D_FN(dense_update)(
    const BOLTZ_REAL *restrict J, ptrdiff_t n, BOLTZ_REAL *const *restrict f,
    const int32_t *restrict flipped, const BOLTZ_REAL *restrict delta,
    const int *restrict nflip, int size)
{
    const ptrdiff_t TILE = BOLTZ_TILE(BOLTZ_REAL);
    ptrdiff_t x = 0;
    for (; x + TILE <= n; x += TILE)
        for (int g = 0; g < size; g++)
            if (nflip[g])
                BOLTZ_D_FN(accumulate_tile)(f[g], x, J, n, flipped + g * BOLTZ_DENSE_BLOCK,
                                            delta + g * BOLTZ_DENSE_BLOCK, nflip[g]);
    for (int g = 0; g < size; g++)
        BOLTZ_D_FN(accumulate_tail)(f[g], x, J, n, flipped + g * BOLTZ_DENSE_BLOCK,
                                    delta + g * BOLTZ_DENSE_BLOCK, nflip[g]);
}

#undef BOLTZ_D_FN
#undef BOLTZ_D_CAT
#undef BOLTZ_D_CAT_
