/*
 * Template body of descent.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 *
 * Steepest descent of one state s (int8 ±1) with its cached local fields
 * f_i = h_i + sum_j J_ij s_j (init_chains of _spin_sweeps.pyx): flipping spin i changes the
 * energy by dE_i = 2 s_i f_i, so each step flips the spin with the smallest g_i = s_i f_i
 * (the lowest index among equal ones) while that g_i is negative, and adds J_ij (-2 s_i) to
 * the fields of its neighbours, as the sweeps do. g_i = ±f_i is exact, so the comparisons
 * and the tie rule do not depend on the instruction set; the row updates add exact products
 * (J_ij times ±2), so neither do the fields. Each flip lowers the energy of the cached fields,
 * so the descent ends at a state where no single flip lowers it.
 *
 * Finding the spin: dense couplings change every field at each flip, so a scan of the n
 * values after the row update (O(n) per flip, vector loops); sparse ones change deg(i) + 1
 * values, kept in a tournament tree (each node holds the better spin of its two halves), so
 * a flip costs O(deg(i) log n).
 */

/* The spin whose flip lowers the energy most: the lowest i with the smallest s_i f_i < 0,
 * or -1 when no flip lowers the energy */
BOLTZ_TARGET static ptrdiff_t BOLTZ_NAME(steepest)(const int8_t *restrict s,
                                                   const BOLTZ_REAL *restrict f, ptrdiff_t n)
{
    BOLTZ_REAL m = 0;
#pragma omp simd reduction(min:m)
    for (ptrdiff_t i = 0; i < n; i++) {
        const BOLTZ_REAL g = s[i] * f[i];
        m = g < m ? g : m;
    }
    if (!(m < 0)) return -1;
    for (ptrdiff_t i = 0; i < n; i++)
        if (s[i] * f[i] == m) return i;
    return -1;                            /* not reached: m is one of the values */
}

/* Dense couplings (rows of ld elements, zeros past n; f likewise): the number of flips */
BOLTZ_TARGET static int64_t BOLTZ_NAME(descend_dense)(const BOLTZ_REAL *restrict J,
                                                      ptrdiff_t ld, ptrdiff_t n,
                                                      int8_t *restrict s,
                                                      BOLTZ_REAL *restrict f)
{
    int64_t flips = 0;
    for (ptrdiff_t i; (i = BOLTZ_NAME(steepest)(s, f, n)) >= 0; flips++) {
        const int8_t si = s[i];
        s[i] = (int8_t)-si;
        BOLTZ_NAME(axpy)(f, J + i * ld, ld, (BOLTZ_REAL)(-2 * si));
    }
    return flips;
}

/* The better of spins a < b of the tournament tree (-1: padding, never better): the lower
 * s f, a on ties */
static inline int32_t BOLTZ_NAME(better)(const int8_t *restrict s,
                                         const BOLTZ_REAL *restrict f, int32_t a, int32_t b)
{
    if (b < 0) return a;
    if (a < 0) return b;
    return s[b] * f[b] < s[a] * f[a] ? b : a;
}

/* Node k of the tree and its ancestors after the value of one of its leaves changed */
static inline void BOLTZ_NAME(replay)(const int8_t *restrict s, const BOLTZ_REAL *restrict f,
                                      int32_t *restrict tree, ptrdiff_t k)
{
    for (; k >= 1; k /= 2) tree[k] = BOLTZ_NAME(better)(s, f, tree[2 * k], tree[2 * k + 1]);
}

/* Sparse couplings (CSR, both orientations of each bond): the number of flips, or -1 when
 * the tree (2 P int32, P the power of two >= n) cannot be allocated. The tree is replayed
 * only after all fields of a flip are updated, so every node compares current values. */
BOLTZ_TARGET static int64_t BOLTZ_NAME(descend_sparse)(const int64_t *restrict indptr,
                                                       const int32_t *restrict indices,
                                                       const BOLTZ_REAL *restrict data,
                                                       ptrdiff_t n, int8_t *restrict s,
                                                       BOLTZ_REAL *restrict f)
{
    if (n == 0) return 0;
    ptrdiff_t P = 1;
    while (P < n) P *= 2;
    int32_t *tree = (int32_t *)malloc(2 * (size_t)P * sizeof(int32_t));
    if (tree == NULL) return -1;
    for (ptrdiff_t i = 0; i < P; i++) tree[P + i] = i < n ? (int32_t)i : -1;
    for (ptrdiff_t k = P - 1; k >= 1; k--)
        tree[k] = BOLTZ_NAME(better)(s, f, tree[2 * k], tree[2 * k + 1]);
    int64_t flips = 0;
    for (;;) {
        const int32_t i = tree[1];
        if (!(s[i] * f[i] < 0)) break;
        const int8_t si = s[i];
        s[i] = (int8_t)-si;
        const BOLTZ_REAL d = (BOLTZ_REAL)(-2 * si);
        for (int64_t p = indptr[i]; p < indptr[i + 1]; p++) f[indices[p]] += data[p] * d;
        BOLTZ_NAME(replay)(s, f, tree, (P + i) / 2);
        for (int64_t p = indptr[i]; p < indptr[i + 1]; p++)
            BOLTZ_NAME(replay)(s, f, tree, (P + indices[p]) / 2);
        flips++;
    }
    free(tree);
    return flips;
}
