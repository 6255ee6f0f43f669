"""boltzmann_probs, thermodynamics and solve_beta against closed forms and identities."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import boltz

levels_strategy = hnp.arrays(np.float64, st.integers(2, 12),
                             elements=st.floats(-20, 20, allow_nan=False))


# ---- boltzmann_probs ----------------------------------------------------------------------

def test_probs_two_level():
    p = boltz.boltzmann_probs([0.0, 1.0], temperature=2.0)
    np.testing.assert_allclose(p, [1 / (1 + math.exp(-0.5)), 1 / (1 + math.exp(0.5))],
                               rtol=1e-15)


def test_degeneracy_equals_repeated_levels():
    e = np.array([0.0, 1.0, 2.5])
    g = np.array([1.0, 3.0, 2.0])
    p = boltz.boltzmann_probs(e, 0.7, degeneracy=g)
    expanded = boltz.boltzmann_probs(np.repeat(e, g.astype(int)), 0.7)
    np.testing.assert_allclose(p, np.add.reduceat(expanded, [0, 1, 4]), rtol=1e-14)


def test_zero_degeneracy_excludes_a_level():
    p = boltz.boltzmann_probs([-5.0, 0.0, 1.0], 1.0, degeneracy=[0, 1, 1])
    assert p[0] == 0
    np.testing.assert_allclose(p[1:], boltz.boltzmann_probs([0.0, 1.0], 1.0), rtol=1e-15)


def test_probs_low_temperature_and_boltzmann_constant():
    p = boltz.boltzmann_probs([3.0, 1.0, 1.0, 2.0], 1e-310, degeneracy=[1, 1, 3, 1])
    np.testing.assert_allclose(p, [0, 0.25, 0.75, 0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(boltz.boltzmann_probs([0.0, 1.0], 300.0, boltzmann_constant=2.0),
                               boltz.boltzmann_probs([0.0, 1.0], 600.0), rtol=1e-15)


def test_probs_rows_along_axis(rng):
    e = rng.standard_normal((4, 6))
    p = boltz.boltzmann_probs(e, 0.5, axis=0)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(p[:, 2], boltz.boltzmann_probs(e[:, 2], 0.5), rtol=1e-15)


def test_probs_bad_input():
    with pytest.raises(ValueError, match="degeneracy"):
        boltz.boltzmann_probs([0.0, 1.0], 1.0, degeneracy=[1.0, -1.0])
    with pytest.raises(ValueError, match="degeneracy"):
        boltz.boltzmann_probs([0.0, 1.0], 1.0, degeneracy=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="temperature"):
        boltz.boltzmann_probs([0.0, 1.0], 0.0)
    with pytest.raises(ValueError, match="boltzmann_constant"):
        boltz.boltzmann_probs([0.0, 1.0], 1.0, boltzmann_constant=-1)
    with pytest.raises(TypeError, match="energies"):
        boltz.boltzmann_probs(["a", "b"], 1.0)


# ---- thermodynamics -----------------------------------------------------------------------

def test_two_level_system_closed_form():
    th = boltz.thermodynamics([0.0, 1.0], temperature=1.0)
    assert th.mean_energy == pytest.approx(0.268941421369995, rel=1e-14)
    assert th.free_energy == pytest.approx(-0.313261687518223, rel=1e-14)
    assert th.entropy == pytest.approx(0.582203108888218, rel=1e-14)
    assert th.heat_capacity == pytest.approx(0.196611933241482, rel=1e-14)
    assert th.energy_std == pytest.approx(math.sqrt(0.196611933241482), rel=1e-14)
    assert th.log_z == pytest.approx(math.log(1 + math.exp(-1)), rel=1e-15)


def test_two_level_over_temperatures_schottky():
    t = np.linspace(0.05, 10, 400)
    th = boltz.thermodynamics([0.0, 1.0], t)
    x = 1 / t
    c_exact = x**2 * np.exp(x) / (1 + np.exp(x)) ** 2
    np.testing.assert_allclose(th.heat_capacity, c_exact, rtol=1e-12)
    np.testing.assert_allclose(th.mean_energy, 1 / (1 + np.exp(x)), rtol=1e-13)
    assert th.heat_capacity.shape == t.shape


def test_independent_spins_are_extensive():
    # N independent two-level systems: levels k = 0..N with degeneracy C(N, k)
    n = 40
    k = np.arange(n + 1)
    g = np.array([math.comb(n, i) for i in k], dtype=float)
    th = boltz.thermodynamics(k.astype(float), 0.8, degeneracy=g)
    one = boltz.thermodynamics([0.0, 1.0], 0.8)
    for name in ("log_z", "free_energy", "mean_energy", "entropy", "heat_capacity"):
        assert getattr(th, name) == pytest.approx(n * getattr(one, name), rel=1e-12)


def test_shift_by_1e8_keeps_entropy_and_heat_capacity():
    e = np.array([0.0, 1.0, 3.0])
    t = np.array([0.3, 1.0, 7.0])
    th0 = boltz.thermodynamics(e, t)
    th1 = boltz.thermodynamics(e + 1e8, t)
    np.testing.assert_allclose(th1.heat_capacity, th0.heat_capacity, rtol=1e-14)
    np.testing.assert_allclose(th1.entropy, th0.entropy, rtol=1e-14)
    np.testing.assert_allclose(th1.energy_std, th0.energy_std, rtol=1e-14)
    np.testing.assert_allclose(th1.mean_energy - 1e8, th0.mean_energy, atol=2e-8)
    np.testing.assert_allclose(th1.free_energy - 1e8, th0.free_energy, atol=2e-8)


def test_boltzmann_constant_units():
    kb = 8.617333262e-5  # eV/K
    th = boltz.thermodynamics([0.0, 0.01], 300.0, boltzmann_constant=kb)
    ref = boltz.thermodynamics([0.0, 0.01], 300.0 * kb)
    assert th.mean_energy == pytest.approx(ref.mean_energy, rel=1e-14)
    assert th.entropy == pytest.approx(kb * ref.entropy, rel=1e-14)
    assert th.heat_capacity == pytest.approx(kb * ref.heat_capacity, rel=1e-14)
    assert th.free_energy == pytest.approx(ref.free_energy, rel=1e-14)


@given(levels_strategy, st.floats(0.2, 20.0))
def test_mean_energy_is_minus_dlogz_dbeta(e, t):
    beta, h = 1 / t, 1e-5
    lz = [boltz.thermodynamics(e, 1 / b).log_z for b in (beta - h, beta + h)]
    th = boltz.thermodynamics(e, t)
    # central difference: error ~ h^2 |d3 logZ| <= h^2 spread^3, plus rounding
    spread = np.ptp(e)
    tol = h**2 * spread**3 + 1e-9 * (1 + abs(th.log_z)) / h
    assert abs(-(lz[1] - lz[0]) / (2 * h) - th.mean_energy) <= tol


@given(levels_strategy, st.floats(0.2, 20.0))
def test_heat_capacity_is_du_dt(e, t):
    h = 1e-5 * t
    u = [boltz.thermodynamics(e, tt).mean_energy for tt in (t - h, t + h)]
    th = boltz.thermodynamics(e, t)
    spread = np.ptp(e)
    tol = 1e-6 * (1 + spread**4 / t**4) + 1e-9 * (1 + np.abs(e).max()) / h
    assert abs((u[1] - u[0]) / (2 * h) - th.heat_capacity) <= tol


@given(levels_strategy, st.floats(0.05, 50.0))
def test_identities(e, t):
    th = boltz.thermodynamics(e, t)
    assert th.free_energy == pytest.approx(-t * th.log_z, rel=1e-12, abs=1e-12)
    assert th.entropy == pytest.approx((th.mean_energy - th.free_energy) / t,
                                       rel=1e-9, abs=1e-9 * (1 + np.abs(e).max() / t))
    assert -1e-12 <= th.entropy <= math.log(e.size) + 1e-12
    assert th.heat_capacity >= 0
    assert e.min() - 1e-12 <= th.mean_energy <= e.max() + 1e-12


def test_thermodynamics_bad_input():
    with pytest.raises(ValueError, match="energies"):
        boltz.thermodynamics([[0.0, 1.0]], 1.0)
    with pytest.raises(ValueError, match="energies"):
        boltz.thermodynamics([0.0, np.inf], 1.0)
    with pytest.raises(ValueError, match="energies"):
        boltz.thermodynamics([], 1.0)
    with pytest.raises(ValueError, match="temperature"):
        boltz.thermodynamics([0.0, 1.0], [1.0, -2.0])
    with pytest.raises(ValueError, match="temperature"):
        boltz.thermodynamics([0.0, 1.0], np.nan)
    with pytest.raises(ValueError, match="degeneracy"):
        boltz.thermodynamics([0.0, 1.0], 1.0, degeneracy=[0, 0])


# ---- solve_beta ---------------------------------------------------------------------------

def test_brandeis_die():
    beta = boltz.solve_beta([1, 2, 3, 4, 5, 6], 4.5)
    assert beta == pytest.approx(-0.371048938, abs=5e-10)
    p = boltz.softmax(-beta * np.arange(1, 7.0))
    assert p @ np.arange(1, 7) == pytest.approx(4.5, rel=1e-15)


def test_fair_die_mean_is_infinite_temperature():
    assert boltz.solve_beta([1, 2, 3, 4, 5, 6], 3.5) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.slow
@given(levels_strategy, st.floats(0.02, 0.98))
def test_solve_beta_round_trip(e, frac):
    if np.ptp(e) < 1e-6:
        return
    u = e.min() + frac * np.ptp(e)
    beta = boltz.solve_beta(e, u)
    p = boltz.softmax(-beta * e)
    assert p @ e == pytest.approx(u, rel=1e-10, abs=1e-10 * np.ptp(e))


def test_solve_beta_two_level_closed_form():
    # U = 1 / (1 + e^beta)  =>  beta = log(1/U - 1)
    for u in (0.01, 0.3, 0.5, 0.7, 0.99):
        assert boltz.solve_beta([0.0, 1.0], u) == pytest.approx(math.log(1 / u - 1), abs=1e-13)


def test_solve_beta_degeneracy_and_array():
    betas = boltz.solve_beta([0.0, 1.0], [0.25, 0.5], degeneracy=[1, 3])
    # U = 3 e^-b / (1 + 3 e^-b)  =>  b = log(3 (1 - U) / U)
    np.testing.assert_allclose(betas, [math.log(9), math.log(3)], rtol=1e-13)


@pytest.mark.parametrize("u", [1.0, 6.0, 0.0, 7.0, np.nan])
def test_solve_beta_out_of_range(u):
    with pytest.raises(ValueError, match="mean_energy"):
        boltz.solve_beta([1, 2, 3, 4, 5, 6], u)
