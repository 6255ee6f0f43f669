"""Gibbs sweeps of a dense Boltzmann machine, 1000 units x 64 chains, against a
straightforward numpy implementation (vectorised over chains) in the same run.

Two groups per weight scale:
- "sample": SWEEPS sequential sweeps of 64 chains from random states at T = 1, setup
  included (boltz: random streams, the Ising form of the weights, the chains' local fields).
- "sweeps": the sweeps alone, chains already set up (numpy's setup, one random draw of the
  states, is negligible there). No public call runs sweeps without setting chains up, so
  this group drives the spin wing's chain engine (boltz.spin._chains.Chains, the one
  internal object a benchmark uses: it times the kernel, not an API) on the machine's Ising
  form, built by the public IsingModel.from_qubo as BoltzmannMachine builds it.
The peer in the same precision as boltz (float32 products: ~1.3x faster than float64), at its
best: its states and weights are on 64-byte-aligned storage (its states at
8 bytes past a 32-byte boundary, as a plain allocation may place them, took 11.2 ms a sweep
instead of 9.1 on the AVX-512 machine measured), and its BLAS runs on the thread count of the
boltz benchmark it stands beside (threadpoolctl).
Unit updates per second = 64 * 1000 * SWEEPS / time (extra_info, with the fraction of updates
that change a unit: boltz's cost per sweep grows with it, numpy's does not). Weights
w_ij ~ N(0, s^2 / n): s = 1 changes ~43% of the units per sweep, s = 4 ~17%. Run:
    pytest bench/test_bench_boltzmann_machine.py --benchmark-group-by=group \
        --benchmark-columns=min,median,rounds
"""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import boltz
from boltz.spin._chains import Chains

N, CHAINS, SWEEPS = 1000, 64, 20
SCALES = [1.0, 4.0]
THREADS = [1, 2]


def aligned_copy(a, align=64):
    """a copied to storage that starts on an `align`-byte boundary (plain NumPy: a byte
    buffer with room to slide the start)."""
    buf = np.empty(a.nbytes + align, dtype=np.uint8)
    start = -buf.ctypes.data % align
    out = buf[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


def weights(scale):
    rng = np.random.default_rng(0)
    W = np.triu(rng.normal(0.0, scale / np.sqrt(N), (N, N)), 1)
    return aligned_copy(W + W.T), rng.normal(0.0, 0.5, N)


def numpy_gibbs(W, theta, sweeps, seed):
    """Sequential Gibbs sweeps of all chains at T = 1, one unit at a time, in W's dtype."""
    rng = np.random.default_rng(seed)
    S = aligned_copy((rng.random((CHAINS, N)) < 0.5).astype(W.dtype))
    for _ in range(sweeps):
        for i in range(N):
            a = S @ W[i] + theta[i]
            S[:, i] = rng.random(CHAINS, dtype=W.dtype) < 1 / (1 + np.exp(-a))
    return S


def ising_form(W, theta, dtype):
    """The Ising model with the machine's energies (units x = (1 + s)/2): E(x) = x^T Q x
    with Q = -(upper W + diag theta)."""
    return boltz.IsingModel.from_qubo(-(np.triu(W, 1) + np.diag(theta)), dtype=dtype)


def record(benchmark, before, after):
    benchmark.extra_info["changed_per_sweep"] = float(np.mean(before != after))
    if benchmark.stats is not None:                  # None with --benchmark-disable
        updates = CHAINS * N * SWEEPS
        benchmark.extra_info["unit_updates_per_second"] = updates / benchmark.stats.stats.min


def group_name(kind, scale):
    return f"BM {kind}: {SWEEPS} Gibbs sweeps 1000 units x 64 chains, w ~ N(0, {scale:g}^2/n)"


def check_gibbs(S, W, theta):
    """The samples are Gibbs samples: a unit is on about as often as its conditional says."""
    p_on = 1.0 / (1.0 + np.exp(-(S @ W + theta)))
    assert abs(S.mean() - p_on.mean()) < 0.02


def machine(scale, threads, dtype):
    W, theta = weights(scale)
    bm = boltz.BoltzmannMachine(N, burn_in=0, num_threads=threads, dtype=np.dtype(dtype))
    bm.weights_, bm.thresholds_ = W, theta
    return bm, W, theta


def cases(test):
    """Every weight scale, thread count and precision, for both sides."""
    for name, values in (("dtype", ["float64", "float32"]), ("threads", THREADS),
                         ("scale", SCALES)):
        test = pytest.mark.parametrize(name, values)(test)
    return test


@pytest.mark.parametrize("group", ["sample", "sweeps"])
@cases
def test_numpy(benchmark, scale, threads, dtype, group):
    benchmark.group = group_name(group, scale)
    W, theta = weights(scale)
    W, theta = aligned_copy(W.astype(dtype)), theta.astype(dtype)
    with threadpool_limits(limits=threads, user_api="blas"):
        S = benchmark.pedantic(numpy_gibbs, args=(W, theta, SWEEPS, 1), rounds=3)
    record(benchmark, numpy_gibbs(W, theta, SWEEPS - 1, 1), S)


@cases
def test_boltz_sample(benchmark, scale, threads, dtype):
    benchmark.group = group_name("sample", scale)
    bm, W, theta = machine(scale, threads, dtype)
    S = benchmark.pedantic(bm.sample, args=(CHAINS, SWEEPS), kwargs=dict(seed=1), rounds=5)
    record(benchmark, bm.sample(CHAINS, SWEEPS - 1, seed=1), S)
    check_gibbs(S, W, theta)


@cases
def test_boltz_sweeps(benchmark, scale, threads, dtype):
    benchmark.group = group_name("sweeps", scale)
    W, theta = weights(scale)
    start = 2 * np.random.default_rng(1).integers(0, 2, (CHAINS, N), dtype=np.int8) - 1
    chains = Chains(ising_form(W, theta, dtype), CHAINS, 1, start, threads)
    betas, scales = np.ones(SWEEPS), np.ones(CHAINS)

    def sweeps():
        chains.sweep(betas, scales, 1, 0)           # heat bath (Gibbs), sequential
        return chains.spins.copy()

    before = benchmark.pedantic(sweeps, rounds=5, warmup_rounds=1)
    after = sweeps()
    record(benchmark, before, after)
    check_gibbs((after > 0).astype(np.float64), W, theta)
