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

