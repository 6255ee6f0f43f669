"""The Boltzmann distribution over energy levels: probabilities, thermodynamics, max-entropy β.

Conventions: k_B = ``boltzmann_constant`` (1 by default), temperature T > 0,
β = 1/(k_B T), p_i ∝ g_i exp(−β E_i) with degeneracies g_i ≥ 0 (1 by default).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from boltz._validation import (
    as_float_array,
    check_axes,
    check_positive_int,
    check_real,
    check_temperature,
    resolve_num_threads,
)
from boltz.numerics.log_domain import _kernel_scale, logsumexp, reduced_logits, softmax

__all__ = ["boltzmann_probs", "thermodynamics", "Thermodynamics", "solve_beta"]

# Temperatures per block in thermodynamics, so that a block's (T, levels) array stays small.
_BLOCK_ELEMENTS = 1 << 20


def _log_degeneracy(degeneracy, energies):
    """log g broadcast to energies' shape (None: zeros), after checking g >= 0 and finite."""
    if degeneracy is None:
        return None
    g = as_float_array(degeneracy, "degeneracy", finite=True, at_least=0.0)
    try:
        g = np.broadcast_to(g, energies.shape)
    except ValueError:
        raise ValueError(f"degeneracy with shape {g.shape} does not broadcast against "
                         f"energies with shape {energies.shape}") from None
    with np.errstate(divide="ignore"):
        return np.log(g.astype(energies.dtype, copy=False))


def boltzmann_probs(energies: ArrayLike, temperature: float = 1.0,
                    degeneracy: ArrayLike | None = None, axis: int = -1, *,
                    boltzmann_constant: float = 1.0,
                    num_threads: int | None = None) -> np.ndarray:
    r"""Boltzmann probabilities :math:`p_i = g_i e^{-E_i / k_B T} / Z` of energy levels.

    Lower energy is likelier. Computed relative to the lowest energy, so it never overflows
    and :math:`T \to 0` puts all the mass on the ground states (shared by degeneracy).

    Parameters
    ----------
    energies : array_like
        Energies :math:`E_i` (float32 or float64), in the units of :math:`k_B T`.
    temperature : float, optional
        :math:`T > 0`, finite (default 1).
    degeneracy : array_like, optional
        :math:`g_i \ge 0`, broadcast against `energies`; a level with :math:`g_i = 0` gets
        probability 0.
    axis : int, optional
        Axis over which the probabilities sum to 1 (default: last).
    boltzmann_constant : float, optional
        :math:`k_B` (default 1: temperature in energy units).
    num_threads : int, optional
        OpenMP threads (``None``: OpenMP's default). Results do not depend on it.

    Returns
    -------
    ndarray
        Probabilities, shape and dtype of `energies` (float64 for integer input).

    Examples
    --------
    >>> import boltz
    >>> p = boltz.boltzmann_probs([0.0, 1.0], temperature=1.0)
    >>> round(float(p[1]), 10)    # 1 / (1 + e)
    0.2689414214
    """
    e = as_float_array(energies, "energies")
    kt = _thermal_energy(temperature, boltzmann_constant)
    logg = _log_degeneracy(degeneracy, e)
    if logg is None:
        return softmax(-e, axis=axis, temperature=kt, num_threads=num_threads)
    check_axes(axis, e.ndim)                      # before numpy's reduction sees it
    # shift by the lowest finite energy before dividing by kT, so a tiny kT cannot overflow
    ref = np.min(np.where(np.isfinite(e), e, np.inf), axis=axis, keepdims=True)
    ref = np.where(np.isfinite(ref), ref, 0.0)
    if kt >= np.finfo(e.dtype).tiny and _kernel_scale(e, kt, True) is not None:
        # kT, 1/kT and the gaps fit e's dtype
        with np.errstate(over="ignore", invalid="ignore"):
            logits = logg - (e - ref) / e.dtype.type(kt)
    else:                                         # float64 gaps, then back to e's dtype
        with np.errstate(over="ignore", invalid="ignore"):
            logits = (logg - reduced_logits(e, ref, kt)).astype(e.dtype)
    return softmax(logits, axis=axis, temperature=1.0, num_threads=num_threads)


def _thermal_energy(temperature, boltzmann_constant) -> float:
    """k_B T as a positive finite float, or a ValueError naming both arguments."""
    t = check_temperature(temperature, scalar=True)
    k = check_real(boltzmann_constant, "boltzmann_constant", above=0.0)
    kt = t * k
    if not 0.0 < kt < np.inf:
        raise ValueError(f"temperature * boltzmann_constant must be a positive finite float64 "
                         f"(k_B T), got {t!r} * {k!r} = {kt!r}")
    return kt


@dataclass(frozen=True)
class Thermodynamics:
    r"""Thermodynamic quantities of a system of energy levels, one entry per temperature.

    Attributes
    ----------
    temperature : ndarray
        :math:`T`.
    log_z : ndarray
        :math:`\log Z = \log \sum_i g_i e^{-E_i / k_B T}` (dimensionless).
    free_energy : ndarray
        Helmholtz free energy :math:`A = -k_B T \log Z` (energy units).
    mean_energy : ndarray
        Internal energy :math:`U = \langle E \rangle` (energy units).
    entropy : ndarray
        :math:`S = (U - A) / T` (units of :math:`k_B`).
    heat_capacity : ndarray
        :math:`C = \mathrm{Var}(E) / (k_B T^2) = \partial U / \partial T` (units of
        :math:`k_B`).
    energy_std : ndarray
        :math:`\sqrt{\mathrm{Var}(E)}`, the energy fluctuation (energy units).
    """

    temperature: np.ndarray
    log_z: np.ndarray
    free_energy: np.ndarray
    mean_energy: np.ndarray
    entropy: np.ndarray
    heat_capacity: np.ndarray
    energy_std: np.ndarray

    @property
    def beta(self) -> np.ndarray:
        """Inverse temperature :math:`1/T` (with the Boltzmann constant: divide by it)."""
        return 1.0 / self.temperature


def _levels(energies, degeneracy, name="energies"):
    """Finite 1-D float64 energies and log-degeneracies of the levels with g > 0."""
    e = as_float_array(energies, name, ndim=1, finite=True, dtype=np.float64)
    if e.size == 0:
        raise ValueError(f"{name} must not be empty")
    logg = _log_degeneracy(degeneracy, e)
    if logg is None:
        return e, np.zeros_like(e)
    keep = np.isfinite(logg)
    if not np.any(keep):
        raise ValueError("degeneracy must have at least one level with g > 0")
    return e[keep], logg[keep]


# Levels whose spread lies outside [2^-400, 2^400] are rescaled by a power of two (exactly)
# before moments are taken: squared gaps of a wider spread overflow (or underflow) float64.
_PLAIN_SPREAD = (2.0**-400, 2.0**400)


def _scale_exponent(e: np.ndarray) -> int:
    """0 for an ordinary spread of the levels, else x with spread < 2^(x+1) (see above)."""
    half = e.max() * 0.5 - e.min() * 0.5          # half the spread, never overflows
    if half == 0.0 or _PLAIN_SPREAD[0] <= half <= _PLAIN_SPREAD[1]:
        return 0
    return int(np.frexp(half)[1])


def _scaled_div(a, shift: int, b):
    """a * 2^shift / b without an intermediate overflow or underflow the result would not have
    (a <= 2: a scaled moment, b > 0)."""
    with np.errstate(over="ignore", under="ignore"):
        if shift >= 0:
            return np.ldexp(a / b, shift)
        return a / np.ldexp(b, -shift)


def thermodynamics(energies: ArrayLike, temperature: float | ArrayLike,
                   degeneracy: ArrayLike | None = None, boltzmann_constant: float = 1.0, *,
                   num_threads: int | None = None) -> Thermodynamics:
    r"""Thermodynamics of a system with energy levels :math:`E_i` (degeneracies :math:`g_i`).

    With :math:`\beta = 1/(k_B T)` and :math:`Z = \sum_i g_i e^{-\beta E_i}`:
    :math:`\log Z`, :math:`A = -k_B T \log Z`, :math:`U = \langle E \rangle`,
    :math:`S = (U - A)/T`, :math:`C = \mathrm{Var}(E)/(k_B T^2)` and
    :math:`\sqrt{\mathrm{Var}(E)}`.

    Every sum is taken relative to the lowest level and the variance is centred,
    :math:`\sum_i p_i (E_i - U)^2`, so shifting all energies by a constant (even 1e8) shifts
    :math:`U` and :math:`A` by it and leaves :math:`S` and :math:`C` exact. Levels spread
    over more than :math:`2^{400}` (up to the whole float64 range) or less than
    :math:`2^{-400}` are rescaled by a power of two for the moments, so nothing overflows;
    there :math:`U`, :math:`S`, :math:`C` and the energy spread have an absolute error of
    about :math:`2^{-1074}` times the spread (gaps below it count as 0).

    Parameters
    ----------
    energies : array_like, 1-D
        Finite energy levels (energy units).
    temperature : float or array_like
        :math:`T > 0`, finite; an array gives one result per temperature (any shape).
    degeneracy : array_like, optional
        :math:`g_i \ge 0` per level (default 1).
    boltzmann_constant : float, optional
        :math:`k_B` (default 1: temperature in energy units).
    num_threads : int, optional
        OpenMP threads (``None``: OpenMP's default). Results do not depend on it.

    Returns
    -------
    Thermodynamics
        Fields are arrays shaped like `temperature` (numpy scalars for a scalar). A value
        beyond the float64 range is ±inf (e.g. :math:`\log Z` at a tiny temperature); none
        is nan.

    Raises
    ------
    ValueError
        Bad levels or temperatures, or :math:`k_B T` outside the positive float64 range.

    Examples
    --------
    >>> import boltz
    >>> th = boltz.thermodynamics([0.0, 1.0], temperature=1.0)
    >>> round(float(th.heat_capacity), 12)
    0.196611933241
    """
    e, logg = _levels(energies, degeneracy)
    temps = np.asarray(check_temperature(temperature), dtype=np.float64)
    k = check_real(boltzmann_constant, "boltzmann_constant", above=0.0)
    nthreads = resolve_num_threads(num_threads)
    kt = (k * temps).ravel()
    if not np.all((kt > 0.0) & (kt < np.inf)):
        raise ValueError("temperature * boltzmann_constant (k_B T) must stay a positive finite "
                         "float64; it underflows to 0 or overflows for some temperature")

    shift = _scale_exponent(e)                   # moments in units of 2^shift (exact)
    e0 = e.min()
    es = np.ldexp(e, -shift)
    e0s = es.min()
    des = es - e0s                                # >= 0, exact shift
    log_z0 = np.empty_like(kt)                    # log sum g exp(-(E - E0)/kT)
    dus = np.empty_like(kt)                       # (U - E0) / 2^shift
    vars_ = np.empty_like(kt)                     # Var(E) / 4^shift
    block = max(1, _BLOCK_ELEMENTS // e.size)
    for lo in range(0, kt.size, block):
        t = kt[lo:lo + block, None]
        if shift == 0:
            with np.errstate(over="ignore"):      # -inf: a level of weight 0 at this T
                logits = logg - des / t
        else:
            logits = logg - reduced_logits(e, e0, t)
        p = softmax(logits, axis=1, num_threads=nthreads)
        log_z0[lo:lo + block] = logsumexp(logits, axis=1, num_threads=nthreads)
        u = p @ des
        dus[lo:lo + block] = u
        vars_[lo:lo + block] = np.einsum("ij,ij->i", p, (des - u[:, None]) ** 2)
    shape = temps.shape
    kt = kt.reshape(shape)
    log_z0, dus, vars_ = log_z0.reshape(shape), dus.reshape(shape), vars_.reshape(shape)
    std = np.ldexp(np.sqrt(vars_), shift)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        kt2 = k * temps**2
        r = _scaled_div(np.sqrt(vars_), shift, temps)          # sqrt(Var) / T
        plain = (shift == 0) & (kt2 >= np.finfo(np.float64).tiny) & (kt2 < np.inf)
        heat_capacity = np.where(plain, vars_ / kt2, r * (r / k))
        fields = dict(
            temperature=temps,
            log_z=log_z0 - e0 / kt,
            free_energy=e0 - kt * log_z0,
            mean_energy=np.ldexp(e0s + dus, shift),
            entropy=k * (_scaled_div(dus, shift, kt) + log_z0),
            heat_capacity=heat_capacity,
            energy_std=std,
        )
    # a scalar temperature gives numpy scalars, an array gives arrays of its shape
    return Thermodynamics(**{name: np.asarray(v)[()] for name, v in fields.items()})


def _mean_and_var(de, logg, beta):
    """<ΔE> and Var(ΔE) at inverse temperature beta (any sign)."""
    p = softmax(logg - beta * de)
    u = float(p @ de)
    return u, float(p @ (de - u) ** 2)


def solve_beta(energies: ArrayLike, mean_energy: float | ArrayLike,
               degeneracy: ArrayLike | None = None, *, xtol: float | None = None,
               maxiter: int = 200) -> float | np.ndarray:
    r"""Inverse temperature β of the maximum-entropy distribution with mean energy `U`.

    Maximising :math:`-\sum_i p_i \log(p_i/g_i)` subject to :math:`\sum_i p_i E_i = U`
    gives :math:`p_i \propto g_i e^{-\beta E_i}`; this returns the Lagrange multiplier
    β (units 1/energy). β < 0 when `U` is above the uniform (infinite-temperature) mean.
    :math:`U(\beta)` decreases monotonically (:math:`dU/d\beta = -\mathrm{Var}(E)`), so the
    root is unique; it is found by Newton's method safeguarded by bisection.

    Parameters
    ----------
    energies : array_like, 1-D
        Finite energy levels.
    mean_energy : float or array_like
        Target :math:`U`, strictly between the lowest and highest level (with g > 0).
    degeneracy : array_like, optional
        :math:`g_i \ge 0` per level (default 1).
    xtol : float, optional
        Absolute tolerance on β, > 0 (units 1/energy; default: 4 ulp of the result).
    maxiter : int, optional
        Most iterations, >= 1 (default 200).

    Returns
    -------
    float or ndarray
        β (units 1/energy), a float for a scalar `mean_energy`, else an array of its shape.

    Raises
    ------
    RuntimeError
        The iteration did not converge within `maxiter` steps.

    Examples
    --------
    A die with faces 1..6 whose mean is 4.5 (Jaynes' Brandeis dice problem):

    >>> import boltz
    >>> round(boltz.solve_beta([1, 2, 3, 4, 5, 6], 4.5), 9)
    -0.371048938
    """
    e, logg = _levels(energies, degeneracy)
    u_target = as_float_array(mean_energy, "mean_energy", finite=True, dtype=np.float64,
                              bools=False)
    if xtol is not None:
        xtol = check_real(xtol, "xtol", above=0.0)
    maxiter = check_positive_int(maxiter, "maxiter")
    lo_e, hi_e = e.min(), e.max()
    if np.any(u_target <= lo_e) or np.any(u_target >= hi_e):
        raise ValueError(f"mean_energy must lie strictly between the lowest and highest "
                         f"energy level ({lo_e!r}, {hi_e!r}); got {mean_energy!r}")
    # solve in units of 2^shift (exact): beta * E = (beta * 2^shift) * (E / 2^shift)
    shift = _scale_exponent(e)
    es, lo_s = np.ldexp(e, -shift), np.ldexp(lo_e, -shift)
    de = es - lo_s
    spread = es.max() - lo_s
    if xtol is not None:
        with np.errstate(over="ignore"):
            xtol = float(np.ldexp(xtol, shift))
    targets = np.ldexp(u_target.ravel(), -shift) - lo_s
    betas = [_solve_one(de, logg, float(u), spread, xtol, maxiter) for u in targets]
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(np.array(betas), -shift).reshape(u_target.shape)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"mean_energy {mean_energy!r}: the inverse temperature that gives it "
                         f"is beyond the float64 range for these energies")
    return float(out) if out.ndim == 0 else out


def _solve_one(de, logg, target, spread, xtol, maxiter):
    # bracket [a, b] with U(a) > target > U(b), grown geometrically from beta = 0
    def f(beta):
        u, v = _mean_and_var(de, logg, beta)
        return u - target, v

    step = 1.0 / spread
    fa, _ = f(0.0)
    if fa == 0.0:
        return 0.0
    a = b = 0.0
    if fa > 0:                          # need larger beta
        b = step
        while f(b)[0] > 0:
            a, b = b, 2.0 * b
    else:
        a = -step
        while f(a)[0] < 0:
            a, b = 2.0 * a, a
    beta = 0.5 * (a + b)
    for _ in range(maxiter):
        fx, var = f(beta)
        if fx == 0.0:
            return beta
        if fx > 0:
            a = beta
        else:
            b = beta
        newton = beta + fx / var if var > 0 else np.nan
        nxt = newton if a < newton < b else 0.5 * (a + b)
        tol = xtol if xtol is not None else 4 * np.spacing(max(abs(nxt), 1e-300))
        if abs(nxt - beta) <= tol or b - a <= tol:
            return nxt
        beta = nxt
    raise RuntimeError(f"solve_beta did not converge in {maxiter} iterations "
                       f"(bracket [{a!r}, {b!r}])")
