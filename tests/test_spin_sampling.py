"""boltz.sample: Boltzmann statistics against exact enumeration and Onsager, seeds, threads."""
import numpy as np
import pytest
from scipy import stats

import boltz
from boltz._core import _spin_sweeps
from boltz.spin import _chains, _ising_storage
from ising_exact import (
    all_states,
    chi_square,
    exact_distribution,
    exact_moments,
    onsager_energy_per_spin,
    state_index,
    yang_magnetization,
)


def frustrated_model(rng, n=8, storage="dense", dtype=np.float64):
    """Random couplings of both signs (frustrated) and fields."""
    J = np.triu(rng.standard_normal((n, n)) * 0.6 * (rng.random((n, n)) < 0.7), 1)
    J = J + J.T
    h = rng.standard_normal(n) * 0.3
    return boltz.IsingModel(J, h, storage=storage, dtype=dtype), J, h


METHOD_CASES = [(m, o, s, d) for m in ("metropolis", "gibbs") for o in ("sequential", "random")
                for s, d in (("dense", np.float64), ("dense", np.float32),
                             ("sparse", np.float64), ("sparse", np.float32))]


@pytest.mark.parametrize("method, order, storage, dtype", METHOD_CASES)
def test_state_frequencies_match_enumeration(method, order, storage, dtype, rng):
    model, J, h = frustrated_model(rng, 8, storage, dtype)
    beta = 0.8
    thin = 3 if order == "sequential" else 6      # random sites mix a little slower
    trace = boltz.sample(model, beta, num_chains=32, num_sweeps=2000 * thin, burn_in=50,
                         thin=thin, method=method, order=order, seed=12, return_states=True)
    # thinned enough that the records are nearly independent: chi-square applies
    assert trace.autocorrelation_time < 1.6
    counts = np.bincount(state_index(trace.states.reshape(-1, 8)), minlength=256)
    chi2, dof = chi_square(counts, exact_distribution(J, h, beta))
    # a correct sampler fails at most 1 in 10^4 runs (tau ~ 1 inflates chi2 only slightly)
    limit = stats.chi2.ppf(1 - 1e-4, dof) * trace.autocorrelation_time
    assert chi2 < limit, (chi2, limit)


@pytest.mark.parametrize("method", ["metropolis", "gibbs"])
def test_moments_within_standard_errors(method, rng):
    model, J, h = frustrated_model(rng, 10, "sparse")
    beta = 1.0
    trace = boltz.sample(model, beta, num_chains=16, num_sweeps=5000, burn_in=100,
                         method=method, seed=3, return_states=True)
    exact = exact_moments(J, h, beta)
    assert abs(trace.mean_energy - exact["mean_energy"]) < 4 * trace.mean_energy_se
    # pair correlations <s_i s_j>, each within 4 standard errors (tau from the energy)
    s = trace.states.reshape(-1, 10).astype(float)
    corr = s.T @ s / len(s)
    se = np.sqrt((1 - exact["correlations"] ** 2) * trace.autocorrelation_time / len(s))
    assert np.all(np.abs(corr - exact["correlations"]) <= 4.5 * se + 1e-12)
    # heat capacity beta^2 Var(E): per-chain spread as the error
    assert abs(trace.heat_capacity - exact["heat_capacity"]) < 4 * trace.heat_capacity_se


@pytest.mark.parametrize("T", [1.5, 3.5])
def test_2d_ferromagnet_matches_onsager(T):
    L = 64
    model = boltz.IsingModel.square_lattice(L)
    start = np.ones(L * L) if T < 2.27 else None
    trace = boltz.sample(model, 1 / T, num_chains=4, num_sweeps=1500, burn_in=300,
                         seed=7, initial_states=start)
    u = trace.mean_energy / L**2
    se = trace.mean_energy_se / L**2
    assert abs(u - onsager_energy_per_spin(T)) < 4 * se + 2e-4   # + finite-size allowance
    if T < 2.27:
        m, m_se = trace.mean_abs_magnetization, trace.mean_abs_magnetization_se
        assert abs(m - yang_magnetization(T)) < 4 * m_se + 2e-4


def test_trace_shapes_thinning_and_final_states(rng):
    model, _, _ = frustrated_model(rng, 6)
    trace = boltz.sample(model, 0.5, num_chains=3, num_sweeps=100, burn_in=10, thin=7,
                         seed=1, return_states=True)
    assert trace.energies.shape == (3, 14) and trace.magnetizations.shape == (3, 14)
    assert trace.states.shape == (3, 14, 6)
    # recorded energies are the energies of the recorded states
    np.testing.assert_allclose(model.energy(trace.states.reshape(-1, 6)),
                               trace.energies.ravel(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(trace.magnetizations, trace.states.mean(axis=2), atol=1e-15)
    assert trace.final_states.shape == (3, 6) and trace.final_states.dtype == np.int8
    assert not trace.interrupted
    assert boltz.sample(model, 0.5, num_chains=2, num_sweeps=10, seed=1).states is None


def test_zero_beta_is_uniform():
    model = boltz.IsingModel.square_lattice(3)
    trace = boltz.sample(model, 0.0, num_chains=8, num_sweeps=2000, burn_in=0, seed=2,
                         method="gibbs", return_states=True)
    ones = (trace.states == 1).mean()
    assert abs(ones - 0.5) < 5 * np.sqrt(0.25 / trace.states.size * 2)


@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_bit_identical_for_any_thread_count(storage, rng):
    model, _, _ = frustrated_model(rng, 30, storage)
    runs = [boltz.sample(model, 0.7, num_chains=7, num_sweeps=200, burn_in=20, seed=99,
                         num_threads=t, order="random") for t in (1, 2, 3)]
    for r in runs[1:]:
        assert np.array_equal(r.energies, runs[0].energies)
        assert np.array_equal(r.final_states, runs[0].final_states)


def test_seeds(rng):
    model, _, _ = frustrated_model(rng, 12)
    a = boltz.sample(model, 0.5, num_chains=2, num_sweeps=50, seed=5)
    b = boltz.sample(model, 0.5, num_chains=2, num_sweeps=50, seed=5)
    c = boltz.sample(model, 0.5, num_chains=2, num_sweeps=50, seed=6)
    assert np.array_equal(a.energies, b.energies)
    assert not np.array_equal(a.energies, c.energies)


def test_initial_states_are_used():
    model = boltz.IsingModel.square_lattice(4)
    trace = boltz.sample(model, 50.0, num_chains=2, num_sweeps=5, burn_in=0, seed=0,
                         initial_states=-np.ones(16))
    assert np.all(trace.energies == -32.0)
    assert np.all(trace.final_states == -1)


def test_ctrl_c_keeps_finished_blocks(monkeypatch):
    model = boltz.IsingModel.square_lattice(4)
    monkeypatch.setattr(_chains.Chains, "block_sweeps", lambda self, order: 10)  # 10 a block
    calls = {"n": 0}
    original = _chains.Chains.sweep

    def interrupting(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_chains.Chains, "sweep", interrupting)
    trace = boltz.sample(model, 0.3, num_chains=2, num_sweeps=100, burn_in=0, seed=0)
    assert trace.interrupted
    assert trace.energies.shape == (2, 30)          # three finished blocks of 10 sweeps
    assert np.all(np.isfinite(trace.energies))


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(beta=-1.0), ValueError, "beta"),
    (dict(beta="hot"), TypeError, "beta"),
    (dict(beta=np.nan), ValueError, "beta"),
    (dict(num_chains=0), ValueError, "num_chains"),
    (dict(num_sweeps=2.5), TypeError, "num_sweeps"),
    (dict(burn_in=-1), ValueError, "burn_in"),
    (dict(thin=0), ValueError, "thin"),
    (dict(num_sweeps=5, thin=10), ValueError, "thin"),
    (dict(method="wolff"), ValueError, "method"),
    (dict(order="backwards"), ValueError, "order"),
    (dict(initial_states=np.ones(5)), ValueError, "initial_states"),
    (dict(initial_states=np.zeros(4)), ValueError, "initial_states"),
    (dict(initial_states=np.ones((3, 4))), ValueError, "initial_states"),
    (dict(num_threads=0), ValueError, "num_threads"),
    (dict(seed="x"), TypeError, "seed"),
])
def test_bad_input(kwargs, exc, word):
    model = boltz.IsingModel.square_lattice(2)
    args = dict(beta=0.5, num_chains=2, num_sweeps=10)
    args.update(kwargs)
    with pytest.raises(exc, match=word):
        boltz.sample(model, **args)


def test_model_must_be_an_ising_model():
    with pytest.raises(TypeError, match="model"):
        boltz.sample(np.zeros((2, 2)), 1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", ["metropolis", "gibbs"])
def test_vector_lane_kernel_equals_one_chain_kernel(dtype, method):
    # Sparse models sweep four chains per vector lane when each thread has >= 4 chains
    # (here: 8 chains, 1 thread) and one chain at a time otherwise (8 chains, 3 threads).
    # Both must give the very same chains, including recorded states.
    model = boltz.IsingModel.square_lattice(10, J=-0.7, h=0.3, dtype=dtype)
    lanes, single = (boltz.sample(model, 0.4, num_chains=8, num_sweeps=200, burn_in=5,
                                  seed=5, num_threads=t, method=method, return_states=True)
                     for t in (1, 3))
    assert np.array_equal(lanes.states, single.states)
    assert np.array_equal(lanes.energies, single.energies)
    assert np.array_equal(lanes.final_states, single.final_states)
    annealed = [boltz.Annealer(num_sweeps=150, method=method, num_threads=t).sample(
        model, num_reads=8, seed=2) for t in (1, 3)]
    assert np.array_equal(annealed[0].states, annealed[1].states)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", ["metropolis", "gibbs"])
@pytest.mark.parametrize("beta, threads", [(0.7, 2), (0.05, 1)])
def test_dense_block_kernel_equals_sparse_kernel(dtype, method, beta, threads, rng):
    # Dense models sweep a block of spins at a time with delayed field updates; sparse ones
    # update the neighbours after every flip. With couplings that are multiples of 1/8 no
    # sum rounds, so both must make the very same decisions. n = 83 leaves a partial block
    # and partial column tiles; the clamped spins sit inside blocks and at their edges.
    # Hot (beta = 0.05, 8 chains on one thread): most chains flip most spins of a block, and
    # groups of chains share each coupling row (dense_update_impl.h, shared_update).
    n = 83
    J = np.triu(rng.integers(-8, 9, (n, n)) / 8.0 * (rng.random((n, n)) < 0.5), 1)
    J = J + J.T
    h = rng.integers(-4, 5, n) / 8.0
    mask = np.zeros(n, dtype=bool)
    mask[[0, 5, 31, 32, 63, 64, 82]] = True
    start = np.where(rng.random(n) < 0.5, 1, -1)
    runs = [boltz.sample(boltz.IsingModel(J, h, storage=storage, dtype=dtype), beta,
                         num_chains=8, num_sweeps=40, seed=9, method=method,
                         initial_states=start, clamped=mask, return_states=True,
                         num_threads=threads) for storage in ("dense", "sparse")]
    assert np.array_equal(runs[0].states, runs[1].states)
    assert np.array_equal(runs[0].energies, runs[1].energies)
    assert np.all(runs[0].final_states[:, mask] == start[mask])


@pytest.mark.parametrize("storage, order, threads", [("dense", "sequential", 1),
                                                     ("sparse", "sequential", 1),
                                                     ("sparse", "random", 2)])
def test_clamped_spins_give_the_conditional_distribution(storage, order, threads, rng):
    model, J, h = frustrated_model(rng, 8, storage)
    beta = 0.8
    mask = np.zeros(8, dtype=bool)
    mask[[1, 5]] = True
    start = np.ones(8)
    start[5] = -1
    thin = 3 if order == "sequential" else 6
    trace = boltz.sample(model, beta, num_chains=8, num_sweeps=1500 * thin, burn_in=20,
                         thin=thin, order=order, seed=4, num_threads=threads,
                         initial_states=start, clamped=mask, return_states=True)
    states = trace.states.reshape(-1, 8)
    assert np.all(states[:, 1] == 1) and np.all(states[:, 5] == -1)
    # exact conditional: Boltzmann weights of the states that agree with the clamped spins
    p = exact_distribution(J, h, beta)
    agree = (all_states(8)[:, 1] == 1) & (all_states(8)[:, 5] == -1)
    counts = np.bincount(state_index(states), minlength=256)
    chi2, dof = chi_square(counts[agree], p[agree] / p[agree].sum())
    assert chi2 < stats.chi2.ppf(1 - 1e-4, dof) * max(1.0, trace.autocorrelation_time)


@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_clamped_kernels_agree_and_anneal_the_rest(storage):
    lattice = boltz.IsingModel.square_lattice(4, J=-1.0, h=0.3)    # frustrated by the field
    model = boltz.IsingModel(lattice.couplings_dense(), lattice.h, storage=storage)
    mask = np.zeros(16, dtype=bool)
    mask[:4] = True                                               # first row held up
    start = np.ones(16)
    # 8 chains on 1 thread: vector lanes (sparse) or lockstep groups (dense);
    # on 3 threads: one chain at a time. Same chains either way.
    runs = [boltz.sample(model, 0.5, num_chains=8, num_sweeps=100, seed=1, num_threads=t,
                         initial_states=start, clamped=mask) for t in (1, 3)]
    assert np.array_equal(runs[0].final_states, runs[1].final_states)
    result = boltz.Annealer(num_sweeps=300).sample(model, num_reads=8, seed=2,
                                                   initial_states=start, clamped=mask)
    assert np.all(result.states[:, :4] == 1)
    # the conditional ground state, by enumerating the states that agree with the clamp
    states = all_states(16)
    agree = np.all(states[:, :4] == 1, axis=1)
    exact = model.energy(states[agree]).min()
    assert result.best_energy == pytest.approx(exact, abs=1e-12)
    assert exact > model.energy(states).min()          # the clamp matters here


def test_clamped_argument_checks():
    model = boltz.IsingModel.square_lattice(2)
    with pytest.raises(ValueError, match="initial_states"):
        boltz.sample(model, 0.5, num_sweeps=5, clamped=np.array([True, False, False, False]))
    with pytest.raises(ValueError, match="clamped"):
        boltz.sample(model, 0.5, num_sweeps=5, initial_states=np.ones(4),
                     clamped=np.ones(3, dtype=bool))
    with pytest.raises(TypeError, match="clamped"):
        boltz.sample(model, 0.5, num_sweeps=5, initial_states=np.ones(4), clamped=[1, 0, 0, 0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", [0, 1])
@pytest.mark.parametrize("beta", [0.0, 1e-300, 0.37, 1.0, 3.0, 1e3, 1e300])
def test_lane_thresholds_are_the_exact_decision_boundaries(dtype, method, beta):
    # The vector-lane kernel decides "round(2 beta g) <= t" (flip) and "< t" (not settled by
    # the random byte) as g <= G; G must be the largest such g of the field's type, so that
    # the decisions are those of the one-chain kernel, which computes x = beta * 2 s f.
    out, table = np.empty((2, 257), dtype=dtype), np.empty(257)
    _spin_sweeps.lane_thresholds(beta, method, out, table)
    m = 2.0 * beta
    with np.errstate(over="ignore", invalid="ignore"):
        for row, holds in ((out[0], lambda x, t: x <= t), (out[1], lambda x, t: x < t)):
            g = row.astype(np.float64)
            above = np.nextafter(row, dtype(np.inf)).astype(np.float64)
            finite = np.isfinite(g)
            # numpy's float64 multiply rounds to nearest, as the kernels' does
            assert np.all(holds(m * g[finite], table[finite]))
            up = np.isfinite(above)
            assert not np.any(holds(m * above[up], table[up]))
            # infinite thresholds: every finite value satisfies the condition, or none does
            big = float(np.finfo(dtype).max)
            assert np.all(holds(m * big, table[g == np.inf]))
            assert not np.any(holds(m * -big, table[g == -np.inf]))


@pytest.mark.parametrize("storage", ["sparse", "dense"])
def test_float64_models_exact_in_float32_run_float32_with_the_same_results(storage,
                                                                           monkeypatch):
    # ±1 couplings and half-integer fields: every local field is exact in float32, so the
    # float64 model sweeps float32 fields, with results identical to float64 sweeps.
    rng = np.random.default_rng(3)
    J = np.triu(rng.choice([-1.0, 0.0, 1.0], size=(40, 40)), 1)
    h = rng.integers(-3, 4, 40) / 2
    model = boltz.IsingModel(J + J.T, h=h, storage=storage)
    assert model.dtype == np.float64 and model._kernel_dtype == np.float32
    # the same model with the float32 rule turned off: float64 fields
    monkeypatch.setattr(_ising_storage, "_fields_exact_in_float32", lambda *a: False)
    wide = boltz.IsingModel(J + J.T, h=h, storage=storage)
    assert wide._kernel_dtype == np.float64
    for method in ("metropolis", "gibbs"):
        runs = [boltz.sample(m, 0.8, num_chains=8, num_sweeps=50, seed=4, method=method,
                             num_threads=1, return_states=True) for m in (model, wide)]
        assert np.array_equal(runs[0].states, runs[1].states)
        assert np.array_equal(runs[0].energies, runs[1].energies)
    annealed = [boltz.Annealer(num_sweeps=200, num_threads=1).sample(m, num_reads=8, seed=1)
                for m in (model, wide)]
    assert np.array_equal(annealed[0].states, annealed[1].states)
    assert np.array_equal(annealed[0].energies, annealed[1].energies)


def test_vector_lanes_with_different_betas_and_a_schedule_through_zero():
    # Parallel tempering gives the four lanes of a group four different betas; an annealing
    # schedule that starts at beta = 0 and ends very cold exercises the infinite and the
    # extreme thresholds. 1 thread sweeps in vector lanes, 3 threads one chain at a time.
    model = boltz.IsingModel.square_lattice(12, J=-0.7, h=0.3)
    pt = [boltz.ParallelTempering(np.linspace(0.1, 1.5, 8), num_sweeps=100,
                                  num_threads=t).sample(model, seed=2) for t in (1, 3)]
    assert np.array_equal(pt[0].energies, pt[1].energies)
    assert np.array_equal(pt[0].swap_acceptance, pt[1].swap_acceptance)
    schedule = np.concatenate([[0.0, 0.0], np.geomspace(0.01, 1e4, 60)])
    # 144 spins under a changing beta: the lanes compare x = beta dE directly; 4096 spins:
    # they build the thresholds every sweep (LANE_TABLE_DECISIONS in _spin_sweeps.pyx)
    big = boltz.IsingModel.square_lattice(64, J=-0.7, h=0.3)
    for m, betas in ((model, schedule), (big, schedule[::3])):
        annealed = [boltz.Annealer(schedule=betas, num_threads=t).sample(
            m, num_reads=8, seed=3) for t in (1, 3)]
        assert np.array_equal(annealed[0].states, annealed[1].states)
        assert np.array_equal(annealed[0].energies, annealed[1].energies)
