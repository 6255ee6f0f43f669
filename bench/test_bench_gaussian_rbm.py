"""GaussianRBM training per epoch against a straightforward NumPy implementation of the same
CD-1 update (BLAS matrix products, float32, the same batch size and learning rate; σ fixed,
at 1 for the peer and at the data's standard deviation, about 1, for boltz), measured in the
same run; the ratio is printed (``numpy / boltz``: above 1 boltz is faster).

One thread for both: BLAS is limited with threadpoolctl and boltz gets num_threads=1.
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow a current numpy's BLAS (DESIGN.md): for the peer at
its best, unset both in the command that runs this file. Cases: scikit-learn's digits
(1797 x 64, standardised, 100 hidden, batch 10: small products, where per-batch Python
overhead dominates the NumPy loop) and dense real rows of MNIST size (4000 x 784, 500 hidden,
batch 100: dense products, where BLAS's GEMM is strongest, since v is real and h given v is
a dense product either way). Run:
    pytest bench/test_bench_gaussian_rbm.py -s --benchmark-group-by=group \
        --benchmark-columns=min,median,rounds
"""
import time

import numpy as np
import pytest

import boltz

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_digits  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def digits():
    X = load_digits().data.astype(np.float32)
    std = X.std(axis=0)
    return ((X - X.mean(axis=0)) / np.where(std > 0, std, 1)).astype(np.float32)


def dense_784():
    """Real rows with MNIST's size and some correlation: a smooth random field per row."""
    rng = np.random.default_rng(0)
    basis = rng.normal(0, 1, (40, 784)).astype(np.float32)
    X = (rng.normal(0, 1, (4000, 40)).astype(np.float32) @ basis / np.sqrt(40)
         + 0.3 * rng.normal(0, 1, (4000, 784)).astype(np.float32))
    return X.astype(np.float32)     # np.sqrt(40) is a float64 scalar: X / it is float64


# make, hidden units, batch size, learning rate, rounds
CASES = {"digits 64x100 batch 10": (digits, 100, 10, 0.005, 5),
         "4000x784 500 hidden batch 100": (dense_784, 500, 100, 0.001, 2)}


def numpy_epoch(X, W, b, c, rate, batch, rng):
    """One CD-1 epoch of a Gaussian-Bernoulli RBM with σ = 1 (so v / σ² = v), in place:
    the textbook loop with BLAS products, W (nv, nh)."""
    n = X.shape[0]
    for s in range(0, n, batch):
        V = X[s:s + batch]
        ph = 1 / (1 + np.exp(-(V @ W + c)))
        H = (rng.random(ph.shape, dtype=np.float32) < ph).astype(np.float32)
        Vn = H @ W.T + b + rng.standard_normal(V.shape, dtype=np.float32)
        phn = 1 / (1 + np.exp(-(Vn @ W + c)))
        r = rate / V.shape[0]
        W += r * (V.T @ ph - Vn.T @ phn)
        b += r * (V.sum(axis=0) - Vn.sum(axis=0))
        c += r * (ph.sum(axis=0) - phn.sum(axis=0))


def _numpy_fit(X, hidden, batch, rate):
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.01, (X.shape[1], hidden)).astype(np.float32)
    b, c = np.zeros(X.shape[1], np.float32), np.zeros(hidden, np.float32)
    numpy_epoch(X, W, b, c, np.float32(rate), batch, rng)
    return W, b, c


def _boltz_fit(X, hidden, batch, rate):
    return boltz.GaussianRBM(n_components=hidden, batch_size=batch, learning_rate=rate,
                             n_iter=1, shuffle=False, standardize=False, random_state=0,
                             num_threads=1, monitor_rows=0).fit(X)


def _best_of(f, rounds):
    best = np.inf
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


@pytest.mark.parametrize("case", list(CASES))
def test_numpy(benchmark, case):
    make, hidden, batch, rate, rounds = CASES[case]
    benchmark.group = f"Gaussian RBM epoch {case}"
    X = make()
    with threadpool_limits(limits=1):
        W, _, _ = benchmark.pedantic(_numpy_fit, args=(X, hidden, batch, rate), rounds=rounds)
    assert np.all(np.isfinite(W))


@pytest.mark.parametrize("case", list(CASES))
def test_boltz(benchmark, case):
    make, hidden, batch, rate, rounds = CASES[case]
    benchmark.group = f"Gaussian RBM epoch {case}"
    X = make()
    with threadpool_limits(limits=1):
        model = benchmark.pedantic(_boltz_fit, args=(X, hidden, batch, rate), rounds=rounds)
    assert np.all(np.isfinite(model.components_))


@pytest.mark.parametrize("case", list(CASES))
def test_ratio(case):
    """Both in the same run, best of `rounds`, the ratio printed (and both run the same
    algorithm: their mean-field reconstruction errors after the epoch agree within 10% of
    the data's variance)."""
    make, hidden, batch, rate, rounds = CASES[case]
    X = make()
    with threadpool_limits(limits=1):
        t_np = _best_of(lambda: _numpy_fit(X, hidden, batch, rate), rounds)
        t_bz = _best_of(lambda: _boltz_fit(X, hidden, batch, rate), rounds)
        W, b, c = _numpy_fit(X, hidden, batch, rate)
        model = _boltz_fit(X, hidden, batch, rate)
    V = X[:500]
    err_np = float(np.mean(((1 / (1 + np.exp(-(V @ W + c)))) @ W.T + b - V) ** 2))
    err_bz = float(np.mean((model.reconstruct(V) - V) ** 2))
    print(f"\nGaussian RBM epoch, {case}: numpy {t_np * 1e3:.1f} ms, boltz {t_bz * 1e3:.1f} ms,"
          f" ratio numpy/boltz {t_np / t_bz:.2f}; reconstruction error numpy {err_np:.3f},"
          f" boltz {err_bz:.3f} (data variance {float(V.var()):.3f})")
    assert abs(err_np - err_bz) < 0.1 * float(V.var())
