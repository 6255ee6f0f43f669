"""The dense sweep kernel (dense_blocks.h): chains decided a vector at a time, one per lane.

Dense models sweep a block of 32 spins at a time: a vector of chains (16 float32 or 8
float64 lanes on AVX-512, 8 / 4 on AVX2) decides the block's spins together, then every field
takes the block's flips. The sparse kernels update the neighbours after every flip. With
couplings that are multiples of 1/8 no sum rounds, so both must make the very same decisions
for any number of chains, any block and sub-block remainder, clamped spins, one beta or one
per chain, and both ways of deciding (exact thresholds, or x = beta dE compared directly when
the beta changes too often for the thresholds to pay).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import boltz


def dyadic_couplings(rng, n, fill=0.5):
    J = np.triu(rng.integers(-8, 9, (n, n)) / 8.0 * (rng.random((n, n)) < fill), 1)
    return J + J.T, rng.integers(-4, 5, n) / 8.0


def dense_and_sparse(J, h, dtype):
    return [boltz.IsingModel(J, h, storage=s, dtype=dtype) for s in ("dense", "sparse")]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", ["metropolis", "gibbs"])
@pytest.mark.parametrize("chains, n", [(1, 150), (5, 120), (16, 150), (21, 120), (40, 150)])
def test_fixed_beta_any_number_of_chains(dtype, method, chains, n, rng):
    # n = 150: four full blocks and one of 22 spins (a full and a partial sub-block);
    # n = 120: a last block of 24 spins. 21 and 40 chains leave a partly filled vector of
    # lanes; clamped spins in and at the edges of blocks and sub-blocks
    J, h = dyadic_couplings(rng, n)
    mask = np.zeros(n, dtype=bool)
    mask[[0, 7, 8, 15, 16, 31, 32, 100, n - 22, n - 1]] = True
    start = np.where(rng.random(n) < 0.5, 1, -1)
    runs = [boltz.sample(m, 0.6, num_chains=chains, num_sweeps=25, seed=9, method=method,
                         initial_states=start, clamped=mask, return_states=True, num_threads=1)
            for m in dense_and_sparse(J, h, dtype)]
    assert np.array_equal(runs[0].states, runs[1].states)
    assert np.array_equal(runs[0].energies, runs[1].energies)
    assert np.array_equal(runs[0].magnetizations, runs[1].magnetizations)
    assert np.all(runs[0].final_states[:, mask] == start[mask])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [83, 150])
def test_annealing_schedules(dtype, n, rng):
    # a new beta every sweep: n = 83 (three blocks) compares x = beta dE directly, n = 150
    # builds the thresholds every sweep; the schedule starts at beta = 0 and ends very cold
    J, h = dyadic_couplings(rng, n)
    schedule = np.concatenate([[0.0], np.geomspace(1e-3, 1e3, 40)])
    for method in ("metropolis", "gibbs"):
        runs = [boltz.Annealer(schedule=schedule, method=method, num_threads=1).sample(
            m, num_reads=21, seed=4) for m in dense_and_sparse(J, h, dtype)]
        assert np.array_equal(runs[0].states, runs[1].states)
        assert np.array_equal(runs[0].energies, runs[1].energies)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_beta_per_chain(dtype, rng):
    # parallel tempering: every lane of a vector has its own beta and its own thresholds
    J, h = dyadic_couplings(rng, 100)
    pt = [boltz.ParallelTempering(np.linspace(0.1, 1.2, 20), num_sweeps=60, swap_interval=3,
                                  num_threads=1).sample(m, seed=2, return_states=True)
          for m in dense_and_sparse(J, h, dtype)]
    assert np.array_equal(pt[0].states, pt[1].states)
    assert np.array_equal(pt[0].energies, pt[1].energies)
    assert np.array_equal(pt[0].swap_acceptance, pt[1].swap_acceptance)


def test_any_thread_count(rng):
    # 40 chains: one group of 40, two of 20 or three of 14 (and 12) chains
    J = rng.standard_normal((120, 120)) / 11
    J = np.triu(J, 1) + np.triu(J, 1).T
    model = boltz.IsingModel(J, rng.standard_normal(120) / 4, dtype=np.float32)
    runs = [boltz.sample(model, 1.3, num_chains=40, num_sweeps=30, seed=5, method="gibbs",
                         num_threads=t, return_states=True) for t in (1, 2, 3)]
    for other in runs[1:]:
        assert np.array_equal(runs[0].states, other.states)
        assert np.array_equal(runs[0].energies, other.energies)


def test_every_instruction_set_gives_the_same_samples():
    # Gaussian couplings, whose sums round: the baseline, AVX2 and AVX-512 kernels still add
    # the same terms in the same order (products by +-1 and +-2 are exact, so a fused
    # multiply-add rounds like a multiply then an add), hence bit-identical samples
    code = (
        "import numpy as np, boltz\n"
        "rng = np.random.default_rng(8)\n"
        "J = rng.standard_normal((150, 150)) / 12\n"
        "J = np.triu(J, 1) + np.triu(J, 1).T\n"
        "h = rng.standard_normal(150) / 3\n"
        "for dt in (np.float32, np.float64):\n"
        "    m = boltz.IsingModel(J, h, dtype=dt)\n"
        "    t = boltz.sample(m, 0.9, num_chains=21, num_sweeps=20, seed=3, method='gibbs',\n"
        "                     num_threads=1, return_states=True)\n"
        "    print(t.states.tobytes().hex(), repr(t.energies.tolist()))\n"
        "    a = boltz.Annealer(num_sweeps=50, num_threads=1).sample(m, num_reads=5, seed=1)\n"
        "    print(a.states.tobytes().hex(), repr(a.energies.tolist()))\n"
    )

    def run(simd):
        env = dict(os.environ)
        env.pop("BOLTZ_SIMD", None)
        if simd:
            env["BOLTZ_SIMD"] = simd
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=True).stdout

    base = run("baseline")
    assert base == run("avx2")
    assert base == run(None)
