"""Steepest descent (boltz.descend) against dwave-samplers' SteepestDescentSolver, same run.

Both descend the same STATES random states of a 3-regular ±1 model to local minima with the
same rule (flip the spin that lowers the energy most; both reach the same states, checked in
tests/test_dimod.py). dwave's time includes its conversion of the BQM (part of its call);
it runs with large_sparse_opt=True (its faster mode on sparse models) and, at n = 10^4,
without (at 10^5 that takes about 40 s here). Single
thread, except boltz with 2 threads. The flips per state are in extra_info. Run:
    pytest bench/test_bench_descent.py --benchmark-group-by=group \
        --benchmark-columns=min,median,rounds
"""
import numpy as np
import pytest

import boltz
from regular_graphs import regular_pm1
from test_bench_annealing import to_bqm

dimod = pytest.importorskip("dimod")
samplers = pytest.importorskip("dwave.samplers")

STATES = 16
SIZES = [10**4, 10**5]
_cache = {}


def instance(n):
    if n not in _cache:
        model = regular_pm1(n)
        starts = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8),
                                                 size=(STATES, n))
        _cache[n] = (model, to_bqm(model), starts)
    return _cache[n]


@pytest.mark.parametrize(("n", "large_sparse_opt"),
                         [(10**4, True), (10**4, False), (10**5, True)])   # False: 40 s
def test_dwave(benchmark, n, large_sparse_opt):
    benchmark.group = f"descend 3-regular n={n:.0e} +-1, {STATES} states"
    _, bqm, starts = instance(n)
    solver = samplers.SteepestDescentSolver()
    result = benchmark.pedantic(
        solver.sample, args=(bqm,),
        kwargs=dict(initial_states=(starts, list(range(n))), large_sparse_opt=large_sparse_opt),
        rounds=3)
    benchmark.extra_info["mean_flips"] = float(np.mean(result.record.num_steps))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n", SIZES)
def test_boltz(benchmark, n, threads):
    benchmark.group = f"descend 3-regular n={n:.0e} +-1, {STATES} states"
    model, _, starts = instance(n)
    result = benchmark.pedantic(boltz.descend, args=(model, starts),
                                kwargs=dict(num_threads=threads), rounds=5)
    benchmark.extra_info["mean_flips"] = float(np.mean(result.num_flips))
