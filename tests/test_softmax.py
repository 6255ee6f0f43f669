"""boltz.softmax / log_softmax: normalisation, temperature limits, infinities, SciPy."""
import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import boltz

inf, nan = np.inf, np.nan
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
rows_strategy = hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 40)),
                           elements=finite)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_matches_scipy(axis, rng):
    x = rng.standard_normal((30, 40)) * 4
    np.testing.assert_allclose(boltz.softmax(x, axis=axis), sp.softmax(x, axis=axis),
                               rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(boltz.log_softmax(x, axis=axis), sp.log_softmax(x, axis=axis),
                               rtol=1e-14, atol=1e-14)


def test_three_dimensional_and_strided(rng):
    x = rng.standard_normal((3, 4, 5))[:, ::2, :]
    for axis in range(3):
        np.testing.assert_allclose(boltz.softmax(x, axis=axis), sp.softmax(x, axis=axis),
                                   rtol=1e-14)


def test_temperature_scales_the_logits(rng):
    x = rng.standard_normal((5, 9))
    for t in (0.1, 0.5, 3.0, 100.0):
        np.testing.assert_allclose(boltz.softmax(x, temperature=t), sp.softmax(x / t, axis=-1),
                                   rtol=1e-13)
        np.testing.assert_allclose(boltz.log_softmax(x, temperature=t),
                                   sp.log_softmax(x / t, axis=-1), rtol=1e-13, atol=1e-13)


def test_zero_temperature_limit_is_argmax_with_shared_ties():
    x = np.array([[1.0, 2.0, 2.0, -5.0], [0.0, 0.0, 0.0, 0.0]])
    for t in (1e-9, 1e-300, 5e-324):
        np.testing.assert_array_equal(boltz.softmax(x, temperature=t),
                                      [[0, 0.5, 0.5, 0], [0.25, 0.25, 0.25, 0.25]])


def test_large_temperature_limit_is_uniform(rng):
    x = rng.standard_normal(50)
    np.testing.assert_allclose(boltz.softmax(x, temperature=1e15), np.full(50, 0.02),
                               rtol=1e-13)


def test_infinite_entries_share_the_mass():
    np.testing.assert_array_equal(boltz.softmax([inf, 1.0, inf, -inf]), [0.5, 0, 0.5, 0])
    np.testing.assert_array_equal(boltz.log_softmax([inf, 1.0, inf]),
                                  [-np.log(2), -inf, -np.log(2)])


def test_minus_infinity_entries_get_zero():
    np.testing.assert_allclose(boltz.softmax([-inf, 0.0, 0.0]), [0, 0.5, 0.5])
    np.testing.assert_allclose(boltz.log_softmax([-inf, 0.0]), [-inf, 0.0])


def test_all_minus_infinity_and_nan_rows_are_nan():
    x = np.array([[-inf, -inf], [nan, 1.0], [0.0, 1.0], [inf, nan]])
    for f in (boltz.softmax, boltz.log_softmax):
        out = f(x)
        assert np.all(np.isnan(out[[0, 1, 3]]))
        assert np.all(np.isfinite(out[2]))


def test_log_softmax_keeps_tiny_probabilities():
    np.testing.assert_array_equal(boltz.log_softmax([0.0, -1000.0]), [0.0, -1000.0])
    p = boltz.softmax([0.0, -720.0])  # a subnormal probability is kept, not flushed
    assert p[1] == pytest.approx(np.exp(-720.0), rel=1e-12)


def test_dtype_and_shape_are_kept(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    assert boltz.softmax(x).dtype == np.float32
    assert boltz.log_softmax(x).shape == (3, 4)
    assert boltz.softmax([1, 2, 3]).dtype == np.float64
    np.testing.assert_allclose(boltz.softmax(x).sum(axis=-1), 1, rtol=1e-6)


def test_empty_axis():
    assert boltz.softmax(np.zeros((3, 0))).shape == (3, 0)


@pytest.mark.parametrize("temperature", [0.0, -1.0, nan, inf, "hot"])
def test_bad_temperature(temperature):
    err = TypeError if isinstance(temperature, str) else ValueError
    with pytest.raises(err, match="temperature"):
        boltz.softmax([1.0, 2.0], temperature=temperature)


def test_bad_arguments():
    with pytest.raises(ValueError, match="axis"):
        boltz.softmax(np.zeros((2, 2)), axis=3)
    with pytest.raises(ValueError, match="x"):
        boltz.softmax(1.0)
    with pytest.raises(TypeError, match="x"):
        boltz.softmax(np.array([1j]))
    with pytest.raises(TypeError, match="temperature"):
        boltz.softmax([1.0, 2.0], temperature=[1.0, 2.0])


@given(rows_strategy, st.floats(0.05, 20.0))
def test_rows_sum_to_one_and_are_positive(x, t):
    p = boltz.softmax(x, temperature=t)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


@given(rows_strategy, finite)
def test_shift_invariance(x, c):
    np.testing.assert_allclose(boltz.softmax(x + c), boltz.softmax(x), rtol=1e-9, atol=1e-15)


@given(rows_strategy)
def test_log_softmax_is_log_of_softmax(x):
    p = boltz.softmax(x)
    lp = boltz.log_softmax(x)
    mask = p > 1e-300
    np.testing.assert_allclose(np.exp(lp[mask]), p[mask], rtol=1e-12)


@given(rows_strategy)
def test_lower_temperature_sharpens(x):
    # the probability of the (first) argmax grows as T falls
    idx = np.argmax(x, axis=1)
    ps = [boltz.softmax(x, temperature=t)[np.arange(len(x)), idx] for t in (4.0, 1.0, 0.25)]
    assert np.all(ps[0] <= ps[1] + 1e-12) and np.all(ps[1] <= ps[2] + 1e-12)


def test_bit_identical_for_any_thread_count(rng):
    x = rng.standard_normal((2000, 100))
    outs = [boltz.softmax(x, num_threads=t) for t in (1, 2, 3)]
    logs = [boltz.log_softmax(x, axis=0, num_threads=t) for t in (1, 2, 3)]
    for o in outs[1:]:
        assert np.array_equal(o, outs[0])
    for o in logs[1:]:
        assert np.array_equal(o, logs[0])
