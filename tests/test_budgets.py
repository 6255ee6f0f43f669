"""Budgets of a run (issue 17): a time limit, a target energy and an interrupt function stop
the samplers between blocks of sweeps, keep everything finished and say why; a target stop
is reproducible to the sweep and the state."""

import numpy as np
import pytest

import boltz
from boltz.spin._chains import block_sweeps


def test_interrupt_function_stops_right_after_the_block_it_said_so():
    model = boltz.IsingModel.square_lattice(16)
    calls = []

    def stop_after_three():
        calls.append(1)
        return len(calls) >= 3

    annealer = boltz.Annealer(num_sweeps=10**6, num_threads=1)
    result = annealer.sample(model, num_reads=4, seed=0, interrupt_function=stop_after_three)
    block = block_sweeps(model, 4, 1)
    assert result.info["stopped_by"] == "interrupt_function"
    assert len(calls) == 3 and result.info["sweeps_done"] == 3 * block
    assert not result.info["interrupted"]
    np.testing.assert_array_equal(result.info["read_sweeps"], 3 * block)


def test_a_time_limited_anneal_is_the_anneal_of_the_sweeps_it_did():
    model = boltz.IsingModel.sherrington_kirkpatrick(64, seed=2)
    annealer = boltz.Annealer(num_sweeps=10**7)
    result = annealer.sample(model, num_reads=6, seed=5, time_limit=0.2)
    k = result.info["sweeps_done"]
    assert result.info["stopped_by"] == "time_limit" and 0 < k < 10**7
    # one cycle: the same states as an anneal along the first k betas of the schedule
    replay = boltz.Annealer(schedule=result.info["betas"][:k]).sample(model, num_reads=6,
                                                                     seed=5)
    np.testing.assert_array_equal(replay.states, result.states)
    np.testing.assert_array_equal(replay.final_states, result.final_states)
    np.testing.assert_array_equal(replay.energies, result.energies)


@pytest.mark.parametrize("record_every", [None, 7])
def test_target_energy_stops_each_read_at_its_first_sweep_there(record_every):
    # the 16 x 16 ferromagnet: ground energy -512; the first sweep at which each read's
    # energy reached the target, from a full per-sweep record of an unstopped anneal
    model = boltz.IsingModel.square_lattice(16, J=1.0)
    target = -500.0
    annealer = boltz.Annealer(num_sweeps=600, beta_range=(0.1, 3.0))
    free = annealer.sample(model, num_reads=8, seed=4, record_every=1)
    reached = free.trace_energies <= target
    first = np.where(reached.any(axis=0), free.trace_sweeps[np.argmax(reached, axis=0)], -1)
    assert (first > 0).sum() >= 4                         # most reads get there
    for threads in (1, 2):
        stopped = boltz.Annealer(num_sweeps=600, beta_range=(0.1, 3.0),
                                 num_threads=threads).sample(
            model, num_reads=8, seed=4, target_energy=target, record_every=record_every)
        np.testing.assert_array_equal(stopped.info["sweeps_to_target"], first)
        hit = first > 0
        # a stopped read's best and final state is its state at that sweep
        for r in np.flatnonzero(hit):
            at = boltz.Annealer(schedule=free.info["betas"][:first[r]]).sample(
                model, num_reads=8, seed=4)
            np.testing.assert_array_equal(stopped.states[r], at.final_states[r])
            np.testing.assert_array_equal(stopped.final_states[r], at.final_states[r])
        assert np.all(stopped.energies[hit] <= target)
        np.testing.assert_array_equal(stopped.info["read_sweeps"][hit], first[hit])
        # the reads that never got there ran the whole schedule, as in the free run
        np.testing.assert_array_equal(stopped.states[~hit], free.states[~hit])
        if record_every is not None:                  # records frozen after a stop
            r = np.flatnonzero(hit)[0]
            after = stopped.trace_sweeps >= first[r]
            assert np.all(stopped.trace_energies[after, r] == stopped.energies[r])


def test_anneal_ends_when_every_read_reached_the_target():
    model = boltz.IsingModel.square_lattice(8)
    result = boltz.Annealer(num_sweeps=20000).sample(model, num_reads=4, seed=1,
                                                     target_energy=-128)
    assert result.info["stopped_by"] == "target_energy"
    assert np.all(result.energies == -128)
    assert np.all((result.info["sweeps_to_target"] > 0)
                  & (result.info["sweeps_to_target"] < 20000))
    np.testing.assert_array_equal(result.info["read_sweeps"], result.info["sweeps_to_target"])


def test_trace_energies_include_the_offset():
    model = boltz.IsingModel(np.array([[0.0, 1.0], [1.0, 0.0]]), offset=5.0)
    result = boltz.Annealer(num_sweeps=20).sample(model, num_reads=3, seed=0,
                                                  record_every=5)
    np.testing.assert_array_equal(result.trace_energies[-1], result.final_energies)
    np.testing.assert_array_equal(result.trace_best_energies[-1], result.energies)


def test_sample_and_tempering_budgets():
    model = boltz.IsingModel.square_lattice(16)
    trace = boltz.sample(model, 0.4, num_sweeps=10**8, seed=1, time_limit=0.1)
    assert trace.info["stopped_by"] == "time_limit"
    assert 0 < trace.info["num_records"] == trace.energies.shape[1] < 10**8
    free = boltz.sample(model, 0.4, num_sweeps=trace.info["num_records"], seed=1)
    np.testing.assert_array_equal(free.energies, trace.energies)    # the records kept

    pt = boltz.ParallelTempering(np.linspace(0.2, 1.5, 8), num_sweeps=10**6)
    hits = [pt.sample(model, seed=3, target_energy=-512) for pt.num_threads in (1, 2)]
    assert hits[0].info["stopped_by"] == "target_energy" and hits[0].best_energy == -512
    assert hits[0].info["steps_to_target"] == hits[1].info["steps_to_target"] > 0
    calls = []
    stopped = pt.sample(model, seed=3, interrupt_function=lambda: calls.append(1) or
                        len(calls) > 20)
    assert stopped.info["stopped_by"] == "interrupt_function" and len(calls) == 21
    assert pt.sample(model, seed=3, time_limit=0.1).info["stopped_by"] == "time_limit"


def test_budget_arguments_are_checked():
    model = boltz.IsingModel.square_lattice(4)
    annealer = boltz.Annealer(num_sweeps=10)
    for kwargs, exc, word in (({"time_limit": 0}, ValueError, "time_limit"),
                              ({"time_limit": "1"}, TypeError, "time_limit"),
                              ({"target_energy": np.nan}, ValueError, "target_energy"),
                              ({"interrupt_function": 3}, TypeError, "interrupt_function")):
        with pytest.raises(exc, match=word):
            annealer.sample(model, **kwargs)
    with pytest.raises(ValueError, match="time_limit"):
        boltz.sample(model, 0.5, time_limit=-1)
    with pytest.raises(TypeError, match="interrupt_function"):
        boltz.ParallelTempering([0.1, 1.0]).sample(model, interrupt_function="stop")


def test_a_run_stopped_before_its_first_record_reads_as_nan():
    # the estimates of no record are undefined: nan, never an error (mcmc_statistics'
    # undefined="nan"), while undefined="raise" still refuses
    from boltz.numerics import mcmc_statistics as stats

    model = boltz.IsingModel.square_lattice(4)
    trace = boltz.sample(model, 0.3, num_sweeps=10, burn_in=10**6, seed=0,
                         interrupt_function=lambda: True)
    assert trace.info["stopped_by"] == "interrupt_function" and trace.energies.shape == (8, 0)
    for name in ("mean_energy", "mean_energy_se", "autocorrelation_time",
                 "effective_sample_size", "mean_abs_magnetization", "heat_capacity"):
        assert np.isnan(getattr(trace, name)), name
    ladder = boltz.ParallelTempering([0.2, 0.5], num_sweeps=10, burn_in=10**6).sample(
        model, seed=0, interrupt_function=lambda: True)
    assert np.all(np.isnan(ladder.mean_energy_se)) and np.all(np.isnan(ladder.mean_energy))
    with pytest.raises(ValueError, match="at least 2 samples"):
        stats.mean_and_standard_error(np.empty((2, 0)))


def _pm_one_model(n=14, seed=7):
    """A random model with couplings and fields +-1 (integers: the running energies and
    fields are exact, so a run's dynamics do not depend on where it resyncs them), and its
    ground energy by enumeration."""
    from ising_exact import exact_energies

    rng = np.random.default_rng(seed)
    J = np.triu(rng.choice([-1.0, 1.0], (n, n)), 1)
    J = J + J.T
    h = rng.choice([-1.0, 0.0, 1.0], n)
    return boltz.IsingModel(J, h), float(exact_energies(J, h).min())


@pytest.mark.parametrize(("burn_in", "thin", "num_sweeps"),
                         [(0, 1, 600), (15, 3, 600), (5, 2, 10)])
@pytest.mark.parametrize("block_work", [None, 3000])
def test_sample_target_energy_stops_each_chain_at_its_first_sweep_there(
        burn_in, thin, num_sweeps, block_work, monkeypatch):
    # an unstopped run recording every sweep from the first (burn-in included) gives each
    # chain's first sweep at or below the target, and its state then; the same whether the
    # run is one block or cut into blocks of a sweep or two (block_work)
    from boltz.spin import _chains

    model, ground = _pm_one_model()
    if block_work is not None:
        monkeypatch.setattr(_chains, "BLOCK_WORK", block_work)
    total = burn_in + num_sweeps
    free = boltz.sample(model, 1.0, num_chains=8, num_sweeps=total, burn_in=0, seed=6,
                        return_states=True)
    reached = free.energies <= ground
    first = np.where(reached.any(axis=1), np.argmax(reached, axis=1) + 1, -1)
    hit = first > 0
    assert hit.sum() >= 4 and (num_sweeps > 100 or not hit.all())
    every = burn_in + thin * np.arange(1, num_sweeps // thin + 1)    # each record's sweep
    for threads in (1, 2):
        run = boltz.sample(model, 1.0, num_chains=8, num_sweeps=num_sweeps, burn_in=burn_in,
                           thin=thin, seed=6, return_states=True, num_threads=threads,
                           target_energy=ground)
        np.testing.assert_array_equal(run.info["sweeps_to_target"], first)
        np.testing.assert_array_equal(run.info["chain_sweeps"], np.where(hit, first, total))
        # a stopped chain's final state is its state at that sweep, at the ground energy
        np.testing.assert_array_equal(run.final_states[hit],
                                      free.states[hit, first[hit] - 1])
        assert np.all(model.energy(run.final_states[hit]) <= ground)
        np.testing.assert_array_equal(run.final_states[~hit], free.final_states[~hit])
        if hit.all():                       # the run ends at the last chain's stop
            assert run.info["stopped_by"] == "target_energy"
            last = first.max()
            assert run.info["burn_in"] + run.info["num_sweeps"] == last
            assert run.info["num_records"] == max(0, last - burn_in) // thin
        else:
            assert run.info["stopped_by"] is None and run.info["num_sweeps"] == num_sweeps
        at = every[:run.info["num_records"]]
        assert run.energies.shape == (8, at.size)
        # records before a chain's stop are the free run's; from it on, its stopped state
        frozen = hit[:, None] & (at[None, :] >= first[:, None])
        live = free.states[:, at - 1]
        expected = np.where(frozen[..., None], run.final_states[:, None], live)
        np.testing.assert_array_equal(run.states, expected)
        np.testing.assert_array_equal(run.energies, np.where(
            frozen, model.energy(run.final_states)[:, None], free.energies[:, at - 1]))
        np.testing.assert_array_equal(run.magnetizations, expected.mean(axis=2))


def test_sample_target_energy_is_checked():
    model = boltz.IsingModel.square_lattice(4)
    for bad, exc in ((np.nan, ValueError), (np.inf, ValueError), ("-10", TypeError),
                     (True, TypeError)):
        with pytest.raises(exc, match="target_energy"):
            boltz.sample(model, 0.5, target_energy=bad)
