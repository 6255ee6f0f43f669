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

    Keep the object alive while a kernel uses :attr:`addresses`.
    """

    def __init__(self, seed: SeedLike, n: int, name: str = "seed"):
        children = seed_sequence(seed, name).spawn(n)
        self.bit_generators = [np.random.PCG64(c) for c in children]
        self.addresses = bitgen_addresses(self.bit_generators)

    def __len__(self) -> int:
        return len(self.bit_generators)
