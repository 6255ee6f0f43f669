"""Thermodynamics and Boltzmann sampling against straightforward NumPy (single thread)."""
import numpy as np
import pytest
import scipy.special as sp

import boltz

LEVELS = np.random.default_rng(2).uniform(0, 10, size=2000)
TEMPS = np.linspace(0.1, 10, 500)


def numpy_thermodynamics(e, temps):
    logits = -e[None, :] / temps[:, None]
    log_z = sp.logsumexp(logits, axis=1)
    p = np.exp(logits - log_z[:, None])
    u = p @ e
    var = np.einsum("ij,ij->i", p, (e[None, :] - u[:, None]) ** 2)
    return log_z, u, var / temps**2


@pytest.mark.benchmark(group="thermodynamics 2000 levels x 500 T")
def test_thermodynamics_boltz(benchmark):
    th = benchmark(boltz.thermodynamics, LEVELS, TEMPS, num_threads=1)
    _log_z, _u, c = numpy_thermodynamics(LEVELS, TEMPS)
    np.testing.assert_allclose(th.heat_capacity, c, rtol=1e-9)


@pytest.mark.benchmark(group="thermodynamics 2000 levels x 500 T")
def test_thermodynamics_numpy(benchmark):
    benchmark(numpy_thermodynamics, LEVELS, TEMPS)


Q = np.random.default_rng(3).standard_normal((10**4, 32))


def numpy_boltzmann_exploration(q, temperature, rng):
    p = sp.softmax(q / temperature, axis=1)
    u = rng.random((q.shape[0], 1))
    return (np.cumsum(p, axis=1) > u).argmax(axis=1)


@pytest.mark.benchmark(group="Boltzmann exploration (1e4 rows, 32 actions)")
def test_sample_rows_boltz(benchmark):
    a = benchmark(boltz.sample_boltzmann, -Q, 0.5, seed=0, num_threads=1)
    assert a.shape == (10**4,)


@pytest.mark.benchmark(group="Boltzmann exploration (1e4 rows, 32 actions)")
def test_sample_rows_numpy(benchmark):
    benchmark(numpy_boltzmann_exploration, Q, 0.5, np.random.default_rng(0))


E = np.random.default_rng(4).uniform(0, 5, size=1000)


@pytest.mark.benchmark(group="sample 1e6 states from 1000 levels")
def test_sample_many_boltz(benchmark):
    d = benchmark(boltz.sample_boltzmann, E, 1.0, size=10**6, seed=0, num_threads=1)
    assert d.shape == (10**6,)


@pytest.mark.benchmark(group="sample 1e6 states from 1000 levels")
def test_sample_many_numpy(benchmark):
    p = sp.softmax(-E)
    benchmark(np.random.default_rng(0).choice, E.size, size=10**6, p=p)
