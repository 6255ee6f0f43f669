"""Thermodynamic curves of given energy levels against temperature."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from boltz._validation import as_float_array, check_real
from boltz.numerics.distribution import thermodynamics as _thermodynamics
from boltz.plot._axes import panels

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes


# (attribute of Thermodynamics, axis label, whether its unit is k_B's: energy / temperature)
_PANELS = (("mean_energy", "mean energy U", False),
           ("free_energy", "free energy A", False),
           ("entropy", "entropy S", True),
           ("heat_capacity", "heat capacity C", True))


def thermodynamics(energies: ArrayLike, temperatures: ArrayLike,
                   degeneracy: ArrayLike | None = None, *, boltzmann_constant: float = 1.0,
                   ax: Sequence[Axes] | None = None) -> np.ndarray:
    r"""Draw :math:`U`, :math:`A`, :math:`S` and :math:`C` against :math:`T`.

    The four panels are :func:`boltz.thermodynamics` of the levels at each temperature:
    :math:`U = \langle E \rangle`, :math:`A = -k_B T \log Z`, :math:`S = (U - A)/T` and
    :math:`C = \mathrm{Var}(E)/(k_B T^2)`, with :math:`Z = \sum_i g_i e^{-E_i/k_B T}`.

    Parameters
    ----------
    energies : array_like, 1-D
        Finite energy levels :math:`E_i` (energy units).
    temperatures : array_like, 1-D
        Temperatures :math:`T > 0` at which to evaluate, in the order drawn.
    degeneracy : array_like, optional
        :math:`g_i \ge 0` per level (default 1).
    boltzmann_constant : float, optional
        :math:`k_B > 0` (default 1: temperature in energy units, S and C in units of
        :math:`k_B`); another value (8.617e-5 eV/K, say) puts T in its temperature unit and
        S and C in energy units per temperature unit, as the axis labels say.
    ax : sequence of 4 matplotlib Axes, optional
        Where to draw U, A, S and C (default: a new figure with four panels).

    Returns
    -------
    ndarray of 4 matplotlib Axes
        The panels U, A, S, C; ``lines[0]`` of each holds (T, value).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import boltz.plot
    >>> axes = boltz.plot.thermodynamics([0.0, 1.0], [0.5, 1.0, 2.0])   # a two-level system
    >>> axes[0].lines[0].get_ydata().round(4)                        # U = 1 / (1 + e^(1/T))
    array([0.1192, 0.2689, 0.3775])
    """
    temps = as_float_array(temperatures, "temperatures", ndim=1, finite=True, above=0.0,
                           dtype=np.float64, bools=False)
    k_b = check_real(boltzmann_constant, "boltzmann_constant", above=0.0)
    result = _thermodynamics(energies, temps, degeneracy, k_b)
    axes = panels(ax, 4, figsize=(12.0, 3.2))
    # with k_B = 1, S and C are pure numbers (multiples of k_B); otherwise they carry
    # k_B's unit, energy per temperature unit
    per_k = "(units of k_B)" if k_b == 1.0 else "(energy units / temperature unit)"
    for a, (attribute, label, in_k) in zip(axes, _PANELS, strict=True):
        a.plot(result.temperature, getattr(result, attribute), marker="." if
               result.temperature.size < 30 else None)
        a.set_xlabel("temperature T (energy units / k_B)")
        a.set_ylabel(f"{label} {per_k if in_k else '(energy units)'}")
    return axes
