"""Budgets of a run (issue 17): a time limit, a target energy and an interrupt function stop
the samplers between blocks of sweeps, keep everything finished and say why; a target stop
is reproducible to the sweep and the state."""
import time

import numpy as np
import pytest

import boltz
from boltz.spin._chains import block_sweeps


def test_interrupt_function_stops_right_after_the_block_it_said_so():
    model = boltz.IsingModel.square_lattice(16)
    calls = []

    def stop_after_three():
        calls.append(time.perf_counter())
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
    with pytest.raises(ValueError, match="cluster"):
        annealer.sample(model, time_limit=1.0, client="tcp://127.0.0.1:9")


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
