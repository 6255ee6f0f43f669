/*
 * Template body of row_sums.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 * Vectors are BOLTZ_VBYTES wide (32, or 64 for AVX-512).
 *
 * Sums of weighted rows, the inner loop of the dense spin sweeps and of RBM training:
 * out += sum_q coef[q] * M[idx[q]] (rows of length p). accumulate_tile holds a tile of the
 * output in BOLTZ_TILE_NV vector registers while the source rows stream past, so the output
 * is loaded and stored once per tile, not once per source row; eight or more independent
 * multiply-adds cover their latency. Every output element adds its terms in the order
 * q = 0, 1, ...
 *
 * The registers are named variables a0 .. a11 written out by a macro (BOLTZ_S_EACH), as are
 * those of dense_decide_impl.h and dense_update_impl.h. Arrays of vectors with
 * `#pragma GCC unroll` loops also stay in registers with gcc, but compile to different code
 * for every instruction set: no faster on AVX2 or baseline (1-15% slower in 9 of 10 cases
 * of RBM training and dense sweeps, medians of 5), and not provably as fast on AVX-512.
 */
/* out[0 : NV W] += sum_q coef[q] * M[idx[q] * p : ... + NV W], the tile held in NV vector
 * registers (NV <= 12, a constant once inlined: unused registers and loads vanish) */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_NAME(sum_tile)(
    BOLTZ_REAL *restrict out, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t count, const int NV)
{
    typedef BOLTZ_REAL vreal __attribute__((vector_size(BOLTZ_VBYTES)));
    enum { W = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
#define BOLTZ_S_LOAD(v, ptr) memcpy(&(v), (ptr), sizeof(vreal))
#define BOLTZ_S_EACH(OP) OP(0) OP(1) OP(2) OP(3) OP(4) OP(5) OP(6) OP(7) OP(8) OP(9) OP(10) OP(11)
#define BOLTZ_S_INIT(k) vreal a##k = {0}; if (NV > k) BOLTZ_S_LOAD(a##k, out + k * W);
#define BOLTZ_S_ADD(k) if (NV > k) { vreal r; BOLTZ_S_LOAD(r, s + k * W); a##k += d * r; }
#define BOLTZ_S_STORE(k) if (NV > k) memcpy(out + k * W, &a##k, sizeof a##k);
    BOLTZ_S_EACH(BOLTZ_S_INIT)
    for (ptrdiff_t q = 0; q < count; q++) {
        const BOLTZ_REAL *s = M + (ptrdiff_t)idx[q] * p, d = coef[q];
        BOLTZ_S_EACH(BOLTZ_S_ADD)
    }
    BOLTZ_S_EACH(BOLTZ_S_STORE)
#undef BOLTZ_S_STORE
#undef BOLTZ_S_ADD
#undef BOLTZ_S_INIT
#undef BOLTZ_S_EACH
#undef BOLTZ_S_LOAD
}

/* out[x : x + BOLTZ_TILE] += sum_q coef[q] * M[idx[q] * p + x : ...] */
BOLTZ_TARGET static inline void BOLTZ_NAME(accumulate_tile)(
    BOLTZ_REAL *restrict out, ptrdiff_t x, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t count)
{
    BOLTZ_NAME(sum_tile)(out + x, M + x, p, idx, coef, count, BOLTZ_TILE_NV);
}

/* The same for a tile of nvec vectors, 1 <= nvec <= BOLTZ_TILE_NV */
BOLTZ_TARGET static void BOLTZ_NAME(accumulate_vectors)(
    BOLTZ_REAL *restrict out, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t count, int nvec)
{
    switch (nvec) {
    case 1: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 1); break;
    case 2: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 2); break;
    case 3: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 3); break;
    case 4: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 4); break;
    case 5: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 5); break;
    case 6: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 6); break;
    case 7: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 7); break;
    case 8: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 8); break;
#if BOLTZ_TILE_NV > 8
    case 9: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 9); break;
    case 10: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 10); break;
    case 11: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 11); break;
    default: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, 12); break;
#else
    default: BOLTZ_NAME(sum_tile)(out, M, p, idx, coef, count, BOLTZ_TILE_NV); break;
#endif
    }
}


/* Register blocking over rows that share one list of source rows (row-major products, e.g.
 * a dense batch times a weight matrix): for the R <= 4 output rows out_r = out + r * ldo,
 *   out_r[0 : NV W] += sum_q coef[r * cw + q] * M[idx[q] * p : ... + NV W],
 * the R x NV tile held in registers (NV <= 6), each loaded vector of M serving R rows: R
 * times fewer loads of M per multiply-add than sum_tile. Every output element still adds its
 * terms in the order q = 0, 1, ..., each term as sum_tile forms it, so the results are those
 * of sum_tile row by row, bit for bit. */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_NAME(sum_tile_rows)(
    BOLTZ_REAL *restrict out, ptrdiff_t ldo, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t cw,
    ptrdiff_t count, const int R, const int NV)
{
    typedef BOLTZ_REAL vreal __attribute__((vector_size(BOLTZ_VBYTES)));
    enum { W = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
#define BOLTZ_M_LOAD(v, ptr) memcpy(&(v), (ptr), sizeof(vreal))
#define BOLTZ_M_EACH_K(OP, r) OP(r, 0) OP(r, 1) OP(r, 2) OP(r, 3) OP(r, 4) OP(r, 5)
#define BOLTZ_M_EACH(OP) \
    BOLTZ_M_EACH_K(OP, 0) BOLTZ_M_EACH_K(OP, 1) BOLTZ_M_EACH_K(OP, 2) BOLTZ_M_EACH_K(OP, 3)
#define BOLTZ_M_INIT(r, k) \
    vreal a##r##_##k = {0}; if (R > r && NV > k) BOLTZ_M_LOAD(a##r##_##k, out + r * ldo + k * W);
#define BOLTZ_M_SRC(k) vreal m##k = {0}; if (NV > k) BOLTZ_M_LOAD(m##k, s + k * W);
#define BOLTZ_M_ADD(r, k) if (R > r && NV > k) a##r##_##k += d##r * m##k;
#define BOLTZ_M_STORE(r, k) \
    if (R > r && NV > k) memcpy(out + r * ldo + k * W, &a##r##_##k, sizeof(vreal));
    BOLTZ_M_EACH(BOLTZ_M_INIT)
    for (ptrdiff_t q = 0; q < count; q++) {
        const BOLTZ_REAL *s = M + (ptrdiff_t)idx[q] * p;
        BOLTZ_M_SRC(0) BOLTZ_M_SRC(1) BOLTZ_M_SRC(2) BOLTZ_M_SRC(3) BOLTZ_M_SRC(4) BOLTZ_M_SRC(5)
        const BOLTZ_REAL d0 = coef[q], d1 = R > 1 ? coef[cw + q] : 0,
                         d2 = R > 2 ? coef[2 * cw + q] : 0, d3 = R > 3 ? coef[3 * cw + q] : 0;
        BOLTZ_M_EACH(BOLTZ_M_ADD)
    }
    BOLTZ_M_EACH(BOLTZ_M_STORE)
#undef BOLTZ_M_STORE
#undef BOLTZ_M_ADD
#undef BOLTZ_M_SRC
#undef BOLTZ_M_INIT
#undef BOLTZ_M_EACH
#undef BOLTZ_M_EACH_K
#undef BOLTZ_M_LOAD
}

/* sum_tile_rows for R rows (1 <= R <= BOLTZ_ROWS_R) and a tile of nvec vectors
 * (1 <= nvec <= BOLTZ_ROWS_NV) */
BOLTZ_TARGET static void BOLTZ_NAME(accumulate_rows)(
    BOLTZ_REAL *restrict out, ptrdiff_t ldo, const BOLTZ_REAL *restrict M, ptrdiff_t p,
    const int32_t *restrict idx, const BOLTZ_REAL *restrict coef, ptrdiff_t cw,
    ptrdiff_t count, int R, int nvec)
{
#define BOLTZ_M_CASE(rr, nv) \
    case (rr) * 8 + (nv): \
        if ((rr) <= BOLTZ_ROWS_R && (nv) <= BOLTZ_ROWS_NV) \
            BOLTZ_NAME(sum_tile_rows)(out, ldo, M, p, idx, coef, cw, count, rr, nv); \
        break;
#define BOLTZ_M_CASES(rr) BOLTZ_M_CASE(rr, 1) BOLTZ_M_CASE(rr, 2) BOLTZ_M_CASE(rr, 3) \
    BOLTZ_M_CASE(rr, 4) BOLTZ_M_CASE(rr, 5) BOLTZ_M_CASE(rr, 6)
    switch (R * 8 + nvec) {
    BOLTZ_M_CASES(1) BOLTZ_M_CASES(2) BOLTZ_M_CASES(3) BOLTZ_M_CASES(4)
    default: break;
    }
#undef BOLTZ_M_CASES
#undef BOLTZ_M_CASE
}
