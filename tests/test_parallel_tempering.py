"""ParallelTempering: swap rates against their exact value, detailed balance, traces."""
import numpy as np
import pytest
from scipy import stats

import boltz
from ising_exact import chi_square, exact_distribution, exact_energies, state_index


def small_model(rng, n=7):
    J = np.triu(rng.standard_normal((n, n)) * 0.7, 1)
    J = J + J.T
    h = 0.2 * rng.standard_normal(n)
    return boltz.IsingModel(J, h), J, h


@pytest.mark.slow
def test_two_replica_swap_rate_matches_its_formula(rng):
    model, J, h = small_model(rng)
    b1, b2 = 0.4, 0.9
    # exact: E over independent Boltzmann states at b1 and b2 of min(1, exp((b1-b2)(E1-E2)))
    e = exact_energies(J, h)
    p1, p2 = exact_distribution(J, h, b1), exact_distribution(J, h, b2)
    ratio = np.exp(np.minimum(0.0, (b1 - b2) * (e[:, None] - e[None, :])))
    exact_rate = p1 @ ratio @ p2
    pt = boltz.ParallelTempering([b1, b2], num_sweeps=20000, burn_in=200, swap_interval=2)
    result = pt.sample(model, seed=4)
    attempts = 20000 // 2
    # attempts are nearly independent here (two sweeps apart, fast mixing): binomial error,
    # inflated by 2 for the residual correlation
    se = np.sqrt(exact_rate * (1 - exact_rate) / attempts) * 2
    assert abs(result.swap_acceptance[0] - exact_rate) < 4 * se


@pytest.mark.slow
def test_every_temperature_keeps_its_boltzmann_distribution(rng):
    model, J, h = small_model(rng, 6)
    betas = [0.2, 0.5, 0.9, 1.4]
    pt = boltz.ParallelTempering(betas, num_sweeps=30000, burn_in=200, swap_interval=3)
    result = pt.sample(model, seed=9, return_states=True)
    for k, beta in enumerate(betas):
        counts = np.bincount(state_index(result.states[k]), minlength=64)
        chi2, dof = chi_square(counts, exact_distribution(J, h, beta))
        # records 3 sweeps apart are not independent: inflate by the energy's tau
        tau = boltz.numerics.mcmc_statistics.integrated_autocorrelation_time(result.energies[k])
        assert chi2 < stats.chi2.ppf(1 - 1e-4, dof) * max(1.0, tau), (beta, chi2)


@pytest.mark.slow
def test_traces_and_curves(rng):
    model = boltz.IsingModel.square_lattice(6)
    betas = np.linspace(0.1, 1.0, 6)
    result = boltz.ParallelTempering(betas, num_sweeps=3000).sample(model, seed=1)
    assert result.energies.shape == (6, 3000) and result.magnetizations.shape == (6, 3000)
    assert np.all(np.diff(result.mean_energy) < 0)
    assert np.all(result.heat_capacity > 0)
    assert np.all((result.swap_acceptance > 0) & (result.swap_acceptance <= 1))
    assert result.best_energy == -72.0
    assert result.final_states.shape == (6, 36)
    assert np.all(result.mean_energy_se > 0)
    assert result.mean_abs_magnetization[-1] > result.mean_abs_magnetization[0]


def test_betas_are_sorted_and_seeds_reproduce(rng):
    model, _, _ = small_model(rng)
    a = boltz.ParallelTempering([0.9, 0.1, 0.5], num_sweeps=200).sample(model, seed=3)
    b = boltz.ParallelTempering([0.1, 0.5, 0.9], num_sweeps=200).sample(model, seed=3)
    np.testing.assert_array_equal(a.betas, [0.1, 0.5, 0.9])
    np.testing.assert_array_equal(a.energies, b.energies)


def test_bit_identical_for_any_thread_count(rng):
    model = boltz.IsingModel.sherrington_kirkpatrick(40, seed=2)
    runs = [boltz.ParallelTempering(np.linspace(0.2, 2.0, 5), num_sweeps=300,
                                    num_threads=t).sample(model, seed=6) for t in (1, 2, 3)]
    for r in runs[1:]:
        assert np.array_equal(r.energies, runs[0].energies)
        assert np.array_equal(r.swap_acceptance, runs[0].swap_acceptance)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(betas=[1.0]), ValueError, "betas"),
    (dict(betas=[0.5, 0.5]), ValueError, "distinct"),
    (dict(betas=[-1.0, 1.0]), ValueError, "betas"),
    (dict(betas=[0.1, 1.0], swap_interval=0), ValueError, "swap_interval"),
    (dict(betas=[0.1, 1.0], num_sweeps=3, swap_interval=5), ValueError, "num_sweeps"),
    (dict(betas=[0.1, 1.0], method="x"), ValueError, "method"),
])
def test_bad_parameters(kwargs, exc, word):
    model = boltz.IsingModel.square_lattice(3)
    with pytest.raises(exc, match=word):
        boltz.ParallelTempering(**kwargs).sample(model, seed=0)
