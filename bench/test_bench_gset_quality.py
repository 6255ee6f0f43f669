"""Max-Cut quality within a wall-time budget, boltz against dwave-samplers, on Gset.

For each instance and each of 10 seeds, boltz anneals batches of 2 reads (2 threads) with
the default schedule and beta range, 4 reheating cycles of 10^4 sweeps and polish, until
the next batch would pass BUDGET seconds, and keeps the best cut. A seed hits when the cut
reaches the best known one (G55: within 0.05% of it). dwave-samplers'
SimulatedAnnealingSampler runs batches of its default anneal for the same wall time (one
seed). Acceptance (issue 17): G1, G2, G22 and G43 reach their best-known cut and G55 comes
within 0.05% of 10294; the hit rates are reported. The instances live in
../shared/data/gset (BOLTZ_GSET_DIR overrides; skipped when absent). Full run, about 10
minutes on 2 cores:
    pytest bench/test_bench_gset_quality.py -s
With --benchmark-disable (CI): G43 only, one seed, a 1 s budget, no assertion.
"""
import os
import time
from pathlib import Path

import numpy as np
import pytest

import boltz

GSET = Path(os.environ.get("BOLTZ_GSET_DIR",
                           Path(__file__).resolve().parents[2] / "shared" / "data" / "gset"))
BEST_KNOWN = {"G1": 11624, "G2": 11620, "G22": 13359, "G43": 6660, "G55": 10294}
GOAL = {**BEST_KNOWN, "G55": 0.9995 * 10294}
BUDGET, SEEDS = 10.0, 10


def _within(seconds, run):
    """Best cut of run(seed) batches until the next one would pass `seconds`."""
    t0, best, batch_seconds, k = time.perf_counter(), 0.0, None, 0
    while batch_seconds is None or time.perf_counter() - t0 + batch_seconds <= seconds:
        start = time.perf_counter()
        best = max(best, run(k))
        batch_seconds, k = time.perf_counter() - start, k + 1
    return best


def _boltz_cut(model, seed, seconds):
    annealer = boltz.Annealer(num_sweeps=10_000, num_cycles=4, polish=True, num_threads=2)
    children = np.random.SeedSequence(seed)
    return _within(seconds, lambda k: model.maxcut_value(
        annealer.sample(model, num_reads=2, seed=children.spawn(1)[0]).best_state))


def _dwave_cut(model, seconds):
    dimod = pytest.importorskip("dimod")
    samplers = pytest.importorskip("dwave.samplers")
    i, j, w = model.bonds()
    bqm = dimod.BinaryQuadraticModel.from_ising(   # every spin, isolated ones too (G55)
        dict.fromkeys(range(model.num_spins), 0.0),
        {(int(a), int(b)): -float(v) for a, b, v in zip(i, j, w, strict=True)})
    sampler = samplers.SimulatedAnnealingSampler()

    def run(k):
        best = sampler.sample(bqm, num_reads=2, seed=k).first.sample
        return model.maxcut_value(np.array([best[v] for v in range(model.num_spins)]))
    return _within(seconds, run)


@pytest.mark.parametrize("name", sorted(BEST_KNOWN))
def test_gset_best_known_cut_within_the_budget(benchmark, request, name):
    quick = request.config.getoption("benchmark_disable")
    if quick and name != "G43":
        pytest.skip("quick mode: G43 only")
    path = GSET / f"{name}.txt"
    if not path.exists():
        pytest.skip(f"Gset instances live in {GSET}")
    model = boltz.IsingModel.from_maxcut(str(path))
    seconds, seeds = (1.0, 1) if quick else (BUDGET, SEEDS)
    cuts = []
    benchmark.pedantic(lambda: cuts.extend(_boltz_cut(model, s, seconds)
                                           for s in range(seeds)), rounds=1, iterations=1)
    theirs = _dwave_cut(model, seconds)
    hits = sum(c >= GOAL[name] for c in cuts)
    print(f"\n{name}: best known {BEST_KNOWN[name]}; boltz in {seconds:g} s: cuts "
          f"{sorted(int(c) for c in cuts)}, {hits}/{seeds} seeds reach {GOAL[name]:.0f}; "
          f"dwave-samplers in the same time: {int(theirs)}")
    benchmark.extra_info.update(cuts=[int(c) for c in cuts], hits=hits, dwave_cut=theirs)
    if not quick:
        assert max(cuts) >= GOAL[name]
