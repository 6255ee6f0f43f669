"""Estimators for MCMC traces (boltz.numerics.mcmc_statistics), checked against AR(1) chains.

An AR(1) chain x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t started from N(0, 1) is stationary with
unit variance, rho(t) = phi^t and tau_int = (1 + phi) / (1 - phi). Tolerances below are derived
from the standard errors of the estimators (Sokal's formula for tau, Bartlett's for rho, the
chi distribution for a sample standard deviation) plus the known O(1/n) biases, never tuned.
"""
import doctest
import math

import numpy as np
import pytest

import boltz.numerics.mcmc_statistics as ms
from boltz.numerics.mcmc_statistics import (
    autocorrelation,
    chain_spread_error,
    effective_sample_size,
    integrated_autocorrelation_time,
    mean_and_standard_error,
)

pytestmark = pytest.mark.filterwarnings("error")

CHAINS, STEPS = 64, 20000


def ar1(phi, chains, steps, seed):
    """(chains, steps) stationary AR(1) traces with unit variance."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((steps, chains)) * math.sqrt(1.0 - phi * phi)
    noise[0] = rng.standard_normal(chains)  # stationary start
    x = np.empty_like(noise)
    x[0] = noise[0]
    for t in range(1, steps):
        np.multiply(x[t - 1], phi, out=x[t])
        x[t] += noise[t]
    return np.ascontiguousarray(x.T)


def exact_tau(phi):
    return (1.0 + phi) / (1.0 - phi)


def sokal_relative_se(tau, c, n_total):
    """Sokal: var(tau_hat) / tau^2 ~ 2 (2M + 1) / N with the window M ~ c tau (rounded up,
    plus one for the step where the window rule first holds)."""
    m = math.ceil(c * max(tau, 1.0)) + 1
    return math.sqrt(2.0 * (2 * m + 1) / n_total), m


@pytest.fixture(scope="module")
def ar1_chains():
    cache = {}

    def get(phi):
        if phi not in cache:
            cache[phi] = ar1(phi, CHAINS, STEPS, seed=int(1000 * (phi + 1)))
        return cache[phi]

    return get


# ------------------------------------------------------------------- autocorrelation

def test_autocorrelation_matches_direct_sum():
    rng = np.random.default_rng(1)
    for n in (2, 3, 7, 64, 100):
        x = rng.normal(size=n) + 3.0
        d = x - x.mean()
        direct = np.array([np.dot(d[: n - t], d[t:]) for t in range(n)]) / np.dot(d, d)
        got = autocorrelation(x)
        assert got.shape == (n,)
        assert got[0] == 1.0
        np.testing.assert_allclose(got, direct, rtol=0, atol=1e-13)


def test_autocorrelation_of_ar1_is_phi_to_the_t(ar1_chains):
    phi = 0.9
    x = ar1_chains(phi)
    rho = autocorrelation(x)
    assert rho.shape == x.shape
    np.testing.assert_array_equal(rho[:, 0], 1.0)
    mean_rho = rho.mean(axis=0)
    n_total = x.size
    tau = exact_tau(phi)
    for t in range(11):
        # Bartlett's formula for AR(1), with the chains' autocorrelations averaged (N = k n).
        var = ((1 + phi**2) * (1 - phi ** (2 * t)) / (1 - phi**2) - 2 * t * phi ** (2 * t))
        sd = math.sqrt(var / n_total)
        # Biases: removing each chain's mean shifts rho by about -tau/n; 1/n normalisation
        # multiplies it by (1 - t/n).
        bias = (tau + t) / STEPS
        assert abs(mean_rho[t] - phi**t) <= 4 * sd + bias, (t, mean_rho[t], phi**t, sd)


def test_autocorrelation_constant_trace_is_delta():
    for x in (np.full(50, 0.1), np.zeros(8), np.full(33, -7e300), np.full(2, 5)):
        rho = autocorrelation(x)
        expected = np.zeros(len(x))
        expected[0] = 1.0
        np.testing.assert_array_equal(rho, expected)
    mixed = np.stack([np.full(10, 2.5), np.arange(10.0)])
    rho = autocorrelation(mixed)
    np.testing.assert_array_equal(rho[0], np.eye(1, 10)[0])
    np.testing.assert_allclose(rho[1], autocorrelation(np.arange(10.0)), atol=1e-15)


def test_autocorrelation_is_scale_and_shift_invariant_even_near_overflow():
    x = np.random.default_rng(2).normal(size=300)
    ref = autocorrelation(x)
    np.testing.assert_allclose(autocorrelation(1e300 * x), ref, atol=1e-12)
    np.testing.assert_allclose(autocorrelation(1e-300 * x + 1e-299), ref, atol=1e-9)
    np.testing.assert_allclose(autocorrelation(x.astype(np.float32)), ref, atol=1e-6)
    assert autocorrelation(x.astype(np.float32)).dtype == np.float64
    ints = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    np.testing.assert_allclose(autocorrelation(ints), autocorrelation(ints.astype(bool)))


# ------------------------------------------------------------------- tau, ESS

@pytest.mark.parametrize("phi", [0.9, 0.5])
def test_tau_of_ar1(ar1_chains, phi):
    x = ar1_chains(phi)
    tau = exact_tau(phi)  # 19 and 3
    c = 5.0
    rel_se, m = sokal_relative_se(tau, c, x.size)
    # Mean removal per chain biases tau low by about 2M/n relatively (each lag by -tau/n).
    rel_tol = 4 * rel_se + 2 * m / STEPS
    assert rel_tol < 0.1
    est = integrated_autocorrelation_time(x, c=c)
    assert isinstance(est, float)
    assert abs(est / tau - 1) <= rel_tol, (est, tau, rel_tol)
    ess = effective_sample_size(x)
    assert ess == pytest.approx(x.size / est, rel=1e-12)
    assert abs(ess / (x.size / tau) - 1) <= 1.1 * rel_tol


def test_tau_per_chain(ar1_chains):
    phi = 0.5
    x = ar1_chains(phi)
    tau = exact_tau(phi)
    per = integrated_autocorrelation_time(x, per_chain=True)
    assert isinstance(per, np.ndarray)
    assert per.shape == (CHAINS,) and per.dtype == np.float64
    rel_se, m = sokal_relative_se(tau, 5.0, STEPS)  # one chain each
    bias = 2 * m / STEPS
    assert np.all(np.abs(per / tau - 1) <= 5 * rel_se + bias)
    assert abs(per.mean() / tau - 1) <= 4 * rel_se / math.sqrt(CHAINS) + bias
    # the spread of the per-chain estimates is of the size Sokal predicts (within a factor 2)
    assert 0.5 < np.std(per / tau, ddof=1) / rel_se < 2.0
    single = integrated_autocorrelation_time(x[3], per_chain=True)
    assert isinstance(single, np.ndarray) and single.shape == ()
    assert float(single) == pytest.approx(per[3], rel=1e-12)
    assert integrated_autocorrelation_time(x[3]) == pytest.approx(per[3], rel=1e-12)


def test_tau_of_anticorrelated_chain_is_below_one():
    phi = -0.5  # tau = 1/3
    x = ar1(phi, 16, 20000, seed=7)
    c = 5.0
    # The window stops at lag 5 (= c, since tau(M) < 1 for all M), where the truncated sum is
    # 1 + 2 sum_{t=1}^{5} phi^t = 0.3125; the plain rule M >= c tau(M) would stop at M = 1
    # with 1 + 2 phi = 0.
    m = 5
    expected = 1 + 2 * sum(phi**t for t in range(1, m + 1))
    assert expected == pytest.approx(0.3125)
    # sd(rho_hat(t)) <= sqrt((1 + phi^2) / ((1 - phi^2) N)) by Bartlett; sum of 2M of them.
    sd = 2 * m * math.sqrt((1 + phi**2) / ((1 - phi**2) * x.size))
    est = integrated_autocorrelation_time(x, c=c)
    assert abs(est - expected) <= 4 * sd, (est, expected, sd)
    assert est < 0.5
    assert effective_sample_size(x) > 2 * x.size


def test_tau_of_independent_samples_is_one():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 10000))
    rel_se, m = sokal_relative_se(1.0, 5.0, x.size)
    rel_tol = 4 * rel_se + 2 * m / x.shape[1]
    tau = integrated_autocorrelation_time(x)
    assert abs(tau - 1) <= rel_tol, (tau, rel_tol)
    assert abs(effective_sample_size(x) / x.size - 1) <= 1.1 * rel_tol
    # a single long i.i.d. trace, uniform rather than normal
    y = rng.uniform(size=50000)
    rel_se, m = sokal_relative_se(1.0, 5.0, y.size)
    assert abs(integrated_autocorrelation_time(y) - 1) <= 4 * rel_se + 2 * m / y.size


def test_constant_traces():
    for x in (np.full(100, 0.1), np.full((3, 40), 2.0), np.zeros((2, 2))):
        assert integrated_autocorrelation_time(x) == 1.0
        np.testing.assert_array_equal(integrated_autocorrelation_time(x, per_chain=True),
                                      np.ones(x.shape[:-1]))
        assert effective_sample_size(x) == x.size
        mean, se = mean_and_standard_error(x)
        assert mean == pytest.approx(float(x.flat[0]), rel=1e-15)
        assert se == 0.0


def test_alternating_trace_gives_nonpositive_tau_and_ess_refuses():
    x = np.tile([1.0, -1.0], 100)
    tau = integrated_autocorrelation_time(x)
    assert tau <= 0  # documented: not clamped
    with pytest.raises(ValueError, match="anti-correlated"):
        effective_sample_size(x)
    with pytest.raises(ValueError, match="anti-correlated"):
        mean_and_standard_error(x)


def test_larger_c_uses_a_longer_window(ar1_chains):
    x = ar1_chains(0.9)
    # windowed sums of a positively correlated ACF grow with the window, towards tau = 19
    taus = [integrated_autocorrelation_time(x, c=c) for c in (1.0, 2.0, 5.0, 10.0)]
    assert taus[0] < taus[1] < taus[2]
    assert taus[0] < 0.9 * taus[3]
    assert abs(taus[3] / 19 - 1) < 0.1


# ------------------------------------------------------------------- axis handling

def test_axis_zero_on_transposed_data_matches(ar1_chains):
    x = ar1_chains(0.5)[:8, :3000]
    xt = x.T.copy()
    np.testing.assert_allclose(autocorrelation(xt, axis=0), autocorrelation(x).T, atol=1e-14)
    assert integrated_autocorrelation_time(xt, axis=0) == pytest.approx(
        integrated_autocorrelation_time(x), rel=1e-12)
    np.testing.assert_allclose(integrated_autocorrelation_time(xt, axis=0, per_chain=True),
                               integrated_autocorrelation_time(x, per_chain=True), rtol=1e-12)
    assert effective_sample_size(xt, axis=0) == pytest.approx(effective_sample_size(x), rel=1e-12)
    np.testing.assert_allclose(mean_and_standard_error(xt, axis=0),
                               mean_and_standard_error(x), rtol=1e-12)
    assert integrated_autocorrelation_time(x, axis=1) == integrated_autocorrelation_time(x)


def test_extra_axes_index_chains(ar1_chains):
    x = ar1_chains(0.5)[:6, :2000]
    x3 = x.reshape(2, 3, 2000)
    assert integrated_autocorrelation_time(x3).__class__ is float
    assert integrated_autocorrelation_time(x3) == pytest.approx(
        integrated_autocorrelation_time(x), rel=1e-12)
    per = integrated_autocorrelation_time(x3, per_chain=True)
    assert per.shape == (2, 3)
    np.testing.assert_allclose(per.ravel(), integrated_autocorrelation_time(x, per_chain=True))
    moved = np.moveaxis(x3, -1, 1)  # (2, 2000, 3), time axis 1
    assert autocorrelation(moved, axis=1).shape == moved.shape
    np.testing.assert_allclose(integrated_autocorrelation_time(moved, axis=1, per_chain=True),
                               per, rtol=1e-12)


# ------------------------------------------------------------------- error bars

def test_standard_error_is_calibrated_on_ar1():
    phi, replicates, steps = 0.8, 200, 5000
    x = ar1(phi, replicates, steps, seed=11)
    results = np.array([mean_and_standard_error(row) for row in x])
    means, ses = results[:, 0], results[:, 1]
    empirical = np.std(means, ddof=1)
    # true se of a mean: sqrt(tau / n) with unit variance
    assert empirical == pytest.approx(math.sqrt(exact_tau(phi) / steps), rel=0.2)
    ratio = ses.mean() / empirical
    # s^2 / sigma^2 ~ chi^2_{R-1}: the relative sd of the empirical std is
    # 1/sqrt(2(R-1)) = 0.050 for R = 200; 3 of those is 0.15. The mean of 200 reported se's
    # is much tighter (each has ~10% relative error) and biased low by only ~M/n ~ 1%.
    tol = 3 / math.sqrt(2 * (replicates - 1))
    assert tol == pytest.approx(0.15, abs=0.005)
    assert abs(ratio - 1) <= tol, ratio
    # the reported se is not the naive i.i.d. one: that would be sqrt(tau) = 3 times smaller
    naive = np.std(x, axis=1, ddof=1).mean() / math.sqrt(steps)
    assert ses.mean() / naive == pytest.approx(3.0, rel=0.15)


def test_mean_and_standard_error_pools_chains(ar1_chains):
    x = ar1_chains(0.5)[:10, :4000]
    mean, se = mean_and_standard_error(x)
    assert isinstance(mean, float) and isinstance(se, float)
    assert mean == pytest.approx(x.mean(), rel=1e-12, abs=1e-15)
    expected = math.sqrt(np.var(x, ddof=1) * integrated_autocorrelation_time(x) / x.size)
    assert se == pytest.approx(expected, rel=1e-12)
    assert mean_and_standard_error(x.ravel().tolist()[:50])[1] > 0
    # units: scaling the data scales mean and se, also near the float64 limit
    big_mean, big_se = mean_and_standard_error(1e300 * x)
    assert big_mean == pytest.approx(1e300 * mean, rel=1e-10)
    assert big_se == pytest.approx(1e300 * se, rel=1e-10)


def test_chain_spread_error():
    assert chain_spread_error([1.0, 2.0, 3.0, 4.0]) == pytest.approx(
        np.std([1, 2, 3, 4], ddof=1) / 2, rel=1e-15)
    assert chain_spread_error([3, 3]) == 0.0
    assert chain_spread_error(np.array([1e300, -1e300])) == pytest.approx(1e300, rel=1e-12)
    # agrees with the autocorrelation-based se on well-mixed independent chains
    x = ar1(0.8, 40, 5000, seed=5)
    spread = chain_spread_error(x.mean(axis=1))
    _, se = mean_and_standard_error(x)
    # spread has relative sd 1/sqrt(2*39) ~ 0.11
    assert abs(spread / se - 1) <= 4 / math.sqrt(2 * 39)


@pytest.mark.parametrize("values, exc, match", [
    ([1.0], ValueError, "at least 2"),
    ([], ValueError, "at least 2"),
    (3.0, ValueError, "1-D"),
    ([[1.0, 2.0], [3.0, 4.0]], ValueError, "1-D"),
    ([1.0, np.nan], ValueError, "values must be finite"),
    ([1.0, np.inf], ValueError, "values must be finite"),
    (["a", "b"], TypeError, "values"),
    ([1 + 1j, 2], TypeError, "values"),
])
def test_chain_spread_error_rejects(values, exc, match):
    with pytest.raises(exc, match=match):
        chain_spread_error(values)


# ------------------------------------------------------------------- validation

ALL = [autocorrelation, integrated_autocorrelation_time, effective_sample_size,
       mean_and_standard_error]


@pytest.mark.parametrize("func", ALL)
@pytest.mark.parametrize("x, kwargs, exc, match", [
    (["a", "b", "c"], {}, TypeError, "x must be"),
    (np.array([1, 2, None], dtype=object), {}, TypeError, "x must be"),
    (np.array([1j, 2j, 3j]), {}, TypeError, "x must be"),
    ([[1.0, 2.0], [3.0]], {}, ValueError, "x must be"),
    (5.0, {}, ValueError, "x must have at least one dimension"),
    ([1.0], {}, ValueError, "at least 2 samples"),
    ([], {}, ValueError, "at least 2 samples"),
    (np.ones((3, 1)), {}, ValueError, "at least 2 samples"),
    (np.ones((3, 5)), {"axis": 0}, None, None),
    (np.ones((3, 5)), {"axis": 2}, ValueError, "axis"),
    (np.ones((3, 5)), {"axis": 1.0}, TypeError, "axis"),
    (np.ones((3, 5)), {"axis": True}, TypeError, "axis"),
    (np.ones((0, 5)), {}, ValueError, "x must hold at least one chain"),
    ([1.0, np.nan, 2.0], {}, ValueError, "x must be finite"),
    ([1.0, 2.0, -np.inf], {}, ValueError, "x must be finite"),
])
def test_invalid_x_and_axis(func, x, kwargs, exc, match):
    if exc is None:
        assert np.all(np.isfinite(func(x, **kwargs)))
        return
    with pytest.raises(exc, match=match):
        func(x, **kwargs)


@pytest.mark.parametrize("func", [integrated_autocorrelation_time, effective_sample_size,
                                  mean_and_standard_error])
@pytest.mark.parametrize("c, exc", [(0.0, ValueError), (-1.0, ValueError),
                                    (np.inf, ValueError), (np.nan, ValueError),
                                    ("5", TypeError), (None, TypeError), (True, TypeError)])
def test_invalid_c(func, c, exc):
    with pytest.raises(exc, match="c must be"):
        func(np.arange(10.0), c=c)


def test_invalid_per_chain():
    with pytest.raises(TypeError, match="per_chain"):
        integrated_autocorrelation_time(np.arange(10.0), per_chain="yes")
    assert integrated_autocorrelation_time(np.arange(10.0), per_chain=np.bool_(False)) > 0


def test_c_accepts_integers_and_small_values():
    x = ar1(0.5, 4, 2000, seed=9)
    assert integrated_autocorrelation_time(x, c=5) == integrated_autocorrelation_time(x, c=5.0)
    # c < 1: the window is the first lag M >= c max(tau(M), 1), here M = 1 or 2
    assert 1.0 < integrated_autocorrelation_time(x, c=0.5) < 3.0


# ------------------------------------------------------------------- docs

def test_docstring_examples_run():
    result = doctest.testmod(ms, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8
    assert result.failed == 0


@pytest.mark.parametrize("name", ms.__all__)
def test_public_functions_are_documented(name):
    doc = getattr(ms, name).__doc__
    assert len(doc) > 300
    for section in ("Parameters", "Returns", "Raises", "Examples"):
        assert section in doc, (name, section)
