"""Seeds to independent random streams, one per chain / block of work.

Every public entry point takes ``seed``: None (fresh OS entropy), a non-negative int, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`. Work is cut into
pieces whose number does not depend on the thread count, each piece gets its own PCG64
spawned from one SeedSequence, and kernels draw through numpy's ``bitgen_t`` in nogil loops.
Hence the same seed gives bit-identical results for any ``num_threads``.
"""
from __future__ import annotations

import numbers

import numpy as np

from boltz._core._random import bitgen_addresses
from boltz._validation import check_int

#: What every ``seed`` argument accepts.
SeedLike = None | int | np.random.SeedSequence | np.random.Generator


def seed_sequence(seed: SeedLike, name: str = "seed") -> np.random.SeedSequence:
    """The SeedSequence that `seed` stands for.

    A Generator is consumed like numpy's own ``Generator.spawn``: each call gives new,
    independent streams, and the generator itself is not advanced.

    Parameters
    ----------
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        None: fresh OS entropy; an int >= 0 (not a bool or a string).
    name : str
        The argument's name, used in the messages.

    Returns
    -------
    numpy.random.SeedSequence
    """
    if seed is None:
        return np.random.SeedSequence(None)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)):
        return np.random.SeedSequence(check_int(seed, name, minimum=0))
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        seq = seed.bit_generator.seed_seq
        if isinstance(seq, np.random.SeedSequence):
            return seq.spawn(1)[0]
        return np.random.SeedSequence(seed.integers(0, 2**63, size=4).tolist())
    raise TypeError(f"{name} must be None, a non-negative int, a numpy SeedSequence or a "
                    f"numpy Generator; got {type(seed).__name__}")


class RandomStreams:
    """`n` independent PCG64 streams spawned from one seed, with their ``bitgen_t *``.

    Keep the object alive while a kernel uses :attr:`addresses`. Stream ``i`` is numpy's
    ``PCG64(seed_sequence(seed).spawn(n)[i])``, draw for draw.
    """

    #: Columns of :attr:`state`.
    STATE_FIELDS = ("state_high", "state_low", "inc_high", "inc_low", "has_uint32", "uinteger")

    def __init__(self, seed: SeedLike, n: int, name: str = "seed"):
        children = seed_sequence(seed, name).spawn(n)
        self._adopt([np.random.PCG64(c) for c in children])

    def _adopt(self, bit_generators):
        self.bit_generators = bit_generators
        self.addresses = bitgen_addresses(self.bit_generators)

    def __len__(self) -> int:
        return len(self.bit_generators)

    @property
    def state(self) -> np.ndarray:
        """(n, 6) uint64 copy of every stream's PCG64 state, columns :attr:`STATE_FIELDS`
        (the 128-bit state and increment as high and low words, then numpy's buffered
        32-bit half)."""
        out = np.empty((len(self), 6), dtype=np.uint64)
        mask = (1 << 64) - 1
        for i, bg in enumerate(self.bit_generators):
            st = bg.state
            out[i] = (st["state"]["state"] >> 64, st["state"]["state"] & mask,
                      st["state"]["inc"] >> 64, st["state"]["inc"] & mask,
                      st["has_uint32"], st["uinteger"])
        return out

    @classmethod
    def from_state(cls, state: np.ndarray) -> RandomStreams:
        """Streams continuing exactly where those that gave `state` (see :attr:`state`)
        were."""
        state = np.asarray(state)
        if state.ndim != 2 or state.shape[1] != 6 or state.dtype != np.uint64:
            raise ValueError(f"a random-stream state is a (n, 6) uint64 array, got "
                             f"{state.dtype} {state.shape}")
        streams = cls.__new__(cls)
        bit_generators = []
        for row in state.tolist():
            bg = np.random.PCG64()
            bg.state = {"bit_generator": "PCG64",
                        "state": {"state": row[0] << 64 | row[1], "inc": row[2] << 64 | row[3]},
                        "has_uint32": row[4], "uinteger": row[5]}
            bit_generators.append(bg)
        streams._adopt(bit_generators)
        return streams
