/*
 * Template body of rbm_rows.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 *
 * Rows of units are padded to a multiple of the vector width (p, the row stride), so that
 * every column tile is whole vectors; the padding of probabilities and weights stays zero.
 * A state is kept as the list of its units that are on, which is what the products need.
 */
#define BOLTZ_R_CAT_(a, b, c, d) a##b##_##c##_##d
#define BOLTZ_R_CAT(a, b, c, d) BOLTZ_R_CAT_(a, b, c, d)
#define BOLTZ_R_FN(name) BOLTZ_R_CAT(boltz_, name, BOLTZ_T, BOLTZ_ISA)

/* The nonzero entries of x[0 .. m): their indices and values in index order; returns how
 * many. A mask of eight entries at a time, then one step per nonzero entry. */
BOLTZ_TARGET static ptrdiff_t BOLTZ_R_FN(rbm_nonzeros)(const BOLTZ_REAL *restrict x, ptrdiff_t m,
                                                      int32_t *restrict idx,
                                                      BOLTZ_REAL *restrict coef)
{
    ptrdiff_t c = 0, i = 0;
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

/* Rows r0 .. r1-1 of out (row stride p, a multiple of the vector width):
 *   out[r] = bias + sum_q coef_r[q] M[idx_r[q]]   for M of shape (*, p),
 * with row r's list at idx + r * lw, its coefficients at coef + r * cw (cw = 0: one list of
 * coefficients for every row, e.g. ones for binary states) and count[r] entries. Column
 * tiles are the outer loop, so a tile of M is read from memory once and reused from cache
 * by every row. */
BOLTZ_TARGET static void BOLTZ_R_FN(rbm_row_sums)(
    ptrdiff_t r0, ptrdiff_t r1, const int32_t *restrict idx, ptrdiff_t lw,
    const BOLTZ_REAL *restrict coef, ptrdiff_t cw, const ptrdiff_t *restrict count,
    const BOLTZ_REAL *restrict M, const BOLTZ_REAL *restrict bias, ptrdiff_t p,
    BOLTZ_REAL *restrict out)
{
    enum { W = 32 / sizeof(BOLTZ_REAL) };
    for (ptrdiff_t r = r0; r < r1; r++) memcpy(out + r * p, bias, p * sizeof(BOLTZ_REAL));
    for (ptrdiff_t x = 0; x < p; x += 8 * W) {
        const int nvec = p - x >= 8 * W ? 8 : (int)((p - x) / W);
        for (ptrdiff_t r = r0; r < r1; r++)
            BOLTZ_R_FN(accumulate_vectors)(out + r * p + x, M + x, p, idx + r * lw,
                                           coef + r * cw, count[r], nvec);
    }
}

/* prob[0 .. n) = sigmoid(prob), prob[n .. p) = 0 (padding). With idx: then draws
 * s_j ~ Bernoulli(prob_j) for j < n from the chain's random bytes, in index order, lists the
 * units that are on in idx and returns their number. */
BOLTZ_TARGET static ptrdiff_t BOLTZ_R_FN(rbm_sample)(BOLTZ_REAL *restrict prob, ptrdiff_t n,
                                                    ptrdiff_t p, boltz_chain_rng *rng,
                                                    int32_t *restrict idx)
{
    BOLTZ_R_FN(sigmoid)(prob, n);
    for (ptrdiff_t j = n; j < p; j++) prob[j] = 0;
    if (idx == NULL) return 0;
    boltz_chain_rng r = *rng;   /* a local copy stays in registers */
    ptrdiff_t c = 0;
    for (ptrdiff_t j = 0; j < n; j++) {
        idx[c] = (int32_t)j;
        c += boltz_bernoulli(&r, (double)prob[j]);
    }
    *rng = r;
    return c;
}

/* One row of the weight update (Wt layout, row length p), given the rows of H (h+ of the
 * batch, then h- of the negative chains) where this visible unit is on, with coefficients
 * R v (positive rows) and -R (negative rows):
 *   vel = momentum vel - decay Wt_row + sum_q coef[q] H[idx[q]],   Wt_row += vel.
 * Without momentum and decay the sum goes straight into Wt_row (vel is not touched). */
BOLTZ_TARGET static void BOLTZ_R_FN(rbm_weight_row)(
    ptrdiff_t p, const int32_t *restrict idx, const BOLTZ_REAL *restrict coef,
    ptrdiff_t count, const BOLTZ_REAL *restrict H, BOLTZ_REAL momentum, BOLTZ_REAL decay,
    BOLTZ_REAL *restrict vel, BOLTZ_REAL *restrict Wt_row)
{
    enum { W = 32 / sizeof(BOLTZ_REAL) };
    const int plain = momentum == 0 && decay == 0;
    BOLTZ_REAL *restrict out = plain ? Wt_row : vel;
    if (!plain) {
#pragma omp simd
        for (ptrdiff_t j = 0; j < p; j++) vel[j] = momentum * vel[j] - decay * Wt_row[j];
    }
    for (ptrdiff_t x = 0; x < p; x += 8 * W)
        BOLTZ_R_FN(accumulate_vectors)(out + x, H + x, p, idx, coef, count,
                                       p - x >= 8 * W ? 8 : (int)((p - x) / W));
    if (!plain) {
#pragma omp simd
        for (ptrdiff_t j = 0; j < p; j++) Wt_row[j] += vel[j];
    }
}

/* W[j, i] = Wt[i, j] for i < nv and j0 <= j < j1: Wt of row stride ldt, W of row stride
 * ldw. Sixteen columns of Wt at a time, so each of its cache lines is read once. */
BOLTZ_TARGET static void BOLTZ_R_FN(rbm_transpose)(const BOLTZ_REAL *restrict Wt,
                                                   ptrdiff_t nv, ptrdiff_t ldt, ptrdiff_t j0,
                                                   ptrdiff_t j1, BOLTZ_REAL *restrict W,
                                                   ptrdiff_t ldw)
{
    for (ptrdiff_t jb = j0; jb < j1; jb += 16) {
        const ptrdiff_t je = jb + 16 < j1 ? jb + 16 : j1;
        for (ptrdiff_t i = 0; i < nv; i++)
            for (ptrdiff_t j = jb; j < je; j++) W[j * ldw + i] = Wt[i * ldt + j];
    }
}

#undef BOLTZ_R_FN
#undef BOLTZ_R_CAT
#undef BOLTZ_R_CAT_
