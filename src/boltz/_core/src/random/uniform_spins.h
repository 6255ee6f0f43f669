/*
 * Uniform +-1 spins from a bitgen_t, bit-identical to numpy's
 * 2 * Generator(bitgen).integers(0, 2, size=n, dtype=np.int8) - 1.
 *
 * numpy draws int8 integers in [0, 1] with random_bounded_uint8_fill(off = 0, rng = 1,
 * use_masked = false) (numpy/random/src/distributions/distributions.c): each value is
 * buffered_bounded_lemire_uint8 of one byte b of a 32-bit draw (next_uint32, bytes lowest
 * first, a fresh buffer per call). With rng = 1 Lemire's product is m = 2 b, and a low byte
 * m & 0xFF < 2 would only be rejected below threshold (255 - 1) % 2 = 0, so never: the value
 * is m >> 8 = b >> 7, the byte's top bit.
 */
#ifndef BOLTZ_UNIFORM_SPINS_H
#define BOLTZ_UNIFORM_SPINS_H

#include <stddef.h>
#include <stdint.h>
#include "numpy/random/bitgen.h"

static void boltz_uniform_spins(bitgen_t *g, int8_t *out, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i += 4) {
        const uint32_t buf = g->next_uint32(g->state);
        for (ptrdiff_t k = 0; k < 4 && i + k < n; k++)
            out[i + k] = (int8_t)(2 * (int)((buf >> (8 * k + 7)) & 1u) - 1);
    }
}

#endif /* BOLTZ_UNIFORM_SPINS_H */
