"""boltz.logsumexp: SciPy's semantics, exact edges, accuracy, axes, dtypes, threads."""
import math

import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import boltz

inf, nan = np.inf, np.nan


def reference_lse(x):
    """log sum exp(x) from exactly summed long-double exponentials (fsum of hi+lo parts)."""
    x = np.asarray(x, dtype=np.float64)
    m = x.max()
    t = np.exp((x - m).astype(np.longdouble))
    hi = t.astype(np.float64)
    lo = (t - hi).astype(np.float64)
    s = math.fsum(np.concatenate([hi, lo]))
    return float(np.longdouble(m) + np.log(np.longdouble(s)))


def ulps(a, ref):
    return abs(a - ref) / np.spacing(abs(ref))


# ---- edge cases ---------------------------------------------------------------------------

EDGE_CASES = [
    # a, b, expected value, expected sign
    ([-inf, -inf], None, -inf, 0.0),
    ([], None, -inf, 0.0),
    ([inf, 1.0], None, inf, 1.0),
    ([inf, -inf], None, inf, 1.0),
    ([inf, inf], None, inf, 1.0),
    ([inf, nan], None, nan, nan),
    ([nan, 1.0], None, nan, nan),
    ([-inf, nan], None, nan, nan),
    ([nan, nan], None, nan, nan),
    ([5.0], None, 5.0, 1.0),
    ([0.0, 0.0], None, math.log(2.0), 1.0),
    ([1.0, 2.0], [1.0, -1.0], math.log(math.e**2 - math.e), -1.0),
    ([1.0, 1.0], [1.0, -1.0], -inf, 0.0),
    ([inf, 1.0], [0.0, 1.0], 1.0, 1.0),         # b == 0 excludes even +inf
    ([nan, 1.0], [0.0, 1.0], 1.0, 1.0),         # ... and nan
    ([inf, 1.0], [-1.0, 1.0], inf, -1.0),
    ([inf, inf], [1.0, -1.0], nan, nan),        # inf - inf
    ([1.0, 2.0], [0.0, 0.0], -inf, 0.0),
    ([0.0, 1.0], [2.0, 0.5], math.log(2 + 0.5 * math.e), 1.0),
]


@pytest.mark.parametrize("a, b, value, sign", EDGE_CASES)
def test_edge_cases(a, b, value, sign):
    res, sgn = boltz.logsumexp(np.array(a, dtype=float), b=b, return_sign=True)
    np.testing.assert_equal(sgn, sign)
    if math.isnan(value) or math.isinf(value):
        np.testing.assert_equal(res, value)
    else:
        assert res == pytest.approx(value, rel=1e-15, abs=0)
    plain = boltz.logsumexp(np.array(a, dtype=float), b=b)
    np.testing.assert_equal(plain, nan if sign < 0 else res)


@pytest.mark.parametrize("a, b, value, sign", EDGE_CASES)
def test_edge_cases_match_scipy(a, b, value, sign):
    if len(a) == 0:
        return  # SciPy returns sign -1 for an empty sum; boltz returns 0 (documented)
    with np.errstate(all="ignore"):
        expected = sp.logsumexp(np.array(a, dtype=float), b=b, return_sign=True)
    got = boltz.logsumexp(np.array(a, dtype=float), b=b, return_sign=True)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-14)
    if not np.isnan(expected[0]):
        np.testing.assert_equal(got[1], expected[1])


def test_empty_axis_and_empty_rows():
    z = np.zeros((0, 3))
    np.testing.assert_equal(boltz.logsumexp(z, axis=0), [-inf, -inf, -inf])
    assert boltz.logsumexp(z, axis=1).shape == (0,)


# ---- accuracy -----------------------------------------------------------------------------

def test_one_dominant_term_is_exact():
    a = np.full(10**6 + 1, -40.0)
    a[0] = 0.0
    exact = math.log1p(10**6 * math.exp(-40.0))
    res = boltz.logsumexp(a)
    assert abs(res - exact) / exact <= 1e-14
    # naive code loses it completely: log(1 + 4e-12) has ~1e-5 relative error
    naive = np.log(np.sum(np.exp(a)))
    assert abs(naive - exact) / exact > 1e-7


def test_dominant_term_float32():
    a = np.full(1001, -20.0, dtype=np.float32)
    a[500] = 0.0
    exact = math.log1p(1000 * math.exp(np.float32(-20.0)))
    res = boltz.logsumexp(a)
    assert res.dtype == np.float32
    assert abs(float(res) - exact) / exact <= 2 * np.finfo(np.float32).eps


def test_ties_at_the_maximum_are_exact():
    a = np.array([3.0, 3.0, 3.0, -50.0])
    assert boltz.logsumexp(a) == pytest.approx(3.0 + math.log(3.0) + math.exp(-53.0) / 3,
                                               rel=1e-16)


@pytest.mark.parametrize("n", [16, 100, 1000, 10_000, 200_000])
def test_random_data_within_2_ulp(n, rng):
    for _ in range(5):
        x = rng.standard_normal(n) * rng.uniform(0.1, 10)
        ref = reference_lse(x)
        assert ulps(boltz.logsumexp(x), ref) <= 2


def test_rows_within_2_ulp(rng):
    x = rng.standard_normal((200, 64)) * 3
    res = boltz.logsumexp(x, axis=1)
    for r, row in zip(res, x, strict=True):
        assert ulps(r, reference_lse(row)) <= 2


def test_long_rows_use_chunks_and_stay_accurate(rng):
    # longer than one chunk (65536) and not a multiple of it
    x = rng.standard_normal((3, 150_001))
    x[1, 140_000] = 30.0   # maximum in the last chunk
    res = boltz.logsumexp(x, axis=1)
    for r, row in zip(res, x, strict=True):
        assert ulps(r, reference_lse(row)) <= 2


def test_float32_accuracy(rng):
    x = rng.standard_normal((100, 300)).astype(np.float32)
    res = boltz.logsumexp(x, axis=1)
    assert res.dtype == np.float32
    ref = np.array([reference_lse(row) for row in x.astype(np.float64)])
    np.testing.assert_allclose(res, ref, rtol=2 * np.finfo(np.float32).eps)


# ---- shapes, axes, strides, dtypes --------------------------------------------------------

@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, (0, 2), (1, 2), (0, 1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_axes_match_scipy(axis, keepdims, rng):
    a = rng.standard_normal((4, 5, 6)) * 5
    b = rng.uniform(0.1, 2, size=(4, 5, 6))
    np.testing.assert_allclose(boltz.logsumexp(a, axis=axis, keepdims=keepdims),
                               sp.logsumexp(a, axis=axis, keepdims=keepdims), rtol=1e-14)
    np.testing.assert_allclose(boltz.logsumexp(a, axis=axis, b=b, keepdims=keepdims),
                               sp.logsumexp(a, axis=axis, b=b, keepdims=keepdims), rtol=1e-14)


def test_signed_weights_match_scipy(rng):
    a = rng.standard_normal((30, 7))
    b = rng.standard_normal((30, 7))
    got = boltz.logsumexp(a, axis=1, b=b, return_sign=True)
    exp = sp.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(got[0], exp[0], rtol=1e-12)
    np.testing.assert_equal(got[1], exp[1])


def test_weights_broadcast(rng):
    a = rng.standard_normal((10, 4))
    b = np.array([1.0, 2.0, 0.0, 0.5])
    np.testing.assert_allclose(boltz.logsumexp(a, axis=1, b=b),
                               sp.logsumexp(a, axis=1, b=b), rtol=1e-14)


def test_strided_and_fortran_input(rng):
    base = rng.standard_normal((40, 60))
    for view in (base[::3, ::2], base.T, np.asfortranarray(base), base[:, 5]):
        for axis in (None, 0, -1):
            np.testing.assert_allclose(boltz.logsumexp(view, axis=axis),
                                       sp.logsumexp(view, axis=axis), rtol=1e-14)


def test_result_types(rng):
    x = rng.standard_normal(10)
    assert isinstance(boltz.logsumexp(x), np.float64)
    assert boltz.logsumexp(x.astype(np.float32)).dtype == np.float32
    assert boltz.logsumexp(np.arange(5)).dtype == np.float64
    assert boltz.logsumexp(x.astype(np.float16)).dtype == np.float32
    assert boltz.logsumexp(x.reshape(2, 5), axis=1).shape == (2,)
    assert boltz.logsumexp(x.reshape(2, 5), axis=1, keepdims=True).shape == (2, 1)
    assert boltz.logsumexp(3.0) == 3.0


@pytest.mark.parametrize("bad, exc, word", [
    (np.array([1 + 1j]), TypeError, "a"),
    (np.array(["x"]), TypeError, "a"),
    (np.array([1.0], dtype=np.longdouble), TypeError, "a"),
])
def test_bad_input(bad, exc, word):
    with pytest.raises(exc, match=rf"\b{word}\b"):
        boltz.logsumexp(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="axis"):
        boltz.logsumexp(np.zeros((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis"):
        boltz.logsumexp(np.zeros((2, 3)), axis=1.5)
    with pytest.raises(ValueError, match="b"):
        boltz.logsumexp(np.zeros((2, 3)), b=np.ones(4))
    with pytest.raises(ValueError, match="rectangular"):
        boltz.logsumexp([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="num_threads"):
        boltz.logsumexp(np.zeros(3), num_threads=0)
    with pytest.raises(TypeError, match="num_threads"):
        boltz.logsumexp(np.zeros(3), num_threads=1.5)


# ---- properties ---------------------------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@given(hnp.arrays(np.float64, st.integers(1, 50), elements=finite), finite)
def test_shift_invariance(x, c):
    lhs = boltz.logsumexp(x + c)
    rhs = boltz.logsumexp(x) + c
    # the only rounding is in forming x + c and the final addition
    tol = 4 * np.spacing(max(abs(lhs), abs(c), np.abs(x).max(), 1.0))
    assert abs(lhs - rhs) <= tol


@given(hnp.arrays(np.float64, st.integers(1, 50), elements=finite))
def test_bounds_max_and_max_plus_log_n(x):
    res = boltz.logsumexp(x)
    assert x.max() <= res <= x.max() + math.log(x.size) + 1e-12


# ---- threads ------------------------------------------------------------------------------

def test_bit_identical_for_any_thread_count(rng):
    long_row = rng.standard_normal(10**6)
    rows = rng.standard_normal((1000, 257))
    results = [(boltz.logsumexp(long_row, num_threads=t),
                boltz.logsumexp(rows, axis=1, num_threads=t),
                boltz.logsumexp(rows.astype(np.float32), axis=0, b=rows[0] ** 2,
                                num_threads=t)) for t in (1, 2, 3)]
    for other in results[1:]:
        for got, first in zip(other, results[0], strict=True):
            assert np.array_equal(got, first)


def test_respects_threadpoolctl(rng):
    import threadpoolctl

    from boltz._core import _parallel

    with threadpoolctl.threadpool_limits(1, user_api="openmp"):
        assert _parallel.default_num_threads() == 1
        x = rng.standard_normal(1000)
        assert boltz.logsumexp(x) == boltz.logsumexp(x, num_threads=2)
