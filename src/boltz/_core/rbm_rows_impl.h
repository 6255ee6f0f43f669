/*
 * Template body of rbm_rows.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 *
 * Both kernels are sums of weighted rows (row_sums.h) plus their bookkeeping.
 */
#define BOLTZ_R_CAT_(a, b, c, d) a##b##_##c##_##d
#define BOLTZ_R_CAT(a, b, c, d) BOLTZ_R_CAT_(a, b, c, d)
#define BOLTZ_R_FN(name) BOLTZ_R_CAT(boltz_, name, BOLTZ_T, BOLTZ_ISA)

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
    const ptrdiff_t TILE = BOLTZ_TILE(BOLTZ_REAL);
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
    const ptrdiff_t TILE = BOLTZ_TILE(BOLTZ_REAL);
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
