"""distillation_loss (loss and gradient, soft and hard terms) against the plain NumPy
composition (log-softmax of both at T, the KL, the gradient, the cross-entropy), on
(10^5, 1000) float32 logits: a large batch of a 1000-class model. Single thread unless named
threads2.

Run: pytest bench/test_bench_distillation.py --benchmark-group-by=group \
         --benchmark-columns=min,median,rounds
"""
import numpy as np
import pytest

import boltz

T, ALPHA = 4.0, 0.9


def _log_softmax(x):
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.sum(np.exp(x), axis=1, keepdims=True))


def numpy_distillation(s, t, labels):
    """What a NumPy user writes: the same loss and gradient, term by term."""
    rows = len(s)
    log_p, log_q = _log_softmax(t / T), _log_softmax(s / T)
    p, q = np.exp(log_p), np.exp(log_q)
    soft = T * T * np.sum(p * (log_p - log_q)) / rows
    log_r = _log_softmax(s)
    hard = -np.sum(log_r[np.arange(rows), labels]) / rows
    r = np.exp(log_r)
    r[np.arange(rows), labels] -= 1
    grad = ALPHA * T * (q - p) / rows + (1 - ALPHA) * r / rows
    return ALPHA * soft + (1 - ALPHA) * hard, grad


@pytest.fixture(scope="module")
def logits():
    rng = np.random.default_rng(0)
    s = (3 * rng.standard_normal((10**5, 1000))).astype(np.float32)
    t = (3 * rng.standard_normal((10**5, 1000))).astype(np.float32)
    return s, t, rng.integers(0, 1000, 10**5)


@pytest.mark.benchmark(group="distillation loss+grad (1e5, 1000) float32")
def test_distillation_boltz(benchmark, logits):
    s, t, y = logits
    loss, grad = benchmark(boltz.distillation_loss, s, t, T, y, ALPHA, num_threads=1)
    ref_loss, ref_grad = numpy_distillation(s[:1000], t[:1000], y[:1000])
    part = boltz.distillation_loss(s[:1000], t[:1000], T, y[:1000], ALPHA)
    assert part[0] == pytest.approx(ref_loss, rel=1e-4)
    np.testing.assert_allclose(part[1], ref_grad, atol=1e-5 * np.abs(ref_grad).max())
    assert np.isfinite(loss) and grad.dtype == np.float32


@pytest.mark.benchmark(group="distillation loss+grad (1e5, 1000) float32")
def test_distillation_boltz_threads2(benchmark, logits):
    s, t, y = logits
    benchmark(boltz.distillation_loss, s, t, T, y, ALPHA, num_threads=2)


@pytest.mark.benchmark(group="distillation loss+grad (1e5, 1000) float32")
def test_distillation_numpy(benchmark, logits):
    s, t, y = logits
    benchmark(numpy_distillation, s, t, y)
