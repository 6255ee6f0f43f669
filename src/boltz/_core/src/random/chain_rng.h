/*
 * Random draws of one Markov chain from its numpy BitGenerator (bitgen_t).
 *
 * Flip decisions reveal the uniform number u lazily: u < p is settled by one random byte
 * unless that byte equals floor(256 p) (probability 1/256), in which case a fresh 64-bit draw
 * refines it. So a decision costs about 8 random bits, an eighth of a bitgen call, and is
 * exact to double precision. A chain's draws depend only on its own generator, never on the
 * thread count. Used by _spin_sweeps.pyx and _rbm_epoch.pyx.
 */
#ifndef BOLTZ_CHAIN_RNG_H
#define BOLTZ_CHAIN_RNG_H

#include <math.h>
#include <stdint.h>
#include "numpy/random/bitgen.h"

typedef struct {
    bitgen_t *bitgen;
    uint64_t bits;   /* unused random bytes, lowest first */
    int nbytes;
} boltz_chain_rng;

static inline boltz_chain_rng boltz_chain_rng_make(bitgen_t *bitgen)
{
    boltz_chain_rng r = {bitgen, 0, 0};
    return r;
}

static inline int boltz_next_byte(boltz_chain_rng *r)
{
    if (r->nbytes == 0) {
        r->bits = r->bitgen->next_uint64(r->bitgen->state);
        r->nbytes = 8;
    }
    int u = (int)(r->bits & 0xFFu);
    r->bits >>= 8;
    r->nbytes--;
    return u;
}

/* Rare path of boltz_flip: the byte k tied with 256 p; frac = 256 p - k is resolved with a
 * fresh 64-bit draw. It takes the bitgen, not the chain's byte buffer, so that the buffer
 * never has its address taken and stays in registers in the sweep loop. */
static int boltz_flip_refine(bitgen_t *g, double frac)
{
    if (frac <= 0.0) return 0;
    if (frac >= 1.0) return 1;
    return g->next_uint64(g->state) < (uint64_t)(frac * 0x1p64);
}

/*
 * Flip decision for x = beta * dE: 1 with probability P(x), where P is decreasing and
 * table[k] = P^-1(k / 256) (table[0] = +inf). The byte k places u in [k/256, (k+1)/256):
 * x <= table[k+1] means P(x) >= (k+1)/256 > u (flip), x >= table[k] means P(x) <= k/256 <= u
 * (no flip). Only when x falls between (probability 1/256) is P computed, with exp, and
 * refined. No exp, one random byte and two comparisons in the common case.
 */
static inline int boltz_flip(boltz_chain_rng *r, double x, const double *table, int heat_bath)
{
    const int k = boltz_next_byte(r);
    const int flip = x <= table[k + 1];      /* a comparison, not a branch, where it is settled */
    if (__builtin_expect(!flip && x < table[k], 0)) {
        const double p = heat_bath ? 1.0 / (1.0 + exp(x)) : exp(-x);
        return boltz_flip_refine(r->bitgen, 256.0 * p - k);
    }
    return flip;
}

/* Uniform integer in [0, n): Lemire's multiply-shift with rejection (unbiased). */
static inline uint64_t boltz_bounded(bitgen_t *g, uint64_t n)
{
    unsigned __int128 m = (unsigned __int128)g->next_uint64(g->state) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (unsigned __int128)g->next_uint64(g->state) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

#endif /* BOLTZ_CHAIN_RNG_H */
