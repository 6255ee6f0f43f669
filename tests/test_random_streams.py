"""RandomStreams: numpy's PCG64(SeedSequence.spawn) draw for draw, and a state that restores."""
import numpy as np
import pytest

from boltz._random import RandomStreams


@pytest.mark.parametrize("seed", [0, 12345, 2**100 + 7, np.random.SeedSequence([1, 2, 3])])
def test_streams_are_numpys_spawned_pcg64(seed):
    streams = RandomStreams(seed, 5)
    entropy = seed.entropy if isinstance(seed, np.random.SeedSequence) else seed
    children = np.random.SeedSequence(entropy).spawn(5)
    for bg, child in zip(streams.bit_generators, children, strict=True):
        assert np.random.Generator(bg).integers(0, 2**63, 4).tolist() == \
            np.random.default_rng(child).integers(0, 2**63, 4).tolist()


def test_state_restores_every_stream_mid_buffer():
    streams = RandomStreams(7, 4)
    gens = [np.random.Generator(bg) for bg in streams.bit_generators]
    for g in gens:
        g.integers(0, 2**32, dtype=np.uint32)          # leaves a buffered 32-bit half
    restored = RandomStreams.from_state(streams.state)
    assert np.array_equal(restored.state, streams.state)
    for g, bg in zip(gens, restored.bit_generators, strict=True):
        assert g.integers(0, 2**32, 6, dtype=np.uint32).tolist() == \
            np.random.Generator(bg).integers(0, 2**32, 6, dtype=np.uint32).tolist()


@pytest.mark.parametrize("bad", [np.zeros((3, 5), np.uint64), np.zeros((3, 6), np.int64),
                                 np.zeros(6, np.uint64)])
def test_bad_state_refused(bad):
    with pytest.raises(ValueError, match="random-stream state"):
        RandomStreams.from_state(bad)
