/*
 * Multi-spin coding: 64 reads of a Metropolis anneal in the bits of one uint64 per spin.
 *
 * Model: every coupling of one magnitude, J_ij = ±|J|, and no fields (±J spin glasses,
 * unweighted Max-Cut). Bit l of word s[i] is read l's spin i, set for s_i = -1. Bond (i, j)
 * is unsatisfied (energy +|J| instead of -|J|) in the lanes of s[i] ^ s[j] ^ neg_ij, with
 * neg_ij all ones where J_ij < 0. Flipping spin i with u of its d bonds unsatisfied costs
 * dE = 2|J| (d - 2u): certain when 2u >= d, otherwise accepted with probability
 * p_k = exp(-2|J| beta k), k = d - 2u.
 *
 * u is counted bit-sliced, one word per bit of the count, for the 64 lanes at once. Each
 * lane's uniform number U is revealed a bit at a time from the top, one random word for
 * the 64 lanes, and compared with its threshold T_k = floor(p_k 2^64) until every lane is
 * settled (U < T: flip): about log2(64) + 2 words per spin, against one draw per lane and
 * spin without the coding. Where no lane is the likelier outcome, one draw decides that,
 * or which lane flips first (boltz_msc_sparse_accept). The probabilities are those of
 * p_k to double precision, rounded down to multiples of 2^-64. The 64 lanes of a group share
 * one PCG64 stream (random/pcg64_streams.h), so a group's result does not depend on the
 * thread count, but a lane's does depend on its group's other lanes.
 *
 * The energy of every lane, -|J| (M - 2 U) for U unsatisfied bonds of M, is counted the
 * same way after each sweep, to keep each lane's lowest-energy state. Used by
 * _multispin.pyx.
 */
#ifndef BOLTZ_MULTISPIN_H
#define BOLTZ_MULTISPIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include "random/pcg64_streams.h"

#define BOLTZ_MSC_LANES 64
#define BOLTZ_MSC_COUNT_BITS 8      /* bits of a spin's count: degree up to 255 */
#define BOLTZ_MSC_TOTAL_BITS 48     /* bits of the total count of unsatisfied bonds */

/* The couplings as the kernel reads them: CSR rows (both directions of every bond), the sign
 * of each entry as a lane mask, and the bits of the largest degree. */
typedef struct {
    const int64_t *indptr;
    const int32_t *indices;
    const uint64_t *neg;
    ptrdiff_t n;
    int count_bits;           /* bits of the largest degree */
    int max_degree;
    const int32_t *bond_i;    /* every bond once, i < j, with its sign */
    const int32_t *bond_j;
    const uint64_t *bond_neg;
    int64_t num_bonds;
    int total_bits;           /* bits of num_bonds, at least 3 */
} boltz_msc_graph;

/* c += x in the lanes of x, for a bit-sliced counter c (c[0] the lowest bit) that cannot
 * overflow: the carry ripples up only as far as it reaches. */
static inline void boltz_msc_add(uint64_t *c, uint64_t x)
{
    for (int b = 0; x; b++) {
        const uint64_t carry = c[b] & x;
        c[b] ^= x;
        x = carry;
    }
}

/* Lanes whose count c (bits b < nbits) equals v. */
static inline uint64_t boltz_msc_equals(const uint64_t *c, int nbits, unsigned v)
{
    uint64_t e = ~(uint64_t)0;
    for (int b = 0; b < nbits; b++)
        e &= ((v >> b) & 1u) ? c[b] : ~c[b];
    return e;
}

/* Lanes whose count c is at least v. */
static inline uint64_t boltz_msc_at_least(const uint64_t *c, int nbits, unsigned v)
{
    uint64_t greater = 0, equal = ~(uint64_t)0;
    for (int b = nbits - 1; b >= 0; b--) {
        if ((v >> b) & 1u) {
            equal &= c[b];
        } else {
            greater |= equal & c[b];
            equal &= ~c[b];
        }
    }
    return greater | equal;
}

/* Lanes whose uniform 64-bit U (revealed from the top, a random word per bit) is below the
 * threshold of its level: levels[q] (lanes) against thr[q], for q < nlevels. */
static inline uint64_t boltz_msc_bernoulli(const uint64_t *levels, const uint64_t *thr,
                                           int nlevels, uint64_t undecided, boltz_pcg64 *rng)
{
    uint64_t accept = 0;
    for (int b = 63; b >= 0 && undecided; b--) {
        const uint64_t r = boltz_pcg64_next64(rng);
        uint64_t t = 0;
        for (int q = 0; q < nlevels; q++)
            t |= levels[q] & (0 - ((thr[q] >> b) & 1u));
        accept |= undecided & t & ~r;       /* U's bit 0 where T's is 1: U < T */
        undecided &= ~(r ^ t);              /* equal bits leave it open */
    }
    return accept;                          /* U == T: no flip */
}

/*
 * The lanes of `lanes` that accept, each independently with probability p, when no lane is
 * the likelier outcome: none[c] = floor((1 - p)^c 2^64) for c = 0 .. 64. One draw U settles
 * "none of the c lanes" (U < none[c]); otherwise the first accepting lane is the j-th with
 * none[j + 1] <= U < none[j] (probability (1 - p)^j p), and the lanes after it decide
 * independently, bit by bit, against thr = floor(p 2^64).
 */
static inline uint64_t boltz_msc_sparse_accept(uint64_t lanes, const uint64_t *none,
                                               uint64_t thr, boltz_pcg64 *rng)
{
    const int c = __builtin_popcountll(lanes);
    const uint64_t u = boltz_pcg64_next64(rng);
    if (u < none[c]) return 0;
    int j = 0;
    while (none[j + 1] > u) j++;
    for (int k = 0; k < j; k++) lanes &= lanes - 1;   /* drop the j lanes before it */
    const uint64_t first = lanes & (0 - lanes);
    const uint64_t after = lanes ^ first;
    return first | (after ? boltz_msc_bernoulli(&after, &thr, 1, after, rng) : 0);
}

/* Flip probabilities of one sweep's beta for dE = 2|J| k, k = 1 .. kmax (k = 0: certain):
 * thr[k] = floor(p_k 2^64) (UINT64_MAX where p_k rounds to 1, 0 below 2^-64) and, where no
 * flip among 64 lanes is the likelier outcome ((1 - p_k)^64 >= 1/2), none[k * 65 + c] =
 * floor((1 - p_k)^c 2^64); sparse[k] says which. The complements 1 - p and 1 - (1 - p)^c
 * come from expm1 / log1p, so that both ends are right to double precision. */
typedef struct {
    uint64_t *thr;
    uint64_t *none;
    uint8_t *sparse;
    int kmax;
} boltz_msc_odds;

/* floor(2^64 (1 - m)) for a probability 0 <= m <= 1 (2^64 - 1 for m = 0: certain). */
static inline uint64_t boltz_msc_complement(double m)
{
    if (m <= 0.0) return UINT64_MAX;
    if (m >= 1.0) return 0;
    return 0 - (uint64_t)ceil(m * 0x1p64);
}

static void boltz_msc_odds_at(boltz_msc_odds *o, double two_j_beta)
{
    o->thr[0] = UINT64_MAX;
    o->sparse[0] = 0;
    for (int k = 1; k <= o->kmax; k++) {
        const double x = two_j_beta * k;
        const double p = exp(-x);
        o->thr[k] = p < 0.5 ? (uint64_t)(p * 0x1p64) : boltz_msc_complement(-expm1(-x));
        if (o->thr[k] == 0) break;          /* the sweep reads no higher k (p falls) */
        const double log_none = log1p(-p);                   /* log(1 - p) */
        o->sparse[k] = o->thr[k] != 0 && o->thr[k] != UINT64_MAX
                       && 64.0 * log_none >= -0.6931471805599453;
        if (o->sparse[k]) {
            uint64_t *none = o->none + (ptrdiff_t)k * 65;
            none[0] = UINT64_MAX;
            for (int c = 1; c <= 64; c++)
                none[c] = boltz_msc_complement(-expm1(c * log_none));
        }
    }
}

/*
 * One sequential Metropolis sweep of a group's words s (n) with the flip odds of its beta.
 */
static void boltz_msc_sweep(const boltz_msc_graph *g, uint64_t *s, const boltz_msc_odds *o,
                            boltz_pcg64 *rng)
{
    uint64_t count[BOLTZ_MSC_COUNT_BITS], levels[128], level_thr[128];
    const int nbits = g->count_bits;
    for (ptrdiff_t i = 0; i < g->n; i++) {
        const int64_t p0 = g->indptr[i], p1 = g->indptr[i + 1];
        const unsigned d = (unsigned)(p1 - p0);
        const uint64_t si = s[i];
        for (int b = 0; b < nbits; b++) count[b] = 0;
        for (int64_t p = p0; p < p1; p++) {          /* count += the bond's bit, no branch */
            uint64_t x = si ^ s[g->indices[p]] ^ g->neg[p];
            for (int b = 0; b < nbits; b++) {
                const uint64_t carry = count[b] & x;
                count[b] ^= x;
                x = carry;
            }
        }
        const unsigned half = (d + 1) / 2;             /* u >= half: dE <= 0 */
        uint64_t flip = boltz_msc_at_least(count, nbits, half), undecided = 0;
        int nlevels = 0;
        for (unsigned v = half; v-- > 0;) {             /* k = d - 2v rising: p falling */
            const unsigned k = d - 2 * v;
            const uint64_t t = o->thr[k];
            if (t == 0) break;
            const uint64_t lanes = boltz_msc_equals(count, nbits, v);
            if (t == UINT64_MAX) {
                flip |= lanes;
            } else if (o->sparse[k]) {
                if (lanes) flip |= boltz_msc_sparse_accept(lanes, o->none + k * 65, t, rng);
            } else {
                levels[nlevels] = lanes;
                level_thr[nlevels++] = t;
                undecided |= lanes;
            }
        }
        if (undecided) flip |= boltz_msc_bernoulli(levels, level_thr, nlevels, undecided, rng);
        s[i] = si ^ flip;
    }
}

/* Carry-save adder: (high, low) = the two bits of a + b + c, lane by lane. */
static inline void boltz_msc_csa(uint64_t *high, uint64_t *low, uint64_t a, uint64_t b,
                                 uint64_t c)
{
    const uint64_t u = a ^ b;
    *high = (a & b) | (u & c);
    *low = u ^ c;
}

/* Unsatisfied bonds of every lane of s, into out[64], over the bond list of g (Harley-Seal:
 * eight bonds go through seven carry-save adders into running ones, twos and fours, and
 * only their eights ripple into the total). */
static void boltz_msc_unsatisfied(const boltz_msc_graph *g, const uint64_t *s, int64_t *out)
{
    uint64_t total[BOLTZ_MSC_TOTAL_BITS] = {0};    /* ones, twos, fours, then the eights */
    uint64_t ones = 0, twos = 0, fours = 0, twos_a, twos_b, fours_a, fours_b, eights;
    const int32_t *a = g->bond_i, *b = g->bond_j;
    const uint64_t *neg = g->bond_neg;
#define BOLTZ_MSC_BOND(k) (s[a[k]] ^ s[b[k]] ^ neg[k])
    int64_t k = 0;
    for (; k + 8 <= g->num_bonds; k += 8) {
        boltz_msc_csa(&twos_a, &ones, ones, BOLTZ_MSC_BOND(k), BOLTZ_MSC_BOND(k + 1));
        boltz_msc_csa(&twos_b, &ones, ones, BOLTZ_MSC_BOND(k + 2), BOLTZ_MSC_BOND(k + 3));
        boltz_msc_csa(&fours_a, &twos, twos, twos_a, twos_b);
        boltz_msc_csa(&twos_a, &ones, ones, BOLTZ_MSC_BOND(k + 4), BOLTZ_MSC_BOND(k + 5));
        boltz_msc_csa(&twos_b, &ones, ones, BOLTZ_MSC_BOND(k + 6), BOLTZ_MSC_BOND(k + 7));
        boltz_msc_csa(&fours_b, &twos, twos, twos_a, twos_b);
        boltz_msc_csa(&eights, &fours, fours, fours_a, fours_b);
        boltz_msc_add(total + 3, eights);
    }
    total[0] = ones;
    total[1] = twos;
    total[2] = fours;
    for (; k < g->num_bonds; k++) boltz_msc_add(total, BOLTZ_MSC_BOND(k));
#undef BOLTZ_MSC_BOND
    const int planes = g->total_bits;
    for (int l = 0; l < BOLTZ_MSC_LANES; l++) {
        int64_t u = 0;
        for (int p = 0; p < planes; p++) u |= (int64_t)((total[p] >> l) & 1u) << p;
        out[l] = u;
    }
}

/* dst takes src's bits in the lanes of mask, for every spin. */
static inline void boltz_msc_copy_lanes(uint64_t *dst, const uint64_t *src, ptrdiff_t n,
                                        uint64_t mask)
{
    for (ptrdiff_t i = 0; i < n; i++) dst[i] ^= (dst[i] ^ src[i]) & mask;
}

/*
 * `num_sweeps` sweeps of one group at betas[t] (couplings of magnitude two_j / 2), keeping
 * track after every sweep of each lane's count of unsatisfied bonds (unsat[64]) and its
 * lowest one with that state (best_unsat, best). With `stopped`: a lane whose count reaches
 * target_unsat for the first time has its state copied there and hit[l] set to the sweeps
 * done (sweep0 + the sweep); the lane itself runs on, so that no other lane's draws change.
 * Returns -1 when the flip odds cannot be allocated, else 0.
 */
static int boltz_msc_anneal(const boltz_msc_graph *g, uint64_t *s, uint64_t *best,
                            int64_t *unsat, int64_t *best_unsat, uint64_t *stopped,
                            int64_t target_unsat, int64_t *hit, int64_t sweep0,
                            const double *betas, double two_j, ptrdiff_t num_sweeps,
                            boltz_pcg64 *rng)
{
    boltz_msc_odds o;
    o.kmax = g->max_degree;
    o.thr = malloc((size_t)(o.kmax + 1) * 66 * sizeof(uint64_t) + (size_t)(o.kmax + 1));
    if (!o.thr) return -1;
    o.none = o.thr + o.kmax + 1;
    o.sparse = (uint8_t *)(o.none + (ptrdiff_t)(o.kmax + 1) * 65);
    for (ptrdiff_t t = 0; t < num_sweeps; t++) {
        if (t == 0 || betas[t] != betas[t - 1]) boltz_msc_odds_at(&o, two_j * betas[t]);
        boltz_msc_sweep(g, s, &o, rng);
        boltz_msc_unsatisfied(g, s, unsat);
        uint64_t lower = 0, reached = 0;
        for (int l = 0; l < BOLTZ_MSC_LANES; l++) {
            if (unsat[l] < best_unsat[l]) {
                best_unsat[l] = unsat[l];
                lower |= (uint64_t)1 << l;
            }
            if (stopped && hit[l] < 0 && unsat[l] <= target_unsat) {
                hit[l] = sweep0 + t + 1;
                reached |= (uint64_t)1 << l;
            }
        }
        if (lower) boltz_msc_copy_lanes(best, s, g->n, lower);
        if (reached) boltz_msc_copy_lanes(stopped, s, g->n, reached);
    }
    free(o.thr);
    return 0;
}

#endif /* BOLTZ_MULTISPIN_H */
