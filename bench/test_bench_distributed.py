"""boltz on a Dask cluster: throughput against one process, and what each task costs.

test_distributed_anneal: a 3-regular ±1 model of n = 10^5 spins, 64 reads of SWEEPS sweeps,
in one process with num_threads=2 (local) and on a LocalCluster of 2 single-threaded worker
processes (distributed: client=, default shards), in interleaved pairs local, distributed,
local, distributed... The states are bit-identical in every pair. Acceptance (issue 18): the
median of the pairs' distributed / local time ratios is at most 1.15.

test_task_overhead: milliseconds of wall time each extra task adds: a tiny model's anneal of
TASKS reads cut into TASKS one-read tasks against the same run as one task, (t_many - t_one)
/ (TASKS - 1), median of interleaved pairs.

The cluster is started once for the module, and its workers have run boltz before any timing
(start-up is not counted). Other load on the machine skews the pairs: the 1-minute load
average before and after is printed too. Full run, about 3 minutes on 2 cores (figures
printed with -s and in extra_info):
    pytest bench/test_bench_distributed.py -s
With --benchmark-disable (CI: pytest bench --benchmark-disable -q) each test runs one small
pair (a few seconds) and checks only the results, not the ratio.
"""
import os
import statistics
import time

import numpy as np
import pytest

import boltz
from regular_graphs import regular_pm1

distributed = pytest.importorskip("distributed")

N, READS = 10**5, 64
SWEEPS = 250              # 7-8 s per run on this project's 2-core machine, idle (>= 5 s)
PAIRS = 5
MAX_RATIO = 1.15
TASKS = 200


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        # every worker imports boltz and runs a kernel once, outside the timings
        boltz.Annealer(num_sweeps=1).sample(boltz.IsingModel.square_lattice(4), 4, seed=0,
                                            client=c, shard_size=1)
        yield c


@pytest.fixture(scope="module")
def full(request):
    """Whether this is a timed run (else --benchmark-disable: one small pair, no ratio)."""
    return not request.config.getoption("benchmark_disable")


def interleaved(benchmark, first, second, rounds):
    """Pairs (time of first(), time of second()), first run untimed by the benchmark
    (its setup) and second timed by it: the benchmark's statistics are second's."""
    firsts, pairs = [], []

    def setup():
        t0 = time.perf_counter()
        result = first()
        firsts.append((time.perf_counter() - t0, result))

    def timed():
        t0 = time.perf_counter()
        result = second()
        pairs.append((*firsts[-1], time.perf_counter() - t0, result))

    benchmark.pedantic(timed, setup=setup, rounds=rounds)
    return pairs


def test_distributed_anneal(benchmark, client, full):
    benchmark.group = "distributed anneal, 3-regular n=1e5 +-1, 64 reads"
    model = regular_pm1(N)
    load_before = os.getloadavg()[0]
    sweeps = SWEEPS if full else 1
    shard_size = None if full else READS // 4     # the default cuts 1 sweep into 1 shard
    local = boltz.Annealer(num_sweeps=sweeps, num_threads=2)
    on_cluster = boltz.Annealer(num_sweeps=sweeps)      # the workers' thread (1 each)
    pairs = interleaved(benchmark, lambda: local.sample(model, READS, seed=1),
                        lambda: on_cluster.sample(model, READS, seed=1, client=client,
                                                  shard_size=shard_size),
                        PAIRS)
    for _, here, _, there in pairs:
        np.testing.assert_array_equal(there.states, here.states)
        np.testing.assert_array_equal(there.energies, here.energies)
    ratios = [there / here for here, _, there, _ in pairs]
    median = statistics.median(ratios)
    shards = pairs[-1][3].info["shards"]
    load = (load_before, os.getloadavg()[0])
    benchmark.extra_info.update(
        sweeps=sweeps, shards=len(shards), load_average=load, local_seconds=[p[0] for p in pairs],
        distributed_seconds=[p[2] for p in pairs], ratios=ratios, median_ratio=median)
    print(f"\n{READS} reads x {sweeps} sweeps of n={N}, {len(shards)} shards on 2 workers")
    for here, _, there, _ in pairs:
        print(f"  local {here:.2f} s  distributed {there:.2f} s  ratio {there / here:.3f}")
    print(f"  median ratio {median:.3f} (acceptance <= {MAX_RATIO}); "
          f"load average {load[0]:.2f} before, {load[1]:.2f} after")
    if full:
        assert median <= MAX_RATIO


def test_task_overhead(benchmark, client, full):
    benchmark.group = "distributed per-task overhead"
    tiny = boltz.IsingModel.square_lattice(4)
    tasks = TASKS if full else 10
    annealer = boltz.Annealer(num_sweeps=1)
    pairs = interleaved(
        benchmark,
        lambda: annealer.sample(tiny, tasks, seed=1, client=client, shard_size=tasks),
        lambda: annealer.sample(tiny, tasks, seed=1, client=client, shard_size=1), PAIRS)
    for _, one, _, many in pairs:
        assert len(one.info["shards"]) == 1 and len(many.info["shards"]) == tasks
        np.testing.assert_array_equal(many.states, one.states)
    per_task_ms = [1e3 * (t_many - t_one) / (tasks - 1) for t_one, _, t_many, _ in pairs]
    median = statistics.median(per_task_ms)
    benchmark.extra_info.update(tasks=tasks, one_task_seconds=[p[0] for p in pairs],
                                many_tasks_seconds=[p[2] for p in pairs],
                                per_task_ms=per_task_ms, median_per_task_ms=median)
    print(f"\n{tasks} one-read tasks against one task on 2 workers")
    for t_one, _, t_many, _ in pairs:
        print(f"  one task {1e3 * t_one:.0f} ms  {tasks} tasks {1e3 * t_many:.0f} ms  "
              f"{1e3 * (t_many - t_one) / (tasks - 1):.2f} ms per extra task")
    print(f"  median {median:.2f} ms per extra task (wall, 2 workers)")
