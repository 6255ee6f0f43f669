"""Time to solution of simulated annealing, boltz against dwave-samplers, single-threaded.

Five random 3-regular ±1 instances of n = 1000 spins; for each, READS reads of each solver
at num_sweeps in {100, 300, 1000, 3000}, each read's final state then descended to a local
minimum by the solver's own steepest descent (boltz: ``Annealer(polish=True)``, with
``multispin=True``, 64 reads per machine word: these are ±J models; dwave-samplers:
``SteepestDescentSolver`` on the ``SimulatedAnnealingSampler``'s sample set). The target
is the lowest energy any run found; a read succeeds when its polished final state reaches
it. TTS_99 = t log(0.01) / log(1 - p) with t the CPU seconds per read, anneal and descent
(:func:`boltz.time_to_solution`).

READS is 1024, not the 200 the issue names: with 200, the lowest energies are reached by
0 to 2 reads of a setting, so a solver's TTS came out finite or infinite by chance (median
ratios of 12.3 and infinity in two runs, each with instances at 0 and at infinity).

Two schedules, each given to both solvers (the same algorithm along the same betas, so the
ratio is the speed of a read times the ratio of the two measured p):

* ``default``: geometric from ln 2 / dE_max to ln(100 n) / dE_min, both solvers' default
  range on these models.
* ``shared``: linear in beta from 0.2 to 3.0, which reaches these instances' lowest
  energies several times more often (probed with boltz on instances 1 and 3: the best
  energy of a read reached -1264 in 12% of the reads of instance 3, against 3% with the
  default), so that p is measured better. Its cold end leaves a few excitations in the
  final states: the descent removes them.

Acceptance (issue 17): boltz's TTS at its best num_sweeps at least 5 times lower than
dwave's at its own best, median over the instances; asserted on both schedules. Full run,
about 15 minutes on one core:
    pytest bench/test_bench_tts.py -s
With --benchmark-disable (CI) one instance, 64 reads, 100 and 300 sweeps, no assertion.
"""
import math
import statistics
import time

import numpy as np
import pytest

import boltz
from regular_graphs import regular_pm1

dimod = pytest.importorskip("dimod")
samplers = pytest.importorskip("dwave.samplers")

FULL = {"instances": (1, 3, 5, 7, 9), "reads": 1024, "sweeps": (100, 300, 1000, 3000)}
QUICK = {"instances": (1,), "reads": 64, "sweeps": (100, 300)}
MIN_RATIO = 5.0
SCHEDULES = {"default": {}, "shared": {"beta_range": (0.2, 3.0), "schedule": "linear"}}


def _bqm(model):
    """The model in dimod's convention (E = sum h s + sum J s s: J_dimod = -J_boltz)."""
    i, j, w = model.bonds()
    return dimod.BinaryQuadraticModel.from_ising({}, {(int(a), int(b)): -float(v)
                                                     for a, b, v in zip(i, j, w, strict=True)})


def _boltz_run(model, sweeps, reads, seed, schedule):
    t0 = time.process_time()
    result = boltz.Annealer(num_sweeps=sweeps, num_threads=1, multispin=True, polish=True,
                            **schedule).sample(model, num_reads=reads, seed=seed)
    return result.final_energies, (time.process_time() - t0) / reads


def _dwave_run(bqm, sweeps, reads, seed, schedule):
    options = ({} if not schedule else {"beta_range": schedule["beta_range"],
                                        "beta_schedule_type": schedule["schedule"]})
    t0 = time.process_time()
    sampleset = samplers.SimulatedAnnealingSampler().sample(bqm, num_reads=reads,
                                                            num_sweeps=sweeps, seed=seed,
                                                            **options)
    sampleset = samplers.SteepestDescentSolver().sample(bqm, initial_states=sampleset)
    seconds = (time.process_time() - t0) / reads
    return sampleset.record.energy.astype(np.float64), seconds


def _best_tts(runs, target):
    """(TTS, sweeps, p, CPU ms per read) at the num_sweeps with the lowest TTS."""
    tts = {s: boltz.time_to_solution(e, target, t, seed=0) for s, (e, t) in runs.items()}
    sweeps = min(tts, key=lambda s: tts[s].tts)
    best = tts[sweeps]
    return best.tts, sweeps, best.success_probability, 1e3 * best.seconds_per_read


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_time_to_solution_against_dwave(benchmark, request, name):
    quick = request.config.getoption("benchmark_disable")
    plan, schedule = (QUICK if quick else FULL), SCHEDULES[name]
    ratios, rows = [], []

    def measure():
        for k in plan["instances"]:
            model = regular_pm1(1000, 3, seed=k)
            bqm = _bqm(model)
            ours = {s: _boltz_run(model, s, plan["reads"], k, schedule)
                    for s in plan["sweeps"]}
            theirs = {s: _dwave_run(bqm, s, plan["reads"], k, schedule)
                      for s in plan["sweeps"]}
            target = min(min(e.min() for e, _ in ours.values()),
                         min(e.min() for e, _ in theirs.values()))
            a, b = _best_tts(ours, target), _best_tts(theirs, target)
            ratio = b[0] / a[0] if math.isfinite(b[0]) else math.inf
            ratios.append(ratio)
            rows.append((k, target, *a, *b, ratio))

    benchmark.pedantic(measure, rounds=1, iterations=1)
    print(f"\nschedule {name}: TTS_99 in s (sweeps, p, CPU ms per read)")
    print("instance  target  boltz                          dwave                          ratio")
    for k, target, t1, s1, p1, ms1, t2, s2, p2, ms2, ratio in rows:
        print(f"  {k:6d}  {target:6.0f}  {t1:8.3f} ({s1:4d}, {p1:.3f}, {ms1:6.2f})  "
              f"{t2:8.3f} ({s2:4d}, {p2:.3f}, {ms2:6.2f})  {ratio:6.1f}")
    median = statistics.median(ratios)
    print(f"median ratio {median:.1f} (acceptance: >= {MIN_RATIO})")
    benchmark.extra_info.update(rows=rows, median_ratio=median)
    if not quick:
        assert median >= MIN_RATIO
