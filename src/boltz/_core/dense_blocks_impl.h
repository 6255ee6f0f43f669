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

#if BOLTZ_REAL_IS_F32
typedef int32_t BOLTZ_D_FN(delem);
#else
typedef int64_t BOLTZ_D_FN(delem);
#endif
/* L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) lanes: one chain per lane */
typedef BOLTZ_REAL BOLTZ_D_FN(dvr) __attribute__((vector_size(BOLTZ_VBYTES)));
typedef BOLTZ_D_FN(delem) BOLTZ_D_FN(dvi) __attribute__((vector_size(BOLTZ_VBYTES)));
typedef double BOLTZ_D_FN(dvd)
    __attribute__((vector_size(BOLTZ_VBYTES * sizeof(double) / sizeof(BOLTZ_REAL))));

/* Lanes a decision kernel of this instruction set and type sweeps at once */
static inline int BOLTZ_D_FN(lanes_width)(void) { return BOLTZ_VBYTES / sizeof(BOLTZ_REAL); }

/* {t[idx_0], ..., t[idx_{L-1}]}: a gather on AVX-512, scalar loads elsewhere (AVX2's
 * gathers measured slower than scalar loads on AMD) */
BOLTZ_TARGET static inline __attribute__((always_inline)) BOLTZ_D_FN(dvr) BOLTZ_D_FN(lane_gather)(const BOLTZ_REAL *t,
                                                           BOLTZ_D_FN(dvi) idx)
{
#if BOLTZ_ISA_AVX512 && BOLTZ_REAL_IS_F32
    return (BOLTZ_D_FN(dvr))_mm512_i32gather_ps((__m512i)idx, t, 4);
#elif BOLTZ_ISA_AVX512
    return (BOLTZ_D_FN(dvr))_mm512_i64gather_pd((__m512i)idx, t, 8);
#else
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    BOLTZ_D_FN(dvr) v;
    for (int l = 0; l < L; l++) v[l] = t[idx[l]];
    return v;
#endif
}

/* The same for the double quantiles table[k] (direct decisions) */
BOLTZ_TARGET static inline __attribute__((always_inline)) BOLTZ_D_FN(dvd) BOLTZ_D_FN(lane_table)(const double *t,
                                                                 BOLTZ_D_FN(dvi) idx)
{
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    BOLTZ_D_FN(dvd) v;
    for (int l = 0; l < L; l++) v[l] = t[idx[l]];
    return v;
}

/* Whether any lane of the comparison mask m is true (-1) */
BOLTZ_TARGET static inline __attribute__((always_inline)) int BOLTZ_D_FN(any_lane)(
    BOLTZ_D_FN(dvi) m)
{
#if BOLTZ_ISA_AVX512
    return _mm512_test_epi32_mask((__m512i)m, (__m512i)m) != 0;
#elif BOLTZ_ISA_AVX2
    return !_mm256_testz_si256((__m256i)m, (__m256i)m);
#else
    uint64_t w[BOLTZ_VBYTES / 8], any = 0;
    memcpy(w, &m, sizeof w);
    for (int j = 0; j < BOLTZ_VBYTES / 8; j++) any |= w[j];
    return any != 0;
#endif
}

/* {f[idx_0], ..., f[idx_{L-1}]}: one chain's field per lane */
BOLTZ_TARGET static inline __attribute__((always_inline)) BOLTZ_D_FN(dvr) BOLTZ_D_FN(
    lane_fields)(const BOLTZ_REAL *f, BOLTZ_D_FN(dvi) idx, int count)
{
#if BOLTZ_ISA_AVX512
    if (count == BOLTZ_VBYTES / sizeof(BOLTZ_REAL)) return BOLTZ_D_FN(lane_gather)(f, idx);
#endif
    BOLTZ_D_FN(dvr) v = {0};
    for (int l = 0; l < count; l++) v[l] = f[idx[l]];
    return v;
}

/* Bit t of the result is set where s[t] = -1, t < len <= 32 */
BOLTZ_TARGET static inline uint32_t BOLTZ_D_FN(negative_bits)(const int8_t *s, ptrdiff_t len)
{
#if BOLTZ_X86_DISPATCH
    if (len == 32) {     /* SSE2, part of every x86-64 instruction set */
        __m128i lo, hi;
        memcpy(&lo, s, 16);
        memcpy(&hi, s + 16, 16);
        return (uint32_t)_mm_movemask_epi8(lo) | (uint32_t)_mm_movemask_epi8(hi) << 16;
    }
#endif
    uint32_t m = 0;
    for (ptrdiff_t t = 0; t < len; t++) m |= (uint32_t)(s[t] < 0) << t;
    return m;
}

/* kv[j][l] = byte j of lane l's draw st->bits[l] (0 in the unused lanes) */
BOLTZ_TARGET static inline void BOLTZ_D_FN(unpack_bytes)(const boltz_dense_lanes *st,
                                                         int count, BOLTZ_D_FN(dvi) *kv)
{
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    for (int j = 0; j < 8; j++)
        for (int l = 0; l < L; l++)
            kv[j][l] = l < count ? (BOLTZ_D_FN(delem))((st->bits[l] >> 8 * j) & 0xFF) : 0;
}

/* The lanes whose byte left the decision open (tie): P computed with exp and refined by a
 * fresh 64-bit draw from the lane's generator (boltz_flip). Out of line, so that the block
 * loop keeps its vectors in registers. */
BOLTZ_TARGET __attribute__((noinline, cold)) static BOLTZ_D_FN(dvi) BOLTZ_D_FN(lane_ties)(
    BOLTZ_D_FN(dvi) flip, BOLTZ_D_FN(dvi) tie, BOLTZ_D_FN(dvr) g, BOLTZ_D_FN(dvi) k,
    const boltz_dense_lanes *st, int heat_bath)
{
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL) };
    for (int l = 0; l < L; l++) {
        if (!tie[l]) continue;
        const double x = 2.0 * st->beta[l] * (double)g[l];
        const double p = heat_bath ? 1.0 / (1.0 + exp(x)) : exp(-x);
        flip[l] = -(BOLTZ_D_FN(delem))boltz_flip_refine(st->bitgen[l], 256.0 * p - (double)k[l]);
    }
    return flip;
}

/*
 * The decisions of spins k0 .. k0+len-1 (len <= BOLTZ_DENSE_BLOCK) of `count` <= L chains,
 * one per lane, in order: chain l has fields f[l] (exact at the start of the block) and
 * spins s[l]. The block's fields are copied into lanes, local[u][l] = f[l][k0 + u], and kept
 * exact: a flip of spin k0 + t adds d J_{k0+t, k0+u} to the fields of the block's later
 * spins u > t (zero in the lanes that stay). Per lane the decisions, random bytes and energy
 * bookkeeping are those of _run_chain (boltz_flip): x = 2 beta s f <= table[k + 1] flips,
 * x < table[k] leaves it to an exact refinement. With thresholds (`exact`, a constant once
 * inlined) the comparisons are made as s f <= G (spin_lanes_impl.h): thr[base_l + 2 j] is
 * the largest field value with round(2 beta s f) <= table[j], thr[base_l + 2 j + 1] the
 * largest with < table[j]. Spins that flip are changed in s; the flipped spins and their
 * changes d = -2 s (old) go to flipped[l B + q] / delta[l B + q], q < nflip[l], for
 * dense_update.
 */
BOLTZ_TARGET static inline __attribute__((always_inline)) void BOLTZ_D_FN(decide_loop)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, ptrdiff_t k0, ptrdiff_t len,
    const uint8_t *restrict clamped, const BOLTZ_REAL *restrict f, int8_t *restrict s, ptrdiff_t n,
    boltz_dense_lanes *restrict st, int count, const BOLTZ_REAL *restrict thr,
    const double *restrict table, int heat_bath, int32_t *restrict flipped,
    BOLTZ_REAL *restrict delta, int *restrict nflip, const int exact)
{
    typedef BOLTZ_D_FN(dvr) vr;
    typedef BOLTZ_D_FN(dvi) vi;
    typedef BOLTZ_D_FN(dvd) vd;
    enum { L = BOLTZ_VBYTES / sizeof(BOLTZ_REAL), B = BOLTZ_DENSE_BLOCK };
    enum { SIGN = 8 * sizeof(BOLTZ_REAL) - 1 };
    vr local[BOLTZ_DENSE_BLOCK], de[BOLTZ_DENSE_BLOCK], dmag = {0};
    vi negv = {0}, active = {0}, base = {0}, flips = {0}, rows = {0};
    vd b2 = {0};
    for (int l = 0; l < L; l++) {
        active[l] = l < count ? -1 : 0;
        rows[l] = (BOLTZ_D_FN(delem))(l * ld + k0);
        if (l >= count) continue;
        negv[l] = (BOLTZ_D_FN(delem))BOLTZ_D_FN(negative_bits)(s + l * n + k0, len);
        base[l] = st->base[l];
        b2[l] = 2.0 * st->beta[l];
    }
    for (ptrdiff_t u = 0; u < len; u++) local[u] = BOLTZ_D_FN(lane_fields)(f + u, rows, count);
    const vi one = active & 1, minus_two = (vi)((vr){0} - 2);
    /* The lanes draw in lockstep, a byte each per spin: kv[j] holds byte j of each lane's
     * last 64-bit draw st->bits, of which the last st->nbytes are unused. */
    int nbytes = st->nbytes;
    vi kv[8];
    if (nbytes > 0) BOLTZ_D_FN(unpack_bytes)(st, count, kv);
    for (ptrdiff_t t = 0; t < len; t++) {
        if (clamped != NULL && clamped[k0 + t]) continue;  /* held fixed: no draw */
        if (nbytes == 0) {
            for (int l = 0; l < count; l++)
                st->bits[l] = st->bitgen[l]->next_uint64(st->bitgen[l]->state);
            BOLTZ_D_FN(unpack_bytes)(st, count, kv);
            nbytes = 8;
        }
        const vi k = kv[8 - nbytes--];
        const vi neg = ((negv >> t) & 1) << SIGN;           /* sign bit where s = -1 */
        const vr g = (vr)((vi)local[t] ^ neg);             /* s f, exactly */
        vi flip, tie;    /* -1 where the flip is certain; where the byte left it open */
        if (exact) {
            flip = g <= BOLTZ_D_FN(lane_gather)(thr, base + 2 * k + 2);       /* G(table[k + 1]) */
            tie = (g <= BOLTZ_D_FN(lane_gather)(thr, base + 2 * k + 1)) & ~flip; /* strict G(table[k]) */
        } else {         /* x = round(2 beta g) against the quantiles themselves */
            const vd x = b2 * __builtin_convertvector(g, vd);
            flip = __builtin_convertvector(x <= BOLTZ_D_FN(lane_table)(table, k + 1), vi);
            tie = __builtin_convertvector(x < BOLTZ_D_FN(lane_table)(table, k), vi) & ~flip;
        }
        flip &= active;
        tie &= active;
        if (__builtin_expect(BOLTZ_D_FN(any_lane)(tie), 0))
            flip = BOLTZ_D_FN(lane_ties)(flip, tie, g, k, st, heat_bath);
        /* no branch on the decisions: a lane that stays adds zeros */
        const vr d = (vr)(flip & (minus_two ^ neg));                 /* spin change -2 s */
        de[t] = (vr)(flip & (vi)(g + g));                            /* dE = 2 s f, or 0 */
        dmag += d;                                           /* small integers: exact */
        flips |= flip & (one << t);
        const BOLTZ_REAL *restrict row = J + (k0 + t) * ld + k0;
        for (ptrdiff_t u = t + 1; u < len; u++) local[u] += d * row[u];
    }
    st->nbytes = nbytes;
    /* the energy changes added in double in spin order, as _run_chain does (+0 for a spin
     * that stayed or was clamped) */
    vd e = {0};
    for (int l = 0; l < count; l++) e[l] = st->energy[l];
    for (ptrdiff_t t = 0; t < len; t++)
        if (clamped == NULL || !clamped[k0 + t]) e += __builtin_convertvector(de[t], vd);
    for (int l = 0; l < count; l++) {
        st->energy[l] = e[l];
        st->magnet[l] += dmag[l];
        const uint32_t was_negative = (uint32_t)negv[l];
        int q = 0;
        for (uint32_t m = (uint32_t)flips[l]; m; m &= m - 1, q++) {
            const int t = __builtin_ctz(m), down = (int)((was_negative >> t) & 1);
            flipped[l * B + q] = (int32_t)(k0 + t);
            delta[l * B + q] = (BOLTZ_REAL)(4 * down - 2);    /* -2 s (old), no branch */
            s[l * n + k0 + t] = (int8_t)(2 * down - 1);
        }
        nflip[l] = q;
    }
}

BOLTZ_TARGET static void BOLTZ_D_FN(dense_decide)(
    const BOLTZ_REAL *restrict J, ptrdiff_t ld, ptrdiff_t k0, ptrdiff_t k1,
    const uint8_t *restrict clamped, const BOLTZ_REAL *restrict f, int8_t *restrict s, ptrdiff_t n,
    boltz_dense_lanes *restrict st, int count, const BOLTZ_REAL *restrict thr,
    const double *restrict table, int heat_bath, int32_t *restrict flipped,
    BOLTZ_REAL *restrict delta, int *restrict nflip)
{
    if (thr != NULL)
        BOLTZ_D_FN(decide_loop)(J, ld, k0, k1 - k0, clamped, f, s, n, st, count, thr, table,
                               heat_bath, flipped, delta, nflip, 1);
    else
        BOLTZ_D_FN(decide_loop)(J, ld, k0, k1 - k0, clamped, f, s, n, st, count, thr, table,
                               heat_bath, flipped, delta, nflip, 0);
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

/* Bit j set where chain c flipped spin k0 + j of the block */
static inline uint32_t BOLTZ_D_FN(flip_mask)(const int32_t *flipped, int nflip, ptrdiff_t k0)
{
    uint32_t m = 0;
    for (int q = 0; q < nflip; q++) m |= UINT32_C(1) << (flipped[q] - k0);
    return m;
}

/* rows[0 .. count) = the spins flipped by any of `size` chains (ascending) and
 * coef[size q + c] chain c's change of rows[q], 0 where it did not flip it */
static inline int BOLTZ_D_FN(merge_flips)(const uint32_t *mask, const BOLTZ_REAL *delta,
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
 * four chains that flipped mostly the same spins share each row's loads (shared_update),
 * at the price of multiply-adds by zero where a chain did not flip it.
 */
BOLTZ_TARGET static void BOLTZ_D_FN(dense_update)(
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
    for (int c = 0; c < size; c++) mask[c] = BOLTZ_D_FN(flip_mask)(flipped + c * B, nflip[c], k0);
    /* four chains share each row when the rows carry more than about 2.3 flips each:
     * 4 multiply-adds per row where `total` are needed, at about 1.7 times the rate */
    for (int g = 0; g + 4 <= size; g += 4) {
        const int total = nflip[g] + nflip[g + 1] + nflip[g + 2] + nflip[g + 3];
        const int rows4 = __builtin_popcount(mask[g] | mask[g + 1] | mask[g + 2] | mask[g + 3]);
        if (rows4 == 0 || 10 * total < 23 * rows4) continue;
        BOLTZ_REAL coef[4 * B];
        int32_t rows[B];
        const int count = BOLTZ_D_FN(merge_flips)(mask + g, delta + g * B, 4, k0, rows, coef);
        BOLTZ_D_FN(shared_update)(J, ld, f + g, rows, coef, count);
        for (int c = 0; c < 4; c++) left[g + c] = 0;
    }
    /* chains alone; ld is a whole number of vectors: the tiles, then a partial tile */
    ptrdiff_t x = 0;
    for (; x + TILE <= ld; x += TILE)
        for (int g = 0; g < size; g++)
            if (left[g])
                BOLTZ_D_FN(accumulate_tile)(f[g], x, J, ld, flipped + g * B, delta + g * B,
                                            left[g]);
    if (x < ld)
        for (int g = 0; g < size; g++)
            if (left[g])
                BOLTZ_D_FN(accumulate_vectors)(f[g] + x, J + x, ld, flipped + g * B,
                                               delta + g * B, left[g], (int)((ld - x) / W));
}

#undef BOLTZ_D_FN
#undef BOLTZ_D_CAT
#undef BOLTZ_D_CAT_
