"""Seeds to independent random streams, one per chain / block of work.

Every public entry point takes ``seed``: None (fresh OS entropy), a non-negative int, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`; estimators take the
same as ``random_state``. A legacy :class:`numpy.random.RandomState` (scikit-learn's
``random_state=np.random.RandomState(0)`` idiom) is accepted too, by the same function: the
SeedSequence's 128 bits of entropy are drawn from it, so it advances as it would in a
scikit-learn estimator (the same fresh ``RandomState(0)`` gives the same result; reusing one
object gives a new one each time). Each chain (read,
replica, or fixed-size piece of draws) gets its own PCG64 stream, spawned from one
SeedSequence exactly as numpy's ``SeedSequence.spawn`` + ``PCG64`` would (in C, about 100
bytes per stream, no Python object), and kernels draw from it in nogil loops. The streams
belong to the chains, not to threads, and a chain keeps its unused random bytes between
kernel calls: the same seed gives bit-identical results for any ``num_threads`` and however
the work is cut into calls.
"""
from __future__ import annotations

import numbers
import threading

import numpy as np

from boltz._core._random import STREAM_BYTES, bind_pcg64, bitgen_capsule, spawn_pcg64
from boltz._validation import check_int

#: What every ``seed`` and ``random_state`` argument accepts.
SeedLike = (None | int | np.random.SeedSequence | np.random.Generator
            | np.random.RandomState)


def seed_sequence(seed: SeedLike, name: str = "seed") -> np.random.SeedSequence:
    """The SeedSequence that `seed` stands for.

    A Generator is consumed like numpy's own ``Generator.spawn``: each call gives new,
    independent streams, and the generator itself is not advanced. A RandomState is
    advanced: the sequence's entropy is four 32-bit words drawn from it
    (``seed.randint(0, 2**32, size=4, dtype=numpy.uint32)``), so each call gives new
    streams and an equal RandomState gives equal ones.

    Parameters
    ----------
    seed : None, int, SeedSequence, Generator or RandomState (numpy.random)
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
    if isinstance(seed, np.random.RandomState):
        return np.random.SeedSequence(
            seed.randint(0, 2**32, size=4, dtype=np.uint32).tolist())
    raise TypeError(f"{name} must be None, a non-negative int, a numpy SeedSequence, a "
                    f"numpy Generator or a numpy RandomState; got {type(seed).__name__}")


class StreamBitGenerator:
    """Stream `index` of `streams` as a numpy BitGenerator: ``numpy.random.Generator(it)``
    draws from (and advances) that stream. For inspection and tests, not for kernels."""

    def __init__(self, streams: RandomStreams, index: int):
        self.streams = streams  # keeps the stream's state alive
        self.capsule = bitgen_capsule(int(streams.addresses[index]))
        self.lock = threading.Lock()


class RandomStreams:
    """`n` independent PCG64 streams spawned from one seed, with their ``bitgen_t *``.

    Keep the object alive while a kernel uses :attr:`addresses`. Stream ``i`` is numpy's
    ``PCG64(seed_sequence(seed).spawn(n)[i])``, draw for draw, and a SeedSequence seed is
    advanced as by that ``spawn(n)``. The streams are one (n, 6) uint64 array seeded in C
    (no Python object per stream), about 100 bytes each.
    """

    #: Columns of :attr:`state`.
    STATE_FIELDS = ("state_high", "state_low", "inc_high", "inc_low", "has_uint32", "uinteger")

    #: Bytes per stream (its state, its bitgen_t and its address), for memory checks.
    BYTES_PER_STREAM = STREAM_BYTES

    def __init__(self, seed: SeedLike | RandomStreams, n: int, name: str = "seed"):
        if isinstance(seed, RandomStreams):
            # a shard of a larger run (boltz.distributed): its own streams, continued
            if len(seed) != n:
                raise ValueError(f"{name} holds {len(seed)} random streams, {n} are needed")
            self._adopt(seed.state)
            return
        self._adopt(spawn_pcg64(seed_sequence(seed, name), n))

    def restore(self, state: np.ndarray, rows: slice) -> None:
        """Streams `rows` back to where they were when `state` (:attr:`state`) was taken,
        in place (their ``bitgen_t`` and addresses stay valid)."""
        self._states[rows] = state[rows]

    def __getitem__(self, rows: slice) -> RandomStreams:
        """Copies of the streams `rows` (a slice), in their current state: what a shard
        of a run needs to draw exactly as the whole run would."""
        return RandomStreams.from_state(self._states[rows])

    def _adopt(self, states: np.ndarray) -> None:
        self._states = states
        self._bitgens, self.addresses = bind_pcg64(states)

    def __len__(self) -> int:
        return self._states.shape[0]

    def __reduce__(self):
        # Pickle (and deepcopy) the states only: the bitgen_t structs and their addresses
        # are pointers into this process, rebuilt around the copy.
        return RandomStreams.from_state, (self._states,)

    @property
    def bit_generators(self) -> list[StreamBitGenerator]:
        """Every stream as a numpy BitGenerator (one Python object each: small n only)."""
        return [StreamBitGenerator(self, i) for i in range(len(self))]

    @property
    def state(self) -> np.ndarray:
        """(n, 6) uint64 copy of every stream's PCG64 state, columns :attr:`STATE_FIELDS`
        (the 128-bit state and increment as high and low words, then numpy's buffered
        32-bit half)."""
        return self._states.copy()

    @classmethod
    def from_state(cls, state: np.ndarray) -> RandomStreams:
        """Streams continuing exactly where those that gave `state` (see :attr:`state`)
        were."""
        state = np.asarray(state)
        if state.ndim != 2 or state.shape[1] != 6 or state.dtype != np.uint64:
            raise ValueError(f"a random-stream state is a (n, 6) uint64 array, got "
                             f"{state.dtype} {state.shape}")
        if np.any(state[:, 4] > 1) or np.any(state[:, 5] >> np.uint64(32)):
            raise ValueError("a random-stream state has has_uint32 0 or 1 and a 32-bit "
                             "uinteger (columns 4 and 5)")
        streams = cls.__new__(cls)
        streams._adopt(np.array(state, dtype=np.uint64, order="C"))
        return streams
