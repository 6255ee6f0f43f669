"""Multi-spin-coded annealing (Annealer(multispin=True)): 64 reads per machine word.

Truth: exact enumeration (Boltzmann distribution of the final states at a fixed beta),
the model's own energy function on the returned states, the single-spin annealer's
initial states, and ground states known by construction.
"""
import numpy as np
import pytest
from scipy.stats import chi2

import boltz
from boltz.spin._multispin import LANES, MultiSpinReads, pack, unpack
from ising_exact import chi_square, exact_distribution, state_index


def pm_j_model(n, density, seed, magnitude=1.0):
    """A random ±J model (couplings ±magnitude, no fields) on n spins."""
    rng = np.random.default_rng(seed)
    J = np.triu(rng.choice([-magnitude, magnitude], (n, n))
                * (rng.random((n, n)) < density), 1)
    return boltz.IsingModel(J + J.T), J + J.T


@pytest.mark.parametrize("beta", [0.15, 0.8, 1.2])
def test_final_states_at_a_fixed_beta_are_boltzmann_distributed(beta):
    # beta 0.15: every decision bit by bit; 0.8 and 1.2: the "no lane flips" shortcut
    # for the costly levels (p = e^(-2 beta k) below 1 - 2^(-1/64), about 0.0108: k >= 3,
    # k >= 2), bit by bit for the others. Colder, this model's four ground states (two
    # pairs s, -s) stop mixing within the run, for single-spin sweeps as well.
    model, J = pm_j_model(6, 0.8, seed=3)
    reads = 64 * 200
    result = boltz.Annealer(schedule=np.full(500, beta), multispin=True).sample(
        model, num_reads=reads, seed=11)
    counts = np.bincount(state_index(result.final_states), minlength=2**6)
    statistic, dof = chi_square(counts, exact_distribution(J, None, beta))
    assert chi2.sf(statistic, dof) > 1e-4
    np.testing.assert_array_equal(result.final_energies, model.energy(result.final_states))


@pytest.mark.parametrize("n, density", [(40, 0.1), (24, 1.0), (70, 0.05)])
def test_energies_are_those_of_the_states(n, density):
    # sparse with isolated spins, complete (degree 23: five count bits), reads not a
    # multiple of 64, couplings of magnitude 0.5
    model, _ = pm_j_model(n, density, seed=n, magnitude=0.5)
    result = boltz.Annealer(num_sweeps=50, multispin=True).sample(model, num_reads=70,
                                                                 seed=1, record_every=10)
    np.testing.assert_allclose(result.energies, model.energy(result.states))
    np.testing.assert_allclose(result.final_energies, model.energy(result.final_states))
    assert np.all(result.energies <= result.final_energies)
    np.testing.assert_allclose(result.trace_energies[-1], result.final_energies)
    np.testing.assert_allclose(result.trace_best_energies[-1], result.energies)
    assert np.all(np.diff(result.trace_best_energies, axis=0) <= 0)


def multispin_sweep_work(model, groups):
    """Work units of one sweep of `groups` groups (MultiSpinReads' measure)."""
    reads = MultiSpinReads(model, 64 * groups, 0, None, 1)
    return reads._work(1)


def test_pack_and_unpack_are_inverse():
    spins = np.where(np.random.default_rng(0).random((70, 9)) < 0.5, -1, 1).astype(np.int8)
    words = pack(spins, 2)
    assert words.shape == (2, 9) and words.dtype == np.uint64
    np.testing.assert_array_equal(unpack(words, 70), spins)
    # bit l of word [g, i] is read 64 g + l's spin i
    assert bool(words[1, 3] >> np.uint64(5) & np.uint64(1)) == (spins[LANES + 5, 3] < 0)


def test_same_result_for_any_thread_count_and_block_cutting(monkeypatch):
    model, _ = pm_j_model(60, 0.1, seed=2)
    runs = [boltz.Annealer(num_sweeps=400, multispin=True, num_threads=t).sample(
        model, num_reads=150, seed=5) for t in (1, 2)]
    np.testing.assert_array_equal(runs[0].states, runs[1].states)
    np.testing.assert_array_equal(runs[0].final_states, runs[1].final_states)
    # an interrupted run (blocks of 7 sweeps; the function is true at its fourth call)
    # equals a fresh run along the sweeps it did
    monkeypatch.setattr("boltz.spin._multispin.BLOCK_WORK",
                        7 * multispin_sweep_work(model, 3))
    calls = []
    stopped = boltz.Annealer(num_sweeps=400, multispin=True, num_threads=1).sample(
        model, num_reads=150, seed=5,
        interrupt_function=lambda: len(calls) == 3 or calls.append(1))
    done = stopped.info["sweeps_done"]
    assert stopped.info["stopped_by"] == "interrupt_function" and done == 28
    fresh = boltz.Annealer(schedule=runs[0].info["betas"][:done], multispin=True).sample(
        model, num_reads=150, seed=5)
    np.testing.assert_array_equal(stopped.final_states, fresh.final_states)


def test_initial_states_are_those_of_single_spin_sweeps():
    # zero sweeps of effect: beta so large that no uphill flip happens and the model has
    # no couplings to go downhill along -> compare through a model without bonds
    model = boltz.IsingModel(np.zeros((5, 5)))
    start = [boltz.Annealer(schedule=[50.0], multispin=m).sample(model, num_reads=3, seed=9)
             for m in (True, False)]
    # an isolated spin always flips (dE = 0): one sweep flips every spin of every read
    np.testing.assert_array_equal(start[0].final_states, start[1].final_states)


def test_target_energy_stops_reads_where_an_unstopped_run_reached_it():
    model, _ = pm_j_model(50, 0.1, seed=4)
    free = boltz.Annealer(num_sweeps=300, multispin=True).sample(model, num_reads=100,
                                                                seed=3, record_every=1)
    target = float(np.median(free.energies))
    hit = boltz.Annealer(num_sweeps=300, multispin=True).sample(
        model, num_reads=100, seed=3, target_energy=target)
    first = np.argmax(free.trace_energies <= target + 1e-9, axis=0) + 1
    reached = np.any(free.trace_energies <= target + 1e-9, axis=0)
    sweeps = hit.info["sweeps_to_target"]
    np.testing.assert_array_equal(sweeps[reached], first[reached])
    assert np.all(sweeps[~reached] == -1)
    assert np.all(hit.energies[reached] <= target + 1e-9)
    np.testing.assert_array_equal(hit.final_states[~reached], free.final_states[~reached])
    np.testing.assert_array_equal(hit.final_states[reached], hit.states[reached])


def test_ground_states_and_cycles_and_polish():
    ferro = boltz.IsingModel.square_lattice(16)                  # ground state -512
    result = boltz.Annealer(num_sweeps=500, num_cycles=2, polish=True,
                            multispin=True).sample(ferro, num_reads=64, seed=1)
    assert result.best_energy == -512.0
    np.testing.assert_allclose(result.energies, ferro.energy(result.states))
    # polished: no single flip lowers any read's energy
    fields = result.states @ ferro.couplings_dense()
    assert np.all(result.states * fields >= 0)


@pytest.mark.parametrize("model, annealer, match", [
    (boltz.IsingModel(np.array([[0, 1.0], [1.0, 0]]), h=[0.5, 0]), {}, "fields"),
    (boltz.IsingModel(np.array([[0, 1.0, 2.0], [1.0, 0, 0], [2.0, 0, 0]])), {}, "magnitude"),
    (boltz.IsingModel.square_lattice(4), {"method": "gibbs"}, "metropolis"),
    (boltz.IsingModel.square_lattice(4), {"order": "random"}, "sequential"),
])
def test_models_and_options_it_cannot_run_are_refused(model, annealer, match):
    with pytest.raises(ValueError, match=match):
        boltz.Annealer(multispin=True, **annealer).sample(model, num_reads=4)
    with pytest.raises(TypeError, match="multispin"):
        boltz.Annealer(multispin="yes").sample(boltz.IsingModel.square_lattice(4))
    lattice = boltz.IsingModel.square_lattice(4)
    with pytest.raises(ValueError, match="clamped"):
        boltz.Annealer(multispin=True).sample(lattice, initial_states=np.ones(16),
                                              clamped=np.eye(16, dtype=bool)[0])


@pytest.mark.parametrize("leaves", [255, 256])
def test_the_largest_degree_and_extreme_targets(leaves):
    # a ferromagnetic star: its centre has `leaves` neighbours; 255 is the kernel's limit
    centre = np.zeros(leaves, dtype=np.int64)
    model = boltz.IsingModel((centre, np.arange(1, leaves + 1), np.ones(leaves)),
                             num_spins=leaves + 1)
    annealer = boltz.Annealer(num_sweeps=20, multispin=True)
    if leaves > 255:
        with pytest.raises(ValueError, match="255"):
            annealer.sample(model, num_reads=64)
        return
    result = annealer.sample(model, num_reads=64, seed=0)
    np.testing.assert_array_equal(result.energies, model.energy(result.states))
    everyone = annealer.sample(model, num_reads=64, seed=0, target_energy=1e300)
    assert np.all(everyone.info["sweeps_to_target"] == 1)
    assert everyone.info["stopped_by"] == "target_energy"
    no_one = annealer.sample(model, num_reads=64, seed=0, target_energy=-1e300)
    assert np.all(no_one.info["sweeps_to_target"] == -1)
    np.testing.assert_array_equal(no_one.states, result.states)
