"""RBM training per epoch against scikit-learn's BernoulliRBM (same settings, same run),
and the time of an AIS estimate of log Z.

Single thread means one thread for everybody: BLAS is limited to one thread with
threadpoolctl for both (boltz's per-epoch monitors use numpy products too). boltz runs
twice: with its default per-epoch monitors (history_ on 500 rows), and without them
(monitor_rows=0), which is the work scikit-learn's fit does. The rows are
digits-sized (scikit-learn's digits, 1797 x 64 in [0, 1]) and MNIST-sized (10000 x 784
binary, 13% ones, like thresholded MNIST). Times are per fit of EPOCHS epochs. Run:
    pytest bench/test_bench_rbm.py --benchmark-group-by=group \
        --benchmark-columns=min,median,rounds
"""
import numpy as np
import pytest

import boltz

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.neural_network import BernoulliRBM  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

EPOCHS = 3


def digits():
    X = load_digits().data.astype(np.float32)
    return X / X.max()


def mnist_like():
    """Binary images with MNIST's sparsity: a blob of likely pixels in the middle."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:28, :28]
    p = 0.55 * np.exp(-((yy - 14) ** 2 + (xx - 14) ** 2) / 60.0)
    return (rng.random((10000, 784)) < p.ravel()).astype(np.float32)


# make, hidden units, batch size, learning rate, rounds (more where a fit is short)
CASES = {"digits 64x100 batch 10": (digits, 100, 10, 0.06, 15),
         "10000x784 500 hidden batch 100": (mnist_like, 500, 100, 0.05, 3)}


def timed_fit(benchmark, model, X, rounds, threads=1):
    """Time model.fit(X); one thread means BLAS and OpenMP limited to one thread, set up
    outside the timing (threadpool_limits itself takes about 4 ms)."""
    if threads != 1:
        return benchmark.pedantic(model.fit, args=(X,), rounds=rounds)
    with threadpool_limits(limits=1):
        return benchmark.pedantic(model.fit, args=(X,), rounds=rounds)


@pytest.mark.parametrize("case", list(CASES))
def test_sklearn(benchmark, case):
    make, hidden, batch, rate, rounds = CASES[case]
    benchmark.group = f"RBM {case}"
    X = make()
    model = BernoulliRBM(n_components=hidden, batch_size=batch, learning_rate=rate,
                         n_iter=EPOCHS, random_state=0)
    timed_fit(benchmark, model, X, rounds)


@pytest.mark.parametrize("monitor_rows", [500, 0])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", list(CASES))
def test_boltz(benchmark, case, threads, monitor_rows):
    make, hidden, batch, rate, rounds = CASES[case]
    benchmark.group = f"RBM {case}"
    X = make()
    model = boltz.RBM(n_components=hidden, batch_size=batch, learning_rate=rate,
                      n_iter=EPOCHS, random_state=0, num_threads=threads,
                      monitor_rows=monitor_rows)
    timed_fit(benchmark, model, X, rounds, threads)
    V = X[:500]
    error = float(np.mean((V - model.reconstruct(V)) ** 2))
    benchmark.extra_info["reconstruction_error"] = error
    # untrained (zero biases, weights ~ 0.01) the reconstruction is about 0.5 everywhere
    assert error < 0.5 * np.mean((V - 0.5) ** 2)


def test_ais_784x500(benchmark):
    """AIS of a 784 x 500 RBM, 1000 intermediate betas, 100 runs (boltz only)."""
    benchmark.group = "RBM AIS log Z"
    rng = np.random.default_rng(0)
    rbm = boltz.RBM(n_components=500)       # parameters assigned, as after a fit
    rbm.components_ = rng.normal(0, 0.01, (500, 784))
    rbm.intercept_visible_ = rng.normal(0, 0.1, 784)
    rbm.intercept_hidden_ = np.zeros(500)
    rbm.n_features_in_ = 784
    benchmark.pedantic(rbm.log_partition, args=("ais",),
                       kwargs=dict(n_betas=1000, n_runs=100, seed=0), rounds=1)
    result = rbm.ais_
    benchmark.extra_info["log_z_se"] = result.log_z_se
    assert result.log_z_lower <= result.log_z <= result.log_z_upper
