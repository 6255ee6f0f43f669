"""sample_boltzmann: frequencies against exact probabilities, seeds, threads, shapes."""
import math

import numpy as np
import pytest
from scipy import stats

import boltz


def chi_square_pvalue(counts, probs):
    expected = probs * counts.sum()
    keep = expected > 0
    assert np.all(counts[~keep] == 0), "a state of probability zero was drawn"
    return stats.chisquare(counts[keep], expected[keep]).pvalue


def test_frequencies_match_exact_probabilities():
    e = np.array([0.0, 0.5, 0.5, 1.0, 2.0, 4.0, 8.0])
    g = np.array([1, 2, 1, 3, 1, 1, 1.0])
    t = 1.3
    draws = boltz.sample_boltzmann(e, t, size=400_000, degeneracy=g, seed=11)
    counts = np.bincount(draws, minlength=e.size)
    p = g * np.exp(-e / t)
    p /= p.sum()
    # chi-square at a fixed seed: a correct sampler fails this with probability 1e-4
    assert chi_square_pvalue(counts, p) > 1e-4
    # and each frequency is within 5 standard errors
    se = np.sqrt(p * (1 - p) / draws.size)
    assert np.all(np.abs(counts / draws.size - p) <= 5 * se)


def test_rows_are_independent_distributions():
    rng = np.random.default_rng(3)
    e = rng.uniform(0, 3, size=(20, 5))
    draws = boltz.sample_boltzmann(e, 0.7, size=20_000, seed=5)
    assert draws.shape == (20, 20_000)
    for row, d in zip(e, draws, strict=True):
        p = np.exp(-row / 0.7)
        assert chi_square_pvalue(np.bincount(d, minlength=5), p / p.sum()) > 1e-5


def test_forbidden_and_zero_degeneracy_states_are_never_drawn():
    draws = boltz.sample_boltzmann([0.0, np.inf, 0.1, -1.0], 1.0, size=50_000,
                                   degeneracy=[1, 1, 1, 0], seed=1)
    assert set(np.unique(draws)) == {0, 2}


def test_zero_temperature_picks_ground_states():
    draws = boltz.sample_boltzmann([2.0, 0.0, 0.0, 1.0], 1e-12, size=10_000, seed=0)
    assert set(np.unique(draws)) == {1, 2}
    assert abs(np.mean(draws == 1) - 0.5) < 5 * math.sqrt(0.25 / 10_000)


def test_shapes_and_types():
    assert isinstance(boltz.sample_boltzmann([0.0, 1.0], seed=0), int)
    assert boltz.sample_boltzmann([0.0, 1.0], size=(2, 3), seed=0).shape == (2, 3)
    assert boltz.sample_boltzmann(np.zeros((4, 3)), seed=0).shape == (4,)
    assert boltz.sample_boltzmann(np.zeros((4, 3)), size=5, seed=0).shape == (4, 5)
    assert boltz.sample_boltzmann(np.zeros((4, 3)), size=0, seed=0).shape == (4, 0)
    assert boltz.sample_boltzmann([0.0, 1.0], size=7, seed=0).dtype == np.int64


def test_same_seed_same_draws_and_generators_advance():
    a = boltz.sample_boltzmann(np.zeros(10), size=100, seed=123)
    b = boltz.sample_boltzmann(np.zeros(10), size=100, seed=123)
    assert np.array_equal(a, b)
    ss = np.random.SeedSequence(9)
    assert np.array_equal(boltz.sample_boltzmann(np.zeros(10), size=100, seed=ss),
                          boltz.sample_boltzmann(np.zeros(10), size=100,
                                                 seed=np.random.SeedSequence(9)))
    gen = np.random.default_rng(4)
    c = boltz.sample_boltzmann(np.zeros(10), size=100, seed=gen)
    d = boltz.sample_boltzmann(np.zeros(10), size=100, seed=gen)
    assert not np.array_equal(c, d)          # a Generator gives fresh streams each call
    assert not np.array_equal(a, boltz.sample_boltzmann(np.zeros(10), size=100, seed=124))


def test_bit_identical_for_any_thread_count():
    rng = np.random.default_rng(8)
    e = rng.standard_normal((300, 50))
    outs = [boltz.sample_boltzmann(e, 0.5, size=2000, seed=77, num_threads=t)
            for t in (1, 2, 3)]
    assert outs[0].size > 8 * 65536       # several random streams are in play
    for o in outs[1:]:
        assert np.array_equal(o, outs[0])


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(energies=[np.nan, 1.0]), ValueError, "energies"),
    (dict(energies=[np.inf, np.inf]), ValueError, "energies"),
    (dict(energies=[]), ValueError, "energies"),
    (dict(energies=np.zeros((2, 2, 2))), ValueError, "energies"),
    (dict(energies=[0.0, 1.0], size=-1), ValueError, "size"),
    (dict(energies=[0.0, 1.0], size=1.5), TypeError, "size"),
    (dict(energies=[0.0, 1.0], seed=-3), ValueError, "seed"),
    (dict(energies=[0.0, 1.0], seed="abc"), TypeError, "seed"),
    (dict(energies=[0.0, 1.0], temperature=0), ValueError, "temperature"),
])
def test_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        boltz.sample_boltzmann(**kwargs)
