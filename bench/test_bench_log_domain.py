"""logsumexp and softmax against SciPy and plain NumPy (single thread unless named threads2).

Run: pytest bench --benchmark-group-by=group --benchmark-columns=min,median,rounds
"""
import numpy as np
import pytest
import scipy.special as sp

import boltz


def numpy_logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


@pytest.mark.benchmark(group="logsumexp 1e7 float64")
def test_logsumexp_1e7_boltz(benchmark, vector_1e7):
    res = benchmark(boltz.logsumexp, vector_1e7, num_threads=1)
    assert res == pytest.approx(sp.logsumexp(vector_1e7), rel=1e-14)


@pytest.mark.benchmark(group="logsumexp 1e7 float64")
def test_logsumexp_1e7_boltz_threads2(benchmark, vector_1e7):
    res = benchmark(boltz.logsumexp, vector_1e7, num_threads=2)
    assert res == boltz.logsumexp(vector_1e7, num_threads=1)


@pytest.mark.benchmark(group="logsumexp 1e7 float64")
def test_logsumexp_1e7_scipy(benchmark, vector_1e7):
    benchmark(sp.logsumexp, vector_1e7)


@pytest.mark.benchmark(group="logsumexp 1e7 float64")
def test_logsumexp_1e7_numpy(benchmark, vector_1e7):
    benchmark(numpy_logsumexp, vector_1e7)


@pytest.mark.benchmark(group="logsumexp 1e7 float32")
def test_logsumexp_1e7_f32_boltz(benchmark, vector_1e7):
    x = vector_1e7.astype(np.float32)
    res = benchmark(boltz.logsumexp, x, num_threads=1)
    assert res == pytest.approx(sp.logsumexp(vector_1e7), rel=1e-6)


@pytest.mark.benchmark(group="logsumexp 1e7 float32")
def test_logsumexp_1e7_f32_scipy(benchmark, vector_1e7):
    benchmark(sp.logsumexp, vector_1e7.astype(np.float32))


@pytest.mark.benchmark(group="logsumexp rows (1e4, 100)")
def test_logsumexp_rows_boltz(benchmark, rows_1e4x100):
    res = benchmark(boltz.logsumexp, rows_1e4x100, axis=1, num_threads=1)
    np.testing.assert_allclose(res, sp.logsumexp(rows_1e4x100, axis=1), rtol=1e-14)


@pytest.mark.benchmark(group="logsumexp rows (1e4, 100)")
def test_logsumexp_rows_boltz_threads2(benchmark, rows_1e4x100):
    benchmark(boltz.logsumexp, rows_1e4x100, axis=1, num_threads=2)


@pytest.mark.benchmark(group="logsumexp rows (1e4, 100)")
def test_logsumexp_rows_scipy(benchmark, rows_1e4x100):
    benchmark(sp.logsumexp, rows_1e4x100, axis=1)


@pytest.mark.benchmark(group="softmax rows (1e4, 100)")
def test_softmax_rows_boltz(benchmark, rows_1e4x100):
    res = benchmark(boltz.softmax, rows_1e4x100, axis=1, num_threads=1)
    np.testing.assert_allclose(res, sp.softmax(rows_1e4x100, axis=1), rtol=1e-14)


@pytest.mark.benchmark(group="softmax rows (1e4, 100)")
def test_softmax_rows_boltz_threads2(benchmark, rows_1e4x100):
    benchmark(boltz.softmax, rows_1e4x100, axis=1, num_threads=2)


@pytest.mark.benchmark(group="softmax rows (1e4, 100)")
def test_softmax_rows_scipy(benchmark, rows_1e4x100):
    benchmark(sp.softmax, rows_1e4x100, axis=1)


@pytest.mark.benchmark(group="log_softmax rows (1e4, 100)")
def test_log_softmax_rows_boltz(benchmark, rows_1e4x100):
    res = benchmark(boltz.log_softmax, rows_1e4x100, axis=1, num_threads=1)
    np.testing.assert_allclose(res, sp.log_softmax(rows_1e4x100, axis=1), rtol=1e-13)


@pytest.mark.benchmark(group="log_softmax rows (1e4, 100)")
def test_log_softmax_rows_scipy(benchmark, rows_1e4x100):
    benchmark(sp.log_softmax, rows_1e4x100, axis=1)
