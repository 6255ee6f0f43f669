"""Exact reference results for Ising models, for use by the test-suite.

Everything here is written with plain numpy and :mod:`math` so that it can serve
as an independent reference for the package's own implementations.

Conventions
-----------
Spins are ``s_i in {-1, +1}``.  The energy of a configuration is::

    E(s) = - sum_{i<j} J_ij s_i s_j - sum_i h_i s_i + offset

with ``J`` symmetric and zero on the diagonal (``J_ij > 0`` is ferromagnetic).
The Boltzmann weight is ``exp(-beta E)`` and ``k_B = 1``, so ``beta = 1 / T``.

State enumeration
-----------------
``all_states(n)[k]`` is the configuration whose bit ``i`` of ``k`` (bit 0 being the
least significant) gives spin ``i``: bit 0 -> ``-1``, bit 1 -> ``+1``.  So row 0 is
all spins down, row ``2**n - 1`` all spins up, and ``state_index`` is the inverse map.
"""
import math

import numpy as np

#: Largest number of spins handled by exact enumeration.
MAX_SPINS = 20

#: Critical temperature of the 2D square-lattice ferromagnet for J = 1.
TC = 2.0 / math.log(1.0 + math.sqrt(2.0))

# Number of states processed at a time, to bound memory for large n.
_CHUNK = 2**16


# ---- enumeration ----------------------------------------------------------------------------

def _check_n(n):
    if not 0 <= n <= MAX_SPINS:
        raise ValueError(f"exact enumeration needs 0 <= n <= {MAX_SPINS}, got n = {n}")


def _states_range(n, start, stop):
    """Spin configurations with indices ``start .. stop-1`` as an int8 array."""
    k = np.arange(start, stop, dtype=np.int64)
    states = np.empty((k.size, n), dtype=np.int8)
    for i in range(n):
        states[:, i] = 2 * ((k >> i) & 1) - 1
    return states


def _state_chunks(n):
    """Yield ``(start, states)`` blocks covering all ``2**n`` configurations in order."""
    total = 2**n
    for start in range(0, total, _CHUNK):
        yield start, _states_range(n, start, min(start + _CHUNK, total))


def all_states(n):
    """All spin configurations of ``n`` spins.

    Parameters
    ----------
    n : int
        Number of spins, ``0 <= n <= MAX_SPINS``.

    Returns
    -------
    numpy.ndarray
        int8 array of shape ``(2**n, n)``.  Row ``k`` is the binary expansion of ``k``
        with bit ``i`` (least significant bit = spin 0) mapped ``0 -> -1``,
        ``1 -> +1``.  :func:`state_index` is the inverse map.

    Examples
    --------
    >>> all_states(2)
    array([[-1, -1],
           [ 1, -1],
           [-1,  1],
           [ 1,  1]], dtype=int8)
    """
    _check_n(n)
    return _states_range(n, 0, 2**n)


def state_index(states):
    """Index of spin configurations in the ordering of :func:`all_states`.

    Parameters
    ----------
    states : array_like
        Spins in ``{-1, +1}``, shape ``(m, n)`` (or ``(n,)`` for a single state).

    Returns
    -------
    numpy.ndarray
        int64 indices of shape ``(m,)`` (a 0-d array for a single state):
        ``sum_i [s_i = +1] * 2**i``.

    Raises
    ------
    ValueError
        If an entry is not -1 or +1, or ``n > 62``.
    """
    states = np.asarray(states)
    if not np.all((states == 1) | (states == -1)):
        raise ValueError("spins must be -1 or +1")
    n = states.shape[-1]
    if n > 62:
        raise ValueError("too many spins for a 64-bit index")
    bits = (states > 0).astype(np.int64)
    return (bits << np.arange(n, dtype=np.int64)).sum(axis=-1)


# ---- exact energies and thermodynamics ------------------------------------------------------

def _check_model(J, h):
    """Validate and convert couplings and fields to float arrays."""
    J = np.asarray(J, dtype=np.float64)
    if J.ndim != 2 or J.shape[0] != J.shape[1]:
        raise ValueError(f"J must be a square matrix, got shape {J.shape}")
    n = J.shape[0]
    _check_n(n)
    if not np.allclose(J, J.T, rtol=1e-12, atol=0.0):
        raise ValueError("J must be symmetric")
    if np.any(np.diag(J) != 0):
        raise ValueError("J must have a zero diagonal")
    h = np.zeros(n) if h is None else np.asarray(h, dtype=np.float64)
    if h.shape != (n,):
        raise ValueError(f"h must have shape ({n},), got {h.shape}")
    return J, h


def exact_energies(J, h=None, offset=0.0):
    """Energies of all ``2**n`` spin configurations.

    Parameters
    ----------
    J : array_like
        Dense symmetric ``(n, n)`` couplings with zero diagonal, ``n <= MAX_SPINS``.
    h : array_like, optional
        Fields, shape ``(n,)``; zero if omitted.
    offset : float, optional
        Constant added to every energy.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(2**n,)``; entry ``k`` is the energy of
        ``all_states(n)[k]``, ``E = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i + offset``.
    """
    J, h = _check_model(J, h)
    n = J.shape[0]
    energies = np.empty(2**n)
    for start, states in _state_chunks(n):
        s = states.astype(np.float64)
        # 0.5 * s^T J s equals the sum over pairs i < j because J is symmetric.
        pair = 0.5 * np.einsum("ki,ki->k", s @ J, s)
        energies[start:start + len(s)] = -pair - s @ h + offset
    return energies


def exact_distribution(J, h, beta, offset=0.0):
    """Boltzmann probabilities of all ``2**n`` spin configurations.

    Parameters
    ----------
    J : array_like
        Dense symmetric ``(n, n)`` couplings with zero diagonal.
    h : array_like or None
        Fields, shape ``(n,)``; None means zero.
    beta : float
        Inverse temperature.
    offset : float, optional
        Constant energy offset (it cancels in the probabilities).

    Returns
    -------
    numpy.ndarray
        Probabilities of shape ``(2**n,)`` in the ordering of :func:`all_states`.
        Computed stably by shifting ``-beta E`` by its maximum (the minimum energy
        when ``beta > 0``).
    """
    log_w = -beta * exact_energies(J, h, offset)
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def exact_moments(J, h, beta, offset=0.0):
    """Exact thermodynamic quantities by enumeration of all states.

    Parameters
    ----------
    J : array_like
        Dense symmetric ``(n, n)`` couplings with zero diagonal.
    h : array_like or None
        Fields, shape ``(n,)``; None means zero.
    beta : float
        Inverse temperature.
    offset : float, optional
        Constant energy offset.

    Returns
    -------
    dict
        ``'log_z'`` : float, ``log sum_s exp(-beta E(s))``.
        ``'mean_energy'`` : float, ``<E>``.
        ``'energy_var'`` : float, ``Var(E)``.
        ``'heat_capacity'`` : float, ``beta**2 Var(E)``.
        ``'mean_abs_magnetization'`` : float, ``<|sum_i s_i| / n>``.
        ``'magnetizations'`` : ndarray ``(n,)``, ``<s_i>``.
        ``'correlations'`` : ndarray ``(n, n)``, ``<s_i s_j>`` (ones on the diagonal).
    """
    J, h = _check_model(J, h)
    n = J.shape[0]
    energies = exact_energies(J, h, offset)
    log_w = -beta * energies
    shift = log_w.max()
    w = np.exp(log_w - shift)
    log_z = shift + math.log(w.sum())
    p = w / w.sum()

    mean_energy = float(p @ energies)
    energy_var = float(p @ (energies - mean_energy) ** 2)

    magnetizations = np.zeros(n)
    correlations = np.zeros((n, n))
    mean_abs_m = 0.0
    for start, states in _state_chunks(n):
        s = states.astype(np.float64)
        pk = p[start:start + len(s)]
        magnetizations += pk @ s
        correlations += s.T @ (pk[:, None] * s)
        if n > 0:
            mean_abs_m += pk @ np.abs(s.sum(axis=1)) / n
    # s_i^2 = 1 exactly; the sum of p above can round to 1 + 2^-52 (BLAS-dependent), which
    # a caller's sqrt(1 - <s_i s_j>^2) turns into nan
    np.fill_diagonal(correlations, 1.0)

    return {
        "log_z": float(log_z),
        "mean_energy": mean_energy,
        "energy_var": energy_var,
        "heat_capacity": beta**2 * energy_var,
        "mean_abs_magnetization": float(mean_abs_m),
        "correlations": correlations,
        "magnetizations": magnetizations,
    }


# ---- lattices -------------------------------------------------------------------------------

def square_lattice_couplings(L, M=None, J=1.0, periodic=True):
    """Dense coupling matrix of a nearest-neighbour ``L x M`` square lattice.

    Parameters
    ----------
    L : int
        Number of rows.
    M : int, optional
        Number of columns; defaults to ``L``.
    J : float, optional
        Coupling of each bond.
    periodic : bool, optional
        Wrap bonds around both directions (torus).

    Returns
    -------
    numpy.ndarray
        Symmetric ``(L*M, L*M)`` matrix.  Site ``(r, c)`` has index ``r*M + c``; each
        site is bonded to its right and down neighbours (wrapping when ``periodic``).
        Bonds accumulate: with periodic wrap, a dimension of length 2 bonds the same
        pair twice, so ``J_ij = 2J`` there.  A dimension of length 1 gives no bond
        (a site is never bonded to itself).  Thus a ``1 x n`` periodic lattice is a
        ring.
    """
    M = L if M is None else M
    if L < 1 or M < 1:
        raise ValueError("lattice dimensions must be positive")
    n = L * M
    couplings = np.zeros((n, n))
    for r in range(L):
        for c in range(M):
            i = r * M + c
            neighbours = []
            if c + 1 < M or periodic:
                neighbours.append(r * M + (c + 1) % M)
            if r + 1 < L or periodic:
                neighbours.append(((r + 1) % L) * M + c)
            for j in neighbours:
                if j != i:
                    couplings[i, j] += J
                    couplings[j, i] += J
    return couplings


# ---- 1D periodic ring -----------------------------------------------------------------------

def _ring_eigen(beta, J, h):
    """Scaled transfer-matrix eigenvalues of the ring and their beta-derivatives.

    The transfer matrix ``T[s, s'] = exp(beta J s s' + beta h (s + s') / 2)`` has
    eigenvalues ``exp(beta J) * (cosh(beta h) +- sqrt(sinh(beta h)**2 + exp(-4 beta J)))``.
    This returns the bracketed (scaled) values ``a, b`` (``a > |b|``) and their
    derivatives with respect to beta.  ``b`` is computed as ``(1 - exp(-4 beta J)) / a``
    (product of the roots) to avoid cancellation.
    """
    ch, sh = math.cosh(beta * h), math.sinh(beta * h)
    g = math.exp(-4.0 * beta * J)
    root = math.sqrt(sh * sh + g)
    a = ch + root
    num = -math.expm1(-4.0 * beta * J)           # 1 - g
    b = num / a
    d_root = (h * sh * ch - 2.0 * J * g) / root  # derivative of root in beta
    da = h * sh + d_root
    db = (4.0 * J * g - b * da) / a              # derivative of num / a
    return a, b, da, db


def _check_ring(n):
    if n < 1:
        raise ValueError(f"ring needs n >= 1 spins, got {n}")


def ring_log_z(n, beta, J=1.0, h=0.0):
    """Exact log partition function of a periodic 1D Ising ring.

    Parameters
    ----------
    n : int
        Number of spins, ``n >= 1``.
    beta : float
        Inverse temperature.
    J : float, optional
        Nearest-neighbour coupling.
    h : float, optional
        Uniform field.

    Returns
    -------
    float
        ``log Z`` with ``E = -J sum_i s_i s_{i+1 mod n} - h sum_i s_i``, from the
        2x2 transfer matrix: ``Z = l_+**n + l_-**n``.  For ``n >= 3`` this is the model
        given by ``square_lattice_couplings(1, n, J)``; ``n = 2`` has a doubled bond
        and ``n = 1`` a constant self-bond ``-J``.
    """
    _check_ring(n)
    a, b, _, _ = _ring_eigen(beta, J, h)
    r = b / a
    return n * (beta * J + math.log(a)) + math.log1p(r**n)


def ring_energy_per_spin(n, beta, J=1.0, h=0.0):
    """Exact mean energy per spin of a periodic 1D Ising ring.

    Parameters
    ----------
    n : int
        Number of spins, ``n >= 1``.
    beta : float
        Inverse temperature.
    J : float, optional
        Nearest-neighbour coupling.
    h : float, optional
        Uniform field.

    Returns
    -------
    float
        ``u = -(1/n) d log Z / d beta``, from the analytic beta-derivative of
        ``log(l_+**n + l_-**n)``.  For ``h = 0`` this reduces to
        ``u = -J t (1 + t**(n-2)) / (1 + t**n)`` with ``t = tanh(beta J)``.
    """
    _check_ring(n)
    a, b, da, db = _ring_eigen(beta, J, h)
    r = b / a
    # d/dbeta log(a^n + b^n) / n = (a'/a + r^(n-1) b'/a) / (1 + r^n); plus J from exp(beta J).
    d_log_z = J + (da / a + r ** (n - 1) * db / a) / (1.0 + r**n)
    return -d_log_z


# ---- 2D square lattice, infinite size (Onsager, Yang) ---------------------------------------

def _agm(a, b):
    """Arithmetic-geometric mean of two non-negative floats."""
    if a == 0.0 or b == 0.0:
        return 0.0
    for _ in range(64):
        if abs(a - b) <= 1e-15 * a:
            break
        a, b = 0.5 * (a + b), math.sqrt(a * b)
    return 0.5 * (a + b)


def _elliptic_k_complement(k_prime):
    """K as a function of the complementary modulus ``k' = sqrt(1 - k**2)``."""
    return math.pi / (2.0 * _agm(1.0, k_prime))


def elliptic_k(k):
    """Complete elliptic integral of the first kind, in terms of the MODULUS ``k``.

    Parameters
    ----------
    k : float
        Modulus, ``0 <= |k| < 1``.

    Returns
    -------
    float
        ``K(k) = int_0^{pi/2} dtheta / sqrt(1 - k**2 sin(theta)**2)``, computed as
        ``pi / (2 AGM(1, sqrt(1 - k**2)))``.  Note that ``scipy.special.ellipk`` takes
        the parameter ``m = k**2`` instead.
    """
    k = abs(float(k))
    if k >= 1.0:
        raise ValueError(f"elliptic_k needs |k| < 1, got {k}")
    return _elliptic_k_complement(math.sqrt((1.0 - k) * (1.0 + k)))


def _check_temperature(T, J):
    if not T > 0:
        raise ValueError(f"temperature must be positive, got {T}")
    if not J > 0:
        raise ValueError(f"the 2D results need a ferromagnetic J > 0, got {J}")


def _inverse_sinh(x):
    """``1 / sinh(x)`` for ``x > 0``, without overflow for large ``x``."""
    return 2.0 * math.exp(-x) / -math.expm1(-2.0 * x)


def onsager_energy_per_spin(T, J=1.0):
    """Exact internal energy per spin of the infinite 2D square-lattice ferromagnet.

    Parameters
    ----------
    T : float
        Temperature, ``T > 0``.
    J : float, optional
        Ferromagnetic coupling, ``J > 0``.

    Returns
    -------
    float
        Onsager's result ``u = -J coth(2K) [1 + (2/pi) (2 tanh(2K)**2 - 1) K1(k)]``
        with ``K = J/T``, modulus ``k = 2 sinh(2K) / cosh(2K)**2`` and ``K1`` the
        complete elliptic integral of the first kind (:func:`elliptic_k`).

    Notes
    -----
    With ``x = sinh(2K)`` one has ``k = 2x / (1 + x**2)``,
    ``k' = sqrt(1 - k**2) = |1 - x**2| / (1 + x**2)`` and
    ``2 tanh(2K)**2 - 1 = (x**2 - 1) / (1 + x**2) = sign(x - 1) k'``.  All three are
    invariant under ``x -> 1/x`` (Kramers-Wannier duality), so they are evaluated
    with ``x = min(sinh(2K), 1/sinh(2K)) <= 1``, which cannot overflow, and ``K1`` is
    computed from ``k'`` directly, which keeps full accuracy near ``Tc`` where
    ``k -> 1``.  There ``K1`` diverges only logarithmically while its prefactor
    vanishes linearly, so ``u`` is continuous and ``u(Tc) = -J coth(2Kc) = -sqrt(2) J``;
    exactly at ``k' = 0`` that limit is returned.
    """
    _check_temperature(T, J)
    K = J / T
    inv = _inverse_sinh(2.0 * K)
    below_tc = inv < 1.0
    x = inv if below_tc else 1.0 / inv
    k_prime = (1.0 - x) * (1.0 + x) / (1.0 + x * x)
    coth = 1.0 / math.tanh(2.0 * K)
    if k_prime == 0.0:
        return -J * coth
    factor = k_prime if below_tc else -k_prime   # = 2 tanh(2K)**2 - 1
    return -J * coth * (1.0 + (2.0 / math.pi) * factor * _elliptic_k_complement(k_prime))


def yang_magnetization(T, J=1.0):
    """Spontaneous magnetization per spin of the infinite 2D square-lattice ferromagnet.

    Parameters
    ----------
    T : float
        Temperature, ``T > 0``.
    J : float, optional
        Ferromagnetic coupling, ``J > 0``.

    Returns
    -------
    float
        Yang's result ``(1 - sinh(2J/T)**-4)**(1/8)`` below ``Tc = 2J / ln(1 + sqrt 2)``
        and 0 at or above it.
    """
    _check_temperature(T, J)
    inv = _inverse_sinh(2.0 * J / T)
    if inv >= 1.0:
        return 0.0
    return (1.0 - inv**4) ** 0.125


# ---- goodness of fit ------------------------------------------------------------------------

def chi_square(counts, probs, min_expected=5.0):
    """Pearson's chi-square of observed state counts against exact probabilities.

    States whose expected count is below `min_expected` are pooled into one bin (when there
    are any), so that the chi-square approximation holds. Returns ``(chi2, dof)``.
    """
    counts = np.asarray(counts, dtype=float)
    expected = np.asarray(probs, dtype=float) * counts.sum()
    small = expected < min_expected
    obs, exp = counts[~small], expected[~small]
    if small.any() and expected[small].sum() > 0:
        obs = np.append(obs, counts[small].sum())
        exp = np.append(exp, expected[small].sum())
    return float(np.sum((obs - exp) ** 2 / exp)), obs.size - 1
