"""Hardening (issue 14) items 9, 10, 12, 14 and 15: numerics at the edges of float32/float64,
refused input types, and estimates of a finished run that never raise.

Truth is computed independently: exact rational arithmetic (fractions.Fraction) for the
logits (x_i - max x) / T, then float64 exp; for extreme energy levels, the same levels
divided by 10^308 (an inexact, non-power-of-two factor the implementation does not use).
"""
from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import boltz
from boltz.numerics import mcmc_statistics as stats

F32_MAX = float(np.finfo(np.float32).max)


def exact_logits(x, temperature):
    """(x_i - max x) / T, each correctly rounded to float64 from exact rationals."""
    finite = [Fraction(float(v)) for v in x if np.isfinite(v)]
    m = max(finite)
    out = []
    for v in x:
        if v == -np.inf:
            out.append(-math.inf)
            continue
        q = (Fraction(float(v)) - m) / Fraction(temperature)
        out.append(-math.inf if q < -Fraction(2.0**1023) * 2 else float(q))
    return np.array(out)


def softmax_truth(x, temperature):
    z = exact_logits(x, temperature)
    e = np.exp(z)
    return e / e.sum(), z - np.log(e.sum())


def assert_close_to_truth(x, temperature):
    dtype = np.asarray(x).dtype
    p_true, logp_true = softmax_truth(x, temperature)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = boltz.softmax(x, temperature=temperature)
        logp = boltz.log_softmax(x, temperature=temperature)
        q = boltz.boltzmann_probs(-np.asarray(x), temperature=temperature)
    assert p.dtype == logp.dtype == q.dtype == dtype
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(p, p_true, **tol)
    np.testing.assert_allclose(q, p_true, **tol)
    with np.errstate(over="ignore"):
        expected_log = logp_true.astype(dtype)         # below -3.4e38 a float32 log is -inf
    assert np.array_equal(np.isneginf(logp), np.isneginf(expected_log))
    finite = np.isfinite(expected_log)
    np.testing.assert_allclose(logp[finite], expected_log[finite],
                               rtol=tol["rtol"], atol=tol["atol"])


# ---- item 9: tiny temperatures --------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("temperature", [5e-324, 1e-320, 1e-310, 1e-39, 1e-45, 1e-38])
def test_tiny_temperature_gives_the_argmax_and_shares_ties(dtype, temperature):
    """Hardening item 9: float32 and a tiny temperature gave nan (1/T overflows float32)."""
    for fn in (boltz.softmax, lambda x, temperature: boltz.boltzmann_probs(-x, temperature)):
        p = fn(np.array([1.0, 2.0], dtype), temperature=temperature)
        assert p.dtype == dtype
        np.testing.assert_array_equal(p, [0.0, 1.0])
        np.testing.assert_array_equal(fn(np.zeros(4, dtype), temperature=temperature),
                                      np.full(4, 0.25, dtype))
        np.testing.assert_array_equal(fn(np.array([3.0, 1.0, 3.0], dtype),
                                         temperature=temperature), [0.5, 0.0, 0.5])
    logp = boltz.log_softmax(np.array([1.0, 2.0, 2.0], dtype), temperature=temperature)
    with np.errstate(over="ignore"):              # -1/T - log 2: -inf in float32 here
        expected = np.array([-1 / temperature - np.log(2), -np.log(2), -np.log(2)]).astype(dtype)
    np.testing.assert_allclose(logp, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)


def test_tiny_temperature_keeps_gaps_of_its_own_size():
    """Hardening item 9: the answer at a subnormal T, not only its limit."""
    p = boltz.softmax(np.array([0.0, -5e-324]), temperature=5e-324)
    np.testing.assert_allclose(p, [1 / (1 + math.exp(-1)), 1 / (1 + math.e)], rtol=1e-15)
    tiny32 = float(np.float32(1e-45))             # the smallest float32, 2^-149
    p32 = boltz.softmax(np.array([0.0, -tiny32], np.float32), temperature=tiny32)
    np.testing.assert_allclose(p32, [1 / (1 + math.exp(-1)), 1 / (1 + math.e)], rtol=1e-6)


# ---- item 10: huge temperatures, infinities, overflowing gaps -------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("temperature", [1e38, 1e39, 1e46, 1e300, 1.7e308])
def test_huge_temperature_with_infinities(dtype, temperature):
    """Hardening item 10: float32, huge T and -inf gave nan (1/T underflows float32 to 0)."""
    x = np.array([-np.inf, 0.0], dtype)
    np.testing.assert_array_equal(boltz.softmax(x, temperature=temperature), [0.0, 1.0])
    np.testing.assert_array_equal(boltz.log_softmax(x, temperature=temperature), [-np.inf, 0])
    np.testing.assert_array_equal(boltz.boltzmann_probs(-x, temperature=temperature), [0, 1])
    both = np.array([np.inf, 1.0, np.inf], dtype)
    np.testing.assert_array_equal(boltz.softmax(both, temperature=temperature), [0.5, 0, 0.5])
    assert np.all(np.isnan(boltz.softmax(np.array([1.0, np.nan], dtype),
                                         temperature=temperature)))


def test_gaps_overflowing_the_dtype_at_a_large_temperature():
    """Hardening item 10: x - max overflowed to -inf though (x - max)/T is finite."""
    assert_close_to_truth(np.array([-3e38, 3e38], np.float32), 1e38)       # z = -6
    assert_close_to_truth(np.array([-1.7e308, 1.7e308]), 1e308)
    logp = boltz.log_softmax(np.array([-1.7e308, 1.7e308]), temperature=1e10)
    assert logp[0] == pytest.approx(-3.4e298, rel=1e-15) and logp[1] == 0.0


def test_boltzmann_constant_times_temperature_out_of_range_is_refused():
    """Hardening item 10: k_B T overflowing float64 is a ValueError naming both."""
    with pytest.raises(ValueError, match="temperature \\* boltzmann_constant"):
        boltz.boltzmann_probs([0.0, 1.0], temperature=1e300, boltzmann_constant=1e10)
    with pytest.raises(ValueError, match="boltzmann_constant"):
        boltz.thermodynamics([0.0, 1.0], temperature=1e-300, boltzmann_constant=1e-30)


temperatures = st.one_of(
    st.floats(min_value=5e-324, max_value=1.7e308),    # subnormals included: the bounds allow them
    st.sampled_from([5e-324, 1e-45, 1e-39, 2.9e-39, 1.2e-38, 1e38, 8.5e37, 3.5e38, 1e46,
                     1e300, 1.7e308]))


@st.composite
def score_rows(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    big = F32_MAX if dtype == np.float32 else 1.7e308
    elems = st.one_of(st.floats(-big, big, width=32 if dtype == np.float32 else 64),
                      st.just(-np.inf), st.sampled_from([0.0, 1.0, -big, big]))
    x = draw(hnp.arrays(dtype, st.integers(1, 6), elements=elems))
    if not np.any(np.isfinite(x)):
        x[0] = 0.0
    return x


@given(x=score_rows(), temperature=temperatures)
def test_softmax_family_matches_exact_truth_at_any_temperature(x, temperature):
    """Hardening items 9 and 10: property test against exact rational logits, float32 and
    float64, every temperature from the smallest subnormal to the largest double."""
    assert_close_to_truth(x, temperature)


# ---- item 12: refused array types ------------------------------------------------------------

MASKED = np.ma.array([1.0, 2.0, 3.0], mask=[False, True, False])
REFUSED = [
    (MASKED, "masked arrays are not supported"),
    (np.ma.array([1.0, 2.0, 3.0]), "masked arrays are not supported"),
    (np.array([1 + 5j, 2, 3]), "complex"),
    (np.array([1.0, 2.0, 3.0], dtype=object), "object"),
    (np.array(["2020-01-01"] * 3, dtype="datetime64[D]"), "datetime64"),
    (np.zeros(3, dtype=[("a", "f8")]), "dtype"),
]


@pytest.mark.parametrize("value, match", REFUSED)
@pytest.mark.parametrize("call, name", [
    (lambda v: boltz.logsumexp(v), "a"),
    (lambda v: boltz.softmax(v), "x"),
    (lambda v: boltz.boltzmann_probs(v), "energies"),
    (lambda v: boltz.thermodynamics(v, 1.0), "energies"),
    (lambda v: boltz.thermodynamics([0.0, 1.0], v), "temperature"),
    (lambda v: boltz.solve_beta([0.0, 1.0, 5.0], v), "mean_energy"),
    (lambda v: boltz.boltzmann_probs([0.0, 1.0, 2.0], degeneracy=v), "degeneracy"),
    (lambda v: stats.mean_and_standard_error(v), "x"),
])
def test_refused_array_types_name_the_argument(call, name, value, match):
    """Hardening item 12: complex, masked, object, datetime and structured arrays are a
    TypeError naming the argument (masked arrays had their mask silently ignored)."""
    with pytest.raises(TypeError, match=match) as info:
        call(value)
    assert str(info.value).startswith(name)


@pytest.mark.parametrize("value", [1 + 5j, np.complex128(1), np.array(1 + 5j),
                                   np.ma.array(1.0), np.ma.array(1.0, mask=True)])
def test_refused_scalars_name_the_argument(value):
    """Hardening item 12: complex and masked scalars (incl. 0-d arrays) are a TypeError."""
    with pytest.raises(TypeError, match="temperature"):
        boltz.softmax([1.0, 2.0], temperature=value)
    with pytest.raises(TypeError, match="mean_energy"):
        boltz.solve_beta([0.0, 1.0, 2.0], value)
    with pytest.raises(TypeError, match="temperature"):
        boltz.thermodynamics([0.0, 1.0], value)


# ---- item 14: levels across the whole float64 range ------------------------------------------

EXTREME = [1e308, -1e308, 1.7e308]


def scaled_mean(levels, beta, factor=Fraction(10) ** 308):
    """<E> at beta, from the levels divided by 10^308 and beta times it (exact rationals)."""
    e = [Fraction(v) / factor for v in levels]
    b = float(Fraction(beta) * factor)
    z = [-b * float(v - min(e)) for v in e]
    w = [math.exp(v) for v in z]
    return sum(wi * float(ei) for wi, ei in zip(w, e, strict=True)) / sum(w) * float(factor)


def test_solve_beta_on_levels_spanning_the_float64_range():
    """Hardening item 14: solve_beta([1e308, -1e308, 1.7e308], 1.0) returned 0.0; the answer
    is a subnormal beta of about 4.11e-309."""
    beta = boltz.solve_beta(EXTREME, 1.0)
    assert 4.10e-309 < beta < 4.12e-309
    spread = 2.7e308
    assert abs(scaled_mean(EXTREME, beta)) < 1e-13 * spread        # <E> = 1, i.e. 0 here
    assert scaled_mean(EXTREME, beta * (1 - 1e-9)) > 0 > scaled_mean(EXTREME, beta * (1 + 1e-9))
    # a mean the levels give only beyond float64 is refused, not returned as inf
    with pytest.raises(ValueError, match="mean_energy"):
        boltz.solve_beta([0.0, 1e-320, 2e-320], 0.5e-320)
    assert boltz.solve_beta([0.0, 5e-324, 1e-323], 5e-324) == 0.0


@pytest.mark.parametrize("temperature", [1.0, 1e300, 1e307, 1e308, 1.7e308])
def test_thermodynamics_on_levels_spanning_the_float64_range(temperature):
    """Hardening item 14: thermodynamics on the same levels gave mean_energy nan (with only a
    warning); compare with the levels and temperature divided by 10^308."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        th = boltz.thermodynamics(EXTREME, temperature)
    f = 1e308
    ref = boltz.thermodynamics([v / f for v in EXTREME], temperature / f)
    for name in ("mean_energy", "energy_std", "free_energy"):
        assert getattr(th, name) == pytest.approx(getattr(ref, name) * f, rel=1e-13,
                                                  abs=1e-13 * f)
    for name in ("entropy", "heat_capacity"):
        assert getattr(th, name) == pytest.approx(getattr(ref, name), rel=1e-12, abs=1e-15)
    assert not any(np.isnan(getattr(th, n)) for n in th.__dataclass_fields__)


def test_thermodynamics_on_extreme_levels_at_a_tiny_temperature():
    """Hardening item 14: the ground state alone, log Z beyond float64 is +inf, no nan."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        th = boltz.thermodynamics(EXTREME, 1e-300)
    assert (th.mean_energy, th.free_energy, th.energy_std) == (-1e308, -1e308, 0.0)
    assert (th.entropy, th.heat_capacity, th.log_z) == (0.0, 0.0, np.inf)


def test_thermodynamics_tiny_temperature_and_tiny_spread():
    """Hardening item 14: k T^2 underflowing gave heat_capacity = 0/0 = nan; levels 1e-320
    apart lost their variance."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert boltz.thermodynamics([0.0, 1.0], 1e-200).heat_capacity == 0.0
        th = boltz.thermodynamics([0.0, 1e-320], 1e-320)
    ref = boltz.thermodynamics([0.0, 1.0], 1.0)
    assert th.heat_capacity == pytest.approx(ref.heat_capacity, rel=1e-3)   # subnormal gap
    assert th.energy_std == pytest.approx(ref.energy_std * 1e-320, rel=1e-3)


# ---- item 15: estimates of a valid run never raise ---------------------------------------------

def test_undefined_standard_error_is_nan_not_an_exception():
    """Hardening item 15: a short or anti-correlated trace made mean_energy raise "effective
    sample size is undefined"; with undefined="nan" the mean comes with se = nan."""
    alternating = np.tile([1.0, -1.0], 50)
    with pytest.raises(ValueError, match="anti-correlated"):
        stats.mean_and_standard_error(alternating)            # the default still refuses
    mean, se = stats.mean_and_standard_error(alternating, undefined="nan")
    assert mean == 0.0 and np.isnan(se)
    assert np.isnan(stats.effective_sample_size(alternating, undefined="nan"))
    one_record = np.array([[1.0], [2.0], [4.0]])               # 3 chains, 1 record each
    mean, se = stats.mean_and_standard_error(one_record, undefined="nan")
    assert mean == pytest.approx(7 / 3) and np.isnan(se)
    assert np.isnan(stats.effective_sample_size(one_record, undefined="nan"))
    assert np.isnan(stats.integrated_autocorrelation_time(one_record, undefined="nan"))
    assert np.all(np.isnan(stats.integrated_autocorrelation_time(
        one_record, undefined="nan", per_chain=True)))
    with pytest.raises(ValueError, match="undefined"):
        stats.mean_and_standard_error(alternating, undefined="ignore")


_TRACE_ATTRIBUTES = ("mean_energy", "mean_energy_se", "heat_capacity", "heat_capacity_se",
                     "mean_abs_magnetization", "mean_abs_magnetization_se",
                     "autocorrelation_time", "effective_sample_size")


def test_sample_trace_estimates_never_raise():
    """Hardening item 15: boltz.sample(...seed=0).mean_energy raised "effective sample size is
    undefined"; any one-record trace too. Every attribute of a valid run is a number: the
    means exact (the plain average of the records), the errors nan where undefined."""
    model = boltz.IsingModel.square_lattice(4)
    undefined_seen = 0
    runs = [dict(num_sweeps=1, burn_in=0, seed=0), dict(num_sweeps=2, burn_in=1, seed=0)]
    runs += [dict(num_sweeps=5, burn_in=1, seed=s) for s in range(20)]
    for kwargs in runs:
        tr = boltz.sample(model, 0.5, num_chains=4, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("error")                 # no RuntimeWarning either
            values = {name: getattr(tr, name) for name in _TRACE_ATTRIBUTES}
        assert values["mean_energy"] == pytest.approx(float(np.mean(tr.energies)), rel=1e-12)
        assert values["mean_abs_magnetization"] == pytest.approx(
            float(np.mean(np.abs(tr.magnetizations))), rel=1e-12)
        for name in ("mean_energy_se", "mean_abs_magnetization_se", "heat_capacity_se"):
            assert np.isnan(values[name]) or values[name] >= 0
        undefined_seen += bool(np.isnan(values["mean_energy_se"]))
    assert undefined_seen >= 2          # the one- and two-record runs at least


def test_tempering_result_estimates_never_raise():
    """Hardening item 15 for ParallelTempering: one record per temperature gives the means
    and nan errors, never an exception."""
    model = boltz.IsingModel.square_lattice(4)
    res = boltz.ParallelTempering(betas=[0.2, 0.5], num_sweeps=1, burn_in=0).sample(model,
                                                                                      seed=0)
    assert res.energies.shape[1] == 1
    assert np.allclose(res.mean_energy, res.energies[:, 0])
    assert np.isnan(res.mean_energy_se).all()
    assert np.isnan(res.heat_capacity).all()
