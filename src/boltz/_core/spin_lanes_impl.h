/*
 * Template body of spin_lanes.h, included once per (BOLTZ_REAL, BOLTZ_ISA); no include guard.
 *
 * One sequential sweep of four chains of a sparse model at once, one chain per vector lane.
 * State is interleaved, element [4 i + lane]: fields f and spins s (as ±1.0). The arithmetic
 * and the random bytes of every lane are exactly those of _run_chain in _spin_sweeps.pyx
 * (the same products, the same order of draws from the lane's own generator), so a chain
 * ends in the same state whichever kernel swept it. No branch depends on a flip decision:
 * a rejected flip adds zero to the neighbours' fields.
 */
#define BOLTZ_L_CAT_(a, b, c, d) a##b##_##c##_##d
#define BOLTZ_L_CAT(a, b, c, d) BOLTZ_L_CAT_(a, b, c, d)
#define BOLTZ_L_FN(name) BOLTZ_L_CAT(boltz_, name, BOLTZ_T, BOLTZ_ISA)

BOLTZ_TARGET static void BOLTZ_L_FN(lanes_sweep)(
    const int64_t *restrict indptr, const int32_t *restrict indices,
    const BOLTZ_REAL *restrict data, const uint8_t *restrict clamped, ptrdiff_t n,
    BOLTZ_REAL *restrict f,
    BOLTZ_REAL *restrict s, double *restrict energy, double *restrict magnet,
    boltz_chain_rng *restrict rng, const double *restrict beta, const double *restrict table,
    int heat_bath)
{
    typedef BOLTZ_REAL vreal __attribute__((vector_size(4 * sizeof(BOLTZ_REAL))));
    const v4d b = {beta[0], beta[1], beta[2], beta[3]};
    /* x = beta * (2 s f) is computed as (2 beta s) * f: scaling by 2 and by s = ±1 is exact,
     * so both round the same real number once, and the product off the critical path
     * (fields -> decision -> neighbours' fields) is formed before f is loaded. */
    const v4d b2 = 2.0 * b;
    v4d e = {energy[0], energy[1], energy[2], energy[3]};
    v4d mag = {magnet[0], magnet[1], magnet[2], magnet[3]};
    /* The lanes draw one byte per decision each, so their byte buffers empty together: one
     * counter for all four (the caller starts them equal). */
    bitgen_t *const g0 = rng[0].bitgen, *const g1 = rng[1].bitgen;
    bitgen_t *const g2 = rng[2].bitgen, *const g3 = rng[3].bitgen;
    v4u bits = {rng[0].bits, rng[1].bits, rng[2].bits, rng[3].bits};
    int nbytes = rng[0].nbytes;
    for (ptrdiff_t i = 0; i < n; i++) {
        if (clamped != NULL && clamped[i]) continue;     /* held fixed: no draw, as _run_chain */
        vreal sv, fv;
        memcpy(&sv, s + 4 * i, sizeof sv);
        memcpy(&fv, f + 4 * i, sizeof fv);
        const v4d sd = __builtin_convertvector(sv, v4d);
        const v4d fd = __builtin_convertvector(fv, v4d);
        const v4d de = (2.0 * sd) * fd;
        const v4d x = (b2 * sd) * fd;
        if (nbytes == 0) {
            bits[0] = g0->next_uint64(g0->state);
            bits[1] = g1->next_uint64(g1->state);
            bits[2] = g2->next_uint64(g2->state);
            bits[3] = g3->next_uint64(g3->state);
            nbytes = 8;
        }
        const v4u kv = bits & 0xFFu;
        bits >>= 8;
        nbytes--;
        const int k0 = (int)kv[0], k1 = (int)kv[1], k2 = (int)kv[2], k3 = (int)kv[3];
        const v4d hi = {table[k0 + 1], table[k1 + 1], table[k2 + 1], table[k3 + 1]};
        const v4d lo = {table[k0], table[k1], table[k2], table[k3]};
        v4l flip = x <= hi;                               /* -1 where the flip is certain */
        const v4l tie = (x < lo) & ~flip;                 /* undecided by the byte: rare */
        if (__builtin_expect(tie[0] | tie[1] | tie[2] | tie[3], 0)) {
            const int k[4] = {k0, k1, k2, k3};
            bitgen_t *g[4] = {g0, g1, g2, g3};
            for (int l = 0; l < 4; l++) {
                if (!tie[l]) continue;
                double p = heat_bath ? 1.0 / (1.0 + exp(x[l])) : exp(-x[l]);
                flip[l] = -(v4l_elem)boltz_flip_refine(g[l], 256.0 * p - k[l]);
            }
        }
        /* masks select without arithmetic: (flip & bits of y) is y where flipping, else +0.0 */
        const v4d d = (v4d)(flip & (v4l)(-2.0 * sd));                /* spin change */
        e += (v4d)(flip & (v4l)de);
        mag += d;
        const vreal dr = __builtin_convertvector(d, vreal);
        sv += dr;
        memcpy(s + 4 * i, &sv, sizeof sv);
        for (int64_t p = indptr[i]; p < indptr[i + 1]; p++) {
            BOLTZ_REAL *fj = f + 4 * (ptrdiff_t)indices[p];
            vreal v;
            memcpy(&v, fj, sizeof v);
            v += data[p] * dr;
            memcpy(fj, &v, sizeof v);
        }
    }
    for (int l = 0; l < 4; l++) {
        rng[l].bits = bits[l];
        rng[l].nbytes = nbytes;
    }
    for (int l = 0; l < 4; l++) {
        energy[l] = e[l];
        magnet[l] = mag[l];
    }
}

#undef BOLTZ_L_FN
#undef BOLTZ_L_CAT
#undef BOLTZ_L_CAT_
