"""Annealer: ground states, schedules, reheating, beta range, seeds, threads, errors."""
import math

import numpy as np
import pytest

import boltz
from boltz.spin.annealing import default_beta_range
from ising_exact import (
    all_states,
    chi_square,
    exact_distribution,
    exact_energies,
    state_index,
)


def test_ferromagnet_reaches_the_ground_state():
    model = boltz.IsingModel.square_lattice(16)
    result = boltz.Annealer(num_sweeps=500).sample(model, num_reads=4, seed=1)
    assert result.best_energy == -512.0
    assert abs(result.best_state.sum()) == 256
    assert result.states.shape == (4, 256) and result.states.dtype == np.int8
    np.testing.assert_array_equal(result.energies, model.energy(result.states))


@pytest.mark.parametrize("method, schedule, storage", [
    ("metropolis", "geometric", "dense"), ("gibbs", "linear", "sparse"),
    ("metropolis", "linear", "sparse"), ("gibbs", "geometric", "dense")])
def test_finds_exact_ground_state_of_a_small_spin_glass(method, schedule, storage, rng):
    n = 14
    J = np.triu(rng.standard_normal((n, n)), 1)
    J, h = J + J.T, 0.3 * rng.standard_normal(n)
    model = boltz.IsingModel(J, h, storage=storage)
    ground = exact_energies(J, h).min()
    # a linear ramp to the (very cold) default end would be a quench: give it a range
    beta_range = (0.05, 5.0) if schedule == "linear" else None
    result = boltz.Annealer(num_sweeps=400, method=method, schedule=schedule,
                            beta_range=beta_range).sample(model, num_reads=16, seed=2)
    assert result.best_energy == pytest.approx(ground, abs=1e-12)
    # most reads end at the ground state of such a small instance
    assert np.mean(np.isclose(result.energies, ground)) >= 0.5


def test_states_are_the_best_each_read_visited(rng):
    model = boltz.IsingModel.sherrington_kirkpatrick(40, seed=5)
    result = boltz.Annealer(num_sweeps=200).sample(model, num_reads=6, seed=3)
    assert np.all(result.energies >= result.best_energy)
    assert result.best_energy == pytest.approx(model.energy(result.best_state))


def test_array_schedule_and_sweeps_per_beta():
    model = boltz.IsingModel.square_lattice(6)
    betas = np.geomspace(0.05, 3.0, 50)
    ann = boltz.Annealer(schedule=betas, num_sweeps_per_beta=4)
    result = ann.sample(model, num_reads=2, seed=0)
    assert result.info["num_sweeps"] == 200
    np.testing.assert_array_equal(result.info["betas"], np.repeat(betas, 4))
    assert result.info["beta_range"] == (0.05, 3.0)


def test_default_beta_range_follows_the_couplings():
    model = boltz.IsingModel.square_lattice(5, J=2.0)
    hot, cold = default_beta_range(model)
    # largest flip cost 2 * 4 * |J| = 16 accepted with probability 1/2; the smallest step
    # 2 |J| = 4 undone at one of the 25 spins with probability 1/100 in all
    assert hot == pytest.approx(math.log(2) / 16)
    assert cold == pytest.approx(math.log(100 * 25) / 4)
    result = boltz.Annealer(num_sweeps=10).sample(model, num_reads=1, seed=0)
    assert result.info["beta_range"] == pytest.approx((hot, cold))


def test_reheating_never_loses_the_best_state(rng):
    model = boltz.IsingModel.sherrington_kirkpatrick(60, seed=8)
    one = boltz.Annealer(num_sweeps=50).sample(model, num_reads=4, seed=4)
    three = boltz.Annealer(num_sweeps=50, num_cycles=3).sample(model, num_reads=4, seed=4)
    # the first cycle is the same run; later cycles start from each read's best state
    assert np.all(three.energies <= one.energies + 1e-12)
    assert three.info["reheat_beta"] == pytest.approx(math.sqrt(
        three.info["beta_range"][0] * three.info["beta_range"][1]))


def test_initial_states_at_zero_temperature_stay_put():
    model = boltz.IsingModel.square_lattice(4)
    start = np.ones((3, 16))
    result = boltz.Annealer(schedule=[1e6] * 5).sample(model, num_reads=3, seed=0,
                                                        initial_states=start)
    np.testing.assert_array_equal(result.states, start)


def test_bit_identical_for_any_thread_count(rng):
    for model in (boltz.IsingModel.sherrington_kirkpatrick(50, seed=1),
                  boltz.IsingModel.square_lattice(12)):
        runs = [boltz.Annealer(num_sweeps=100, num_threads=t).sample(model, num_reads=9,
                                                                     seed=11)
                for t in (1, 2, 3)]
        for r in runs[1:]:
            assert np.array_equal(r.states, runs[0].states)
            assert np.array_equal(r.energies, runs[0].energies)


def test_float32_model_anneals():
    model = boltz.IsingModel.sherrington_kirkpatrick(30, seed=2, dtype=np.float32)
    ref = boltz.IsingModel.sherrington_kirkpatrick(30, seed=2)
    result = boltz.Annealer(num_sweeps=300).sample(model, num_reads=8, seed=1)
    # energies are reported in float64 from float32 couplings
    assert result.best_energy == pytest.approx(ref.energy(result.best_state), rel=1e-6)


def test_small_exact_check_of_best_energy():
    J = -np.ones((3, 3)) + np.eye(3)       # antiferromagnetic triangle: frustrated
    model = boltz.IsingModel(J)
    ground = exact_energies(J).min()
    assert boltz.Annealer(num_sweeps=20).sample(model, seed=0).best_energy == ground
    assert all_states(3).shape == (8, 3)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(num_sweeps=0), ValueError, "num_sweeps"),
    (dict(num_sweeps=10, num_sweeps_per_beta=3), ValueError, "multiple"),
    (dict(schedule="cosine"), ValueError, "schedule"),
    (dict(schedule=[]), ValueError, "schedule"),
    (dict(schedule=[1.0, -1.0]), ValueError, "schedule"),
    (dict(schedule=[1.0, 2.0], num_sweeps=7), ValueError, "num_sweeps"),
    (dict(beta_range=(2.0, 1.0)), ValueError, "beta_range"),
    (dict(beta_range=5), TypeError, "beta_range"),
    (dict(method="exact"), ValueError, "method"),
    (dict(num_cycles=0), ValueError, "num_cycles"),
    (dict(num_threads=-2), ValueError, "num_threads"),
    (dict(num_cycles=2, reheat_beta=1e9), ValueError, "reheat_beta"),
])
def test_bad_parameters(kwargs, exc, word):
    model = boltz.IsingModel.square_lattice(3)
    with pytest.raises(exc, match=word):
        boltz.Annealer(**kwargs).sample(model, num_reads=2, seed=0)


def test_bad_sample_arguments():
    model = boltz.IsingModel.square_lattice(3)
    with pytest.raises(ValueError, match="num_reads"):
        boltz.Annealer().sample(model, num_reads=0)
    with pytest.raises(TypeError, match="model"):
        boltz.Annealer().sample("model")
    with pytest.raises(ValueError, match="initial_states"):
        boltz.Annealer().sample(model, num_reads=2, initial_states=np.ones((3, 9)))
    # refused before the one row is repeated num_reads times (a MemoryError before)
    with pytest.raises(ValueError, match=r"num_reads=10+ needs"):
        boltz.Annealer().sample(model, num_reads=10**12, initial_states=np.ones(9))


@pytest.mark.parametrize("num_threads", [1, 2])
def test_recording_energies_does_not_change_the_anneal(num_threads):
    model = boltz.IsingModel.sherrington_kirkpatrick(48, seed=7)
    annealer = boltz.Annealer(num_sweeps=203, num_cycles=3, num_threads=num_threads)
    plain = annealer.sample(model, num_reads=5, seed=11)
    traced = annealer.sample(model, num_reads=5, seed=11, record_every=7)
    np.testing.assert_array_equal(plain.states, traced.states)
    np.testing.assert_array_equal(plain.energies, traced.energies)
    assert plain.trace_sweeps is None and plain.trace_energies is None
    total = traced.info["sweeps_done"]
    expected = np.r_[np.arange(7, total + 1, 7), total] if total % 7 else np.arange(7, total + 1, 7)
    np.testing.assert_array_equal(traced.trace_sweeps, expected)
    assert traced.trace_energies.shape == traced.trace_best_energies.shape == (expected.size, 5)
    np.testing.assert_allclose(traced.trace_best_energies[-1], traced.energies, atol=1e-9)
    assert np.all(traced.trace_energies >= traced.trace_best_energies - 1e-9)
    assert np.all(np.diff(traced.trace_best_energies, axis=0) <= 1e-9)


def test_recorded_energies_are_energies_of_the_model():
    """On the 4x4 ferromagnet every energy is -32 + 4k (unsatisfied bonds come in pairs):
    the records are real energies, and the cold end reaches the ground state -32."""
    model = boltz.IsingModel.square_lattice(4)
    result = boltz.Annealer(num_sweeps=300, order="random").sample(model, num_reads=4, seed=2,
                                                                   record_every=1)
    assert result.trace_sweeps.tolist() == list(range(1, 301))
    assert np.all((result.trace_energies + 32) % 4 == 0)
    assert np.all(result.trace_best_energies[-1] == -32)


def test_record_every_is_checked():
    model = boltz.IsingModel.square_lattice(4)
    with pytest.raises(ValueError, match="record_every"):
        boltz.Annealer(num_sweeps=10).sample(model, record_every=0)
    with pytest.raises(TypeError, match="record_every"):
        boltz.Annealer(num_sweeps=10).sample(model, record_every=2.0)


def test_records_agree_with_shorter_anneals():
    """The first k sweeps of a schedule given as an array are an anneal of their own (same
    seed, same random streams): its reads' best energies, recomputed from their states, are
    the records at sweep k. With a record after every sweep, each record's best is the
    previous best or the current energy, whichever is lower."""
    model = boltz.IsingModel.sherrington_kirkpatrick(24, seed=5)
    betas = np.geomspace(0.05, 3.0, 40)
    full = boltz.Annealer(schedule=betas, num_threads=1).sample(model, num_reads=4, seed=9,
                                                                record_every=1)
    for k in (1, 7, 20, 40):
        short = boltz.Annealer(schedule=betas[:k], num_threads=1).sample(model, num_reads=4,
                                                                         seed=9)
        np.testing.assert_allclose(full.trace_best_energies[k - 1], short.energies,
                                   rtol=1e-12, atol=1e-12)
    best, current = full.trace_best_energies, full.trace_energies
    np.testing.assert_array_equal(best[1:], np.minimum(best[:-1], current[1:]))


@pytest.mark.slow
@pytest.mark.parametrize("method, order", [("metropolis", "random"), ("gibbs", "sequential")])
def test_final_states_at_a_fixed_beta_are_boltzmann_distributed(method, order, rng):
    # the final state of each read of a long run at constant beta is a draw from
    # p(s) ∝ exp(-beta E(s)): its histogram against exact enumeration (chi-squared). Long:
    # strong couplings make two modes that single flips cross in hundreds of sweeps.
    from scipy.stats import chi2

    n, beta, reads = 5, 0.6, 20000
    J = np.triu(rng.normal(0, 1, (n, n)), 1)
    J = J + J.T
    h = rng.normal(0, 0.5, n)
    model = boltz.IsingModel(J, h=h)
    result = boltz.Annealer(schedule=np.full(1000, beta), method=method,
                            order=order).sample(model, num_reads=reads, seed=7)
    counts = np.bincount(state_index(result.final_states), minlength=2**n)
    statistic, dof = chi_square(counts, exact_distribution(J, h, beta))
    assert chi2.sf(statistic, dof) > 1e-4
    np.testing.assert_allclose(result.final_energies, model.energy(result.final_states))
    # the best states are something else: never above the final ones
    assert np.all(result.energies <= result.final_energies + 1e-12)
