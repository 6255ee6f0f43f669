"""Checks of the exact Ising reference helpers in ``ising_exact`` against independent facts."""
import itertools
import math

import numpy as np
import pytest
from scipy import integrate, special

from ising_exact import (
    MAX_SPINS,
    TC,
    all_states,
    elliptic_k,
    exact_distribution,
    exact_energies,
    exact_moments,
    onsager_energy_per_spin,
    ring_energy_per_spin,
    ring_log_z,
    square_lattice_couplings,
    state_index,
    yang_magnetization,
)


def random_couplings(rng, n, scale=1.0):
    """A random symmetric coupling matrix with zero diagonal (a small spin glass)."""
    upper = np.triu(rng.normal(scale=scale, size=(n, n)), k=1)
    return upper + upper.T


# ---- enumeration ----------------------------------------------------------------------------

def test_all_states_small_case_explicit():
    np.testing.assert_array_equal(all_states(2), [[-1, -1], [1, -1], [-1, 1], [1, 1]])
    assert all_states(3).dtype == np.int8
    assert all_states(0).shape == (1, 0)


@pytest.mark.parametrize("n", [1, 2, 5, 11])
def test_all_states_count_and_round_trip(n):
    states = all_states(n)
    assert states.shape == (2**n, n)
    assert set(np.unique(states)) == {-1, 1}
    assert len(np.unique(states, axis=0)) == 2**n
    np.testing.assert_array_equal(state_index(states), np.arange(2**n))
    # Bit i of k is spin i.
    for k in [0, 1, 2**n - 1, (2**n - 1) // 3]:
        expected = [1 if (k >> i) & 1 else -1 for i in range(n)]
        np.testing.assert_array_equal(states[k], expected)


def test_state_index_inverts_random_states(rng):
    states = rng.choice(np.array([-1, 1], dtype=np.int8), size=(50, 9))
    idx = state_index(states)
    np.testing.assert_array_equal(all_states(9)[idx], states)
    assert state_index(states[0]) == idx[0]


def test_state_index_rejects_non_spins():
    with pytest.raises(ValueError):
        state_index([[1, 0, -1]])


def test_all_states_size_limit():
    with pytest.raises(ValueError):
        all_states(MAX_SPINS + 1)


def test_two_spin_energies_by_hand():
    J = np.array([[0.0, 0.7], [0.7, 0.0]])
    h = np.array([0.3, -0.5])
    offset = 1.1
    # States in order: (-,-), (+,-), (-,+), (+,+).
    by_hand = [
        -0.7 - (-0.3 + 0.5) + offset,
        +0.7 - (0.3 + 0.5) + offset,
        +0.7 - (-0.3 - 0.5) + offset,
        -0.7 - (0.3 - 0.5) + offset,
    ]
    np.testing.assert_allclose(exact_energies(J, h, offset), by_hand, rtol=0, atol=1e-15)
    np.testing.assert_allclose(exact_energies(J), [-0.7, 0.7, 0.7, -0.7], atol=1e-15)


def test_energies_match_pair_loop(rng):
    n = 6
    J, h = random_couplings(rng, n), rng.normal(size=n)
    states = all_states(n)
    loop = [-sum(J[i, j] * s[i] * s[j] for i, j in itertools.combinations(range(n), 2))
            - float(h @ s) for s in states.astype(float)]
    np.testing.assert_allclose(exact_energies(J, h), loop, rtol=1e-13, atol=1e-13)


def test_invalid_couplings_are_rejected():
    with pytest.raises(ValueError):
        exact_energies([[0.0, 1.0], [0.5, 0.0]])
    with pytest.raises(ValueError):
        exact_energies([[1.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError):
        exact_energies(np.zeros((2, 2)), h=np.zeros(3))


# ---- distribution and moments ---------------------------------------------------------------

def test_distribution_is_normalised_boltzmann(rng):
    n, beta = 7, 0.6
    J, h = random_couplings(rng, n), rng.normal(size=n)
    p = exact_distribution(J, h, beta)
    E = exact_energies(J, h)
    w = np.exp(-beta * E)
    np.testing.assert_allclose(p, w / w.sum(), rtol=1e-12)
    assert math.isclose(p.sum(), 1.0, rel_tol=1e-14)


def test_distribution_is_stable_at_large_beta():
    J = square_lattice_couplings(1, 6)          # ferromagnetic ring: two ground states
    p = exact_distribution(J, None, 1e4, offset=1e6)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[[0, -1]], [0.5, 0.5], rtol=1e-14)
    assert p[1:-1].sum() == 0.0


def test_independent_spins_closed_forms(rng):
    n, beta = 6, 0.8
    h = rng.normal(scale=1.5, size=n)
    m = exact_moments(np.zeros((n, n)), h, beta)
    t = np.tanh(beta * h)
    np.testing.assert_allclose(m["magnetizations"], t, rtol=1e-13, atol=1e-15)
    assert math.isclose(m["log_z"], np.sum(np.log(2 * np.cosh(beta * h))), rel_tol=1e-13)
    corr = np.outer(t, t)
    np.fill_diagonal(corr, 1.0)
    np.testing.assert_allclose(m["correlations"], corr, rtol=1e-12, atol=1e-14)
    assert math.isclose(m["mean_energy"], -np.sum(h * t), rel_tol=1e-12)
    var = np.sum(h**2 * (1 - t**2))
    assert math.isclose(m["energy_var"], var, rel_tol=1e-11)
    assert math.isclose(m["heat_capacity"], beta**2 * var, rel_tol=1e-11)


def test_mean_abs_magnetization_of_free_spins_is_binomial():
    n = 7
    m = exact_moments(np.zeros((n, n)), None, 1.3)
    binomial = sum(math.comb(n, k) * abs(2 * k - n) for k in range(n + 1)) / 2**n / n
    assert math.isclose(m["mean_abs_magnetization"], binomial, rel_tol=1e-14)
    assert math.isclose(m["log_z"], n * math.log(2), rel_tol=1e-15)


def test_moments_are_derivatives_of_log_z(rng):
    n, beta, db = 8, 0.7, 1e-4
    J, h = random_couplings(rng, n, scale=0.5), rng.normal(scale=0.5, size=n)
    m = exact_moments(J, h, beta)
    lz = [exact_moments(J, h, beta + k * db)["log_z"] for k in (-1, 0, 1)]
    assert math.isclose(m["mean_energy"], -(lz[2] - lz[0]) / (2 * db), rel_tol=1e-7)
    assert math.isclose(m["energy_var"], (lz[2] - 2 * lz[1] + lz[0]) / db**2, rel_tol=1e-5)


def test_offset_shifts_energy_and_log_z(rng):
    n, beta, offset = 5, 0.9, 2.5
    J, h = random_couplings(rng, n), rng.normal(size=n)
    a, b = exact_moments(J, h, beta), exact_moments(J, h, beta, offset=offset)
    assert math.isclose(b["log_z"], a["log_z"] - beta * offset, rel_tol=1e-13)
    assert math.isclose(b["mean_energy"], a["mean_energy"] + offset, rel_tol=1e-13)
    assert math.isclose(b["energy_var"], a["energy_var"], rel_tol=1e-10)


# ---- 1D ring --------------------------------------------------------------------------------

@pytest.mark.parametrize("beta, J, h", [(0.7, 1.0, 0.0), (1.3, 1.0, 0.25), (0.4, -0.8, 0.6),
                                        (2.5, 1.5, -0.1), (0.05, 1.0, 2.0)])
def test_ring_matches_enumeration(beta, J, h):
    n = 10
    couplings = square_lattice_couplings(1, n, J=J)
    m = exact_moments(couplings, np.full(n, h), beta)
    assert math.isclose(ring_log_z(n, beta, J, h), m["log_z"], rel_tol=1e-12)
    assert math.isclose(ring_energy_per_spin(n, beta, J, h), m["mean_energy"] / n,
                        rel_tol=1e-12, abs_tol=1e-12)


def test_ring_correlations_closed_form():
    n, beta, J = 10, 0.9, 1.0
    m = exact_moments(square_lattice_couplings(1, n, J=J), None, beta)
    t = math.tanh(beta * J)
    for r in range(n):
        expected = (t**r + t ** (n - r)) / (1 + t**n)
        assert math.isclose(m["correlations"][0, r], expected, rel_tol=1e-12)
    np.testing.assert_allclose(m["magnetizations"], 0.0, atol=1e-15)
    u = -J * t * (1 + t ** (n - 2)) / (1 + t**n)
    assert math.isclose(ring_energy_per_spin(n, beta, J), u, rel_tol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 40])
@pytest.mark.parametrize("beta, J, h", [(0.8, 1.0, 0.3), (1.7, -0.6, 0.9)])
def test_ring_energy_is_derivative_of_log_z(n, beta, J, h):
    db = 1e-5
    fd = -(ring_log_z(n, beta + db, J, h) - ring_log_z(n, beta - db, J, h)) / (2 * db * n)
    assert math.isclose(ring_energy_per_spin(n, beta, J, h), fd, rel_tol=1e-8, abs_tol=1e-9)


@pytest.mark.parametrize("beta, J, h", [(0.8, 1.0, 0.3), (1.7, -0.6, 0.9), (1.1, 0.5, 0.0)])
def test_tiny_rings_by_hand(beta, J, h):
    states = all_states(2).astype(float)
    E2 = -2 * J * states[:, 0] * states[:, 1] - h * states.sum(axis=1)     # doubled bond
    assert math.isclose(ring_log_z(2, beta, J, h), math.log(np.exp(-beta * E2).sum()),
                        rel_tol=1e-13)
    E1 = np.array([-J + h, -J - h])                                        # self bond
    assert math.isclose(ring_log_z(1, beta, J, h), math.log(np.exp(-beta * E1).sum()),
                        rel_tol=1e-13)


def test_ring_thermodynamic_limit():
    n, beta, J = 4000, 0.6, 1.0
    assert math.isclose(ring_log_z(n, beta, J) / n, math.log(2 * math.cosh(beta * J)),
                        rel_tol=1e-14)
    assert math.isclose(ring_energy_per_spin(n, beta, J), -J * math.tanh(beta * J),
                        rel_tol=1e-14)
    h = 0.4
    lam = math.exp(beta * J) * math.cosh(beta * h) + math.sqrt(
        math.exp(2 * beta * J) * math.sinh(beta * h) ** 2 + math.exp(-2 * beta * J))
    assert math.isclose(ring_log_z(n, beta, J, h) / n, math.log(lam), rel_tol=1e-14)


# ---- square-lattice couplings ---------------------------------------------------------------

def roll_energy(states, L, M, J):
    """Periodic nearest-neighbour energy on an L x M torus via np.roll, per state."""
    s = states.reshape(-1, L, M).astype(float)
    bonds = s * np.roll(s, -1, axis=2) + s * np.roll(s, -1, axis=1)
    return -J * bonds.sum(axis=(1, 2))


@pytest.mark.parametrize("L, M", [(4, 4), (3, 5), (2, 3), (2, 2), (1, 5), (5, 1)])
def test_square_lattice_matches_roll_energy(rng, L, M):
    J = 0.75
    couplings = square_lattice_couplings(L, M, J=J)
    assert np.array_equal(couplings, couplings.T)
    assert np.all(np.diag(couplings) == 0)
    states = rng.choice(np.array([-1, 1], dtype=np.int8), size=(40, L * M))
    expected = roll_energy(states, L, M, J)
    # np.roll bonds a site to itself along a dimension of length 1; those bonds are a
    # constant -J each and are excluded from the coupling matrix.
    expected += J * L * M * ((L == 1) + (M == 1))
    got = exact_energies(couplings)[state_index(states)]
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-13)


def test_square_lattice_structure():
    J = 1.0
    torus = square_lattice_couplings(4)
    np.testing.assert_array_equal(torus.sum(axis=1), 4 * J)          # coordination 4
    assert torus[0, 1] == J and torus[0, 4] == J and torus[0, 3] == J and torus[0, 12] == J
    assert torus[0, 5] == 0
    open_lattice = square_lattice_couplings(3, 4, periodic=False)
    assert np.count_nonzero(np.triu(open_lattice)) == 3 * 3 + 2 * 4
    assert open_lattice[3, 0] == 0                                    # no wrap
    two = square_lattice_couplings(2, 3)
    assert two[0, 3] == 2 * J                                         # doubled vertical bond
    assert two[0, 1] == J
    ring = square_lattice_couplings(1, 6)
    assert ring[0, 5] == J and ring.sum() == 2 * 6 * J


def test_4x4_torus_by_enumeration():
    L, J = 4, 1.0
    n = L * L
    E = exact_energies(square_lattice_couplings(L, J=J))
    assert E.shape == (2**16,)
    # Flipping every spin maps index k to 2**n - 1 - k and leaves the energy unchanged.
    np.testing.assert_array_equal(E, E[::-1])
    assert E.min() == -2 * n * J
    np.testing.assert_array_equal(np.flatnonzero(E == E.min()), [0, 2**n - 1])
    # Known density of states of the 4x4 torus (Beale 1996), E = -32 .. 32 in steps of 4.
    levels, counts = np.unique(E, return_counts=True)
    np.testing.assert_array_equal(levels, [-32, -24, -20, -16, -12, -8, -4, 0,
                                           4, 8, 12, 16, 20, 24, 32])
    np.testing.assert_array_equal(counts, [2, 32, 64, 424, 1728, 6688, 13568, 20524,
                                           13568, 6688, 1728, 424, 64, 32, 2])


def test_4x4_torus_moments_symmetries():
    L = 4
    m = exact_moments(square_lattice_couplings(L), None, 0.4)
    np.testing.assert_allclose(m["magnetizations"], 0.0, atol=1e-14)
    corr = m["correlations"].reshape(L, L, L, L)
    # Translation invariance: <s(r, c) s(r + dr, c + dc)> does not depend on (r, c).
    for dr, dc in [(0, 1), (1, 1), (2, 0), (2, 2)]:
        values = [corr[r, c, (r + dr) % L, (c + dc) % L] for r in range(L) for c in range(L)]
        np.testing.assert_allclose(values, values[0], rtol=1e-12)
    # Energy per spin is minus twice the nearest-neighbour correlation.
    assert math.isclose(m["mean_energy"] / L**2, -2 * corr[0, 0, 0, 1], rel_tol=1e-12)
    cold = exact_moments(square_lattice_couplings(L), None, 3.0)
    assert cold["mean_abs_magnetization"] > 0.999


# ---- elliptic integral ----------------------------------------------------------------------

@pytest.mark.parametrize("k", [0.0, 0.1, 0.5, 0.9, 0.999, -0.3])
def test_elliptic_k_matches_scipy(k):
    assert math.isclose(elliptic_k(k), special.ellipk(k * k), rel_tol=1e-14)


def test_elliptic_k_near_one_matches_scipy_ellipkm1():
    for k_prime in [1e-3, 1e-5, 1e-7]:
        k = math.sqrt(1 - k_prime**2)
        # Compare through the complementary parameter p = 1 - k**2, which scipy
        # evaluates without cancellation; elliptic_k itself only sees the rounded k.
        p = (1 - k) * (1 + k)
        assert math.isclose(elliptic_k(k), special.ellipkm1(p), rel_tol=1e-13)
    with pytest.raises(ValueError):
        elliptic_k(1.0)


# ---- Onsager energy -------------------------------------------------------------------------

def onsager_energy_by_integral(T, J=1.0, dbeta=1e-4):
    """-d/dbeta of Onsager's single-integral free energy, by central differences.

    ``log Z / N = log(2 cosh 2K) + (1/2pi) int_0^pi log[(1 + sqrt(1 - k^2 sin^2 t)) / 2] dt``.
    """
    def log_z_per_spin(beta):
        K = beta * J
        k = 2 * math.sinh(2 * K) / math.cosh(2 * K) ** 2
        integral, _ = integrate.quad(
            lambda t: math.log((1 + math.sqrt(1 - (k * math.sin(t)) ** 2)) / 2),
            0, math.pi, epsabs=1e-14, epsrel=1e-13)
        return math.log(2 * math.cosh(2 * K)) + integral / (2 * math.pi)

    beta = 1 / T
    return -(log_z_per_spin(beta + dbeta) - log_z_per_spin(beta - dbeta)) / (2 * dbeta)


@pytest.mark.parametrize("T", [1.0, 1.5, 2.0, 2.6, 3.5, 6.0])
def test_onsager_energy_matches_free_energy_integral(T):
    assert math.isclose(onsager_energy_per_spin(T), onsager_energy_by_integral(T),
                        rel_tol=1e-7)


def test_onsager_energy_at_critical_point():
    assert math.isclose(TC, 2.269185314213022, rel_tol=1e-15)
    assert math.isclose(onsager_energy_per_spin(TC), -math.sqrt(2), rel_tol=1e-12)
    for T in (TC * (1 - 1e-9), TC * (1 + 1e-9)):
        assert abs(onsager_energy_per_spin(T) + math.sqrt(2)) < 1e-6
    # The scale is set by J: u(T, J) = J u(T / J, 1).
    assert math.isclose(onsager_energy_per_spin(2.0 * TC, J=2.0), -2 * math.sqrt(2),
                        rel_tol=1e-12)


def test_onsager_low_temperature_series():
    for T in (0.3, 0.5):
        x = math.exp(-2 / T)
        series = -2 + 8 * x**4 + 24 * x**6 + 72 * x**8
        assert abs(onsager_energy_per_spin(T) - series) < 1e-14
    assert math.isclose(onsager_energy_per_spin(0.01), -2.0, rel_tol=1e-15)
    assert math.isclose(onsager_energy_per_spin(0.02, J=3.0), -6.0, rel_tol=1e-15)


def test_onsager_high_temperature_series():
    T = 100.0
    t = math.tanh(1 / T)
    series = -(2 * t + (4 * t**3 + 12 * t**5) * (1 - t**2))
    assert abs(onsager_energy_per_spin(T) - series) < 1e-12
    assert abs(onsager_energy_per_spin(T) + 0.02) < 1e-5


def test_onsager_plausibility_and_monotonicity():
    assert -1.96 < onsager_energy_per_spin(1.5) < -1.94
    assert -0.70 < onsager_energy_per_spin(3.5) < -0.60
    # Strictly increasing (positive heat capacity) once u is not yet -2 to double precision.
    temperatures = np.concatenate([np.linspace(0.5, 6.0, 300),
                                   TC * (1 + np.array([-1e-3, -1e-6, 1e-6, 1e-3]))])
    u = [onsager_energy_per_spin(T) for T in np.sort(temperatures)]
    assert np.all(np.diff(u) > 0)
    assert all(-2.0 - 1e-14 <= x < 0.0 for x in u)


def test_onsager_rejects_bad_arguments():
    with pytest.raises(ValueError):
        onsager_energy_per_spin(0.0)
    with pytest.raises(ValueError):
        onsager_energy_per_spin(1.0, J=-1.0)


# ---- Yang magnetization ---------------------------------------------------------------------

def test_yang_magnetization_values():
    assert 0.98 < yang_magnetization(1.5) < 0.99
    T = 2 / math.asinh(2.0)                       # sinh(2K) = 2
    assert math.isclose(yang_magnetization(T), (1 - 2.0**-4) ** 0.125, rel_tol=1e-14)
    assert math.isclose(yang_magnetization(0.05), 1.0, rel_tol=1e-15)
    for T in (TC, TC * (1 + 1e-12), 3.0, 100.0):
        assert yang_magnetization(T) == 0.0
    assert math.isclose(yang_magnetization(3.0, J=2.0), yang_magnetization(1.5), rel_tol=1e-14)


def test_yang_magnetization_is_monotone_with_exponent_one_eighth():
    temperatures = np.linspace(0.5, TC * (1 - 1e-6), 200)
    m = [yang_magnetization(T) for T in temperatures]
    assert np.all(np.diff(m) < 0)
    ratio = yang_magnetization(TC * (1 - 1e-4)) / yang_magnetization(TC * (1 - 1e-8))
    assert math.isclose(ratio, 1e4 ** 0.125, rel_tol=1e-3)
