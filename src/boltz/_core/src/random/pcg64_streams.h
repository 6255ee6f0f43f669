/*
 * Many PCG64 streams in one array, spawned from a SeedSequence without a Python object each.
 *
 * Stream i is numpy's PCG64(SeedSequence(entropy, spawn_key=key + (first + i,)).spawn...)
 * draw for draw: this file repeats, word for word, numpy's SeedSequence (numpy/random/
 * bit_generator.pyx: mix_entropy, generate_state) and PCG64 (numpy/random/src/pcg64/pcg64.h:
 * XSL-RR 128/64 with a stream-selected increment; pcg64_set_seed, pcg64_next64/next32 with
 * the buffered upper half, uint64_to_double). tests/test_random_streams.py and
 * tests/test_hardening_streams.py compare it with numpy draw for draw.
 *
 * A child's entropy words are the parent's (run entropy padded to the pool size, then the
 * parent's spawn key) followed by the child's index. Only that last word differs between
 * siblings and the mixing is sequential, so the pool is mixed through the shared words once
 * (boltz_seedseq_mix) and each child costs one more word (boltz_seedseq_absorb).
 */
#ifndef BOLTZ_PCG64_STREAMS_H
#define BOLTZ_PCG64_STREAMS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "numpy/random/bitgen.h"

/* One stream, laid out as the columns of RandomStreams.state: the 128-bit LCG state and
 * increment as high and low words, then numpy's buffered 32-bit half (has_uint32, uinteger). */
typedef struct {
    uint64_t state_high, state_low, inc_high, inc_low, has_uint32, uinteger;
} boltz_pcg64;

typedef unsigned __int128 boltz_u128;

#define BOLTZ_PCG64_MULT (((boltz_u128)2549297995355413924ULL << 64) | 4865540595714422341ULL)

static inline boltz_u128 boltz_u128_make(uint64_t high, uint64_t low)
{
    return (boltz_u128)high << 64 | low;
}

/* state = state * MULT + inc; the output is rotr(high ^ low, high >> 58) of the new state. */
static inline uint64_t boltz_pcg64_next64(boltz_pcg64 *s)
{
    const boltz_u128 state = boltz_u128_make(s->state_high, s->state_low) * BOLTZ_PCG64_MULT
                             + boltz_u128_make(s->inc_high, s->inc_low);
    const uint64_t high = (uint64_t)(state >> 64), low = (uint64_t)state;
    const unsigned rot = (unsigned)(high >> 58);
    s->state_high = high;
    s->state_low = low;
    return ((high ^ low) >> rot) | ((high ^ low) << ((-rot) & 63));
}

/* The bitgen_t interface (numpy's pcg64_uint64, pcg64_uint32, pcg64_double). */
static uint64_t boltz_pcg64_uint64(void *st)
{
    return boltz_pcg64_next64((boltz_pcg64 *)st);
}

static uint32_t boltz_pcg64_uint32(void *st)
{
    boltz_pcg64 *s = (boltz_pcg64 *)st;
    if (s->has_uint32) {
        s->has_uint32 = 0;
        return (uint32_t)s->uinteger;
    }
    const uint64_t next = boltz_pcg64_next64(s);
    s->has_uint32 = 1;
    s->uinteger = next >> 32;
    return (uint32_t)next;
}

static double boltz_pcg64_double(void *st)
{
    return (boltz_pcg64_next64((boltz_pcg64 *)st) >> 11) * (1.0 / 9007199254740992.0);
}

/* pcg64_set_seed: inc = (initseq << 1) | 1, state = 0, step, state += initstate, step;
 * seed = generate_state(4, uint64) = (initstate high, low, initseq high, low). */
static inline void boltz_pcg64_set_seed(boltz_pcg64 *s, const uint64_t seed[4])
{
    const boltz_u128 inc = boltz_u128_make(seed[2], seed[3]) << 1 | 1u;
    boltz_u128 state = inc;                                   /* 0 * MULT + inc */
    state += boltz_u128_make(seed[0], seed[1]);
    state = state * BOLTZ_PCG64_MULT + inc;
    s->state_high = (uint64_t)(state >> 64);
    s->state_low = (uint64_t)state;
    s->inc_high = (uint64_t)(inc >> 64);
    s->inc_low = (uint64_t)inc;
    s->has_uint32 = 0;
    s->uinteger = 0;
}

/* SeedSequence's hash constants (bit_generator.pyx). */
enum {
    BOLTZ_SS_INIT_A = 0x43b0d7e5u, BOLTZ_SS_MULT_A = 0x931e8875u,
    BOLTZ_SS_INIT_B = 0x8b51f9ddu, BOLTZ_SS_MULT_B = 0x58f38dedu,
    BOLTZ_SS_MIX_MULT_L = 0xca01f9ddu, BOLTZ_SS_MIX_MULT_R = 0x4973f715u
};

static inline uint32_t boltz_ss_hashmix(uint32_t value, uint32_t *hash_const)
{
    value ^= *hash_const;
    *hash_const *= BOLTZ_SS_MULT_A;
    value *= *hash_const;
    return value ^ (value >> 16);
}

static inline uint32_t boltz_ss_mix(uint32_t x, uint32_t y)
{
    const uint32_t result = BOLTZ_SS_MIX_MULT_L * x - BOLTZ_SS_MIX_MULT_R * y;
    return result ^ (result >> 16);
}

/* Mixes one entropy word beyond the first pool_size into the pool (mix_entropy's last loop). */
static inline void boltz_seedseq_absorb(uint32_t *pool, int pool_size, uint32_t word,
                                        uint32_t *hash_const)
{
    for (int dst = 0; dst < pool_size; dst++)
        pool[dst] = boltz_ss_mix(pool[dst], boltz_ss_hashmix(word, hash_const));
}

/* SeedSequence.mix_entropy of words[0:nwords] into a fresh pool; *hash_const is left where
 * the mixing stopped, so that boltz_seedseq_absorb can continue it. */
static inline void boltz_seedseq_mix(uint32_t *pool, int pool_size, const uint32_t *words,
                                     ptrdiff_t nwords, uint32_t *hash_const)
{
    *hash_const = BOLTZ_SS_INIT_A;
    for (int i = 0; i < pool_size; i++)
        pool[i] = boltz_ss_hashmix(i < nwords ? words[i] : 0u, hash_const);
    for (int src = 0; src < pool_size; src++)
        for (int dst = 0; dst < pool_size; dst++)
            if (src != dst)
                pool[dst] = boltz_ss_mix(pool[dst], boltz_ss_hashmix(pool[src], hash_const));
    for (ptrdiff_t src = pool_size; src < nwords; src++)
        boltz_seedseq_absorb(pool, pool_size, words[src], hash_const);
}

/* SeedSequence.generate_state(4, uint64): 8 words cycling over the pool, little-endian pairs. */
static inline void boltz_seedseq_state4(const uint32_t *pool, int pool_size, uint64_t out[4])
{
    uint32_t hash_const = BOLTZ_SS_INIT_B, words[8];
    for (int i = 0; i < 8; i++) {
        uint32_t v = pool[i % pool_size] ^ hash_const;
        hash_const *= BOLTZ_SS_MULT_B;
        v *= hash_const;
        words[i] = v ^ (v >> 16);
    }
    for (int i = 0; i < 4; i++)
        out[i] = (uint64_t)words[2 * i] | (uint64_t)words[2 * i + 1] << 32;
}

/* out[i] = PCG64 of the child whose entropy words are the shared ones (already mixed into
 * `pool`, `hash_const`) followed by first + i. `scratch` holds pool_size words. */
static void boltz_pcg64_spawn(boltz_pcg64 *out, ptrdiff_t n, const uint32_t *pool,
                              int pool_size, uint32_t hash_const, uint32_t first,
                              uint32_t *scratch)
{
    uint64_t seed[4];
    for (ptrdiff_t i = 0; i < n; i++) {
        uint32_t hc = hash_const;
        memcpy(scratch, pool, (size_t)pool_size * sizeof(uint32_t));
        boltz_seedseq_absorb(scratch, pool_size, first + (uint32_t)i, &hc);
        boltz_seedseq_state4(scratch, pool_size, seed);
        boltz_pcg64_set_seed(&out[i], seed);
    }
}

/* g[i] draws from s[i] with the functions above. */
static void boltz_pcg64_bind(bitgen_t *g, boltz_pcg64 *s, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        g[i].state = &s[i];
        g[i].next_uint64 = boltz_pcg64_uint64;
        g[i].next_uint32 = boltz_pcg64_uint32;
        g[i].next_double = boltz_pcg64_double;
        g[i].next_raw = boltz_pcg64_uint64;
    }
}

#endif /* BOLTZ_PCG64_STREAMS_H */
