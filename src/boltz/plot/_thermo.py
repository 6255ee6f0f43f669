"""Thermodynamic curves of given energy levels against temperature."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from boltz.numerics.distribution import thermodynamics as _thermodynamics
from boltz.plot._axes import panels

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes


# (attribute of Thermodynamics, axis label)
_PANELS = (("mean_energy", "mean energy U (energy units)"),
           ("free_energy", "free energy A (energy units)"),
           ("entropy", "entropy S (units of k_B)"),
           ("heat_capacity", "heat capacity C (units of k_B)"))


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
        :math:`k_B` (default 1: temperature in energy units).
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
    temps = np.asarray(temperatures) if not isinstance(temperatures, str) else temperatures
    if np.ndim(temps) != 1:
        raise ValueError(f"temperatures must be a 1-D array, got shape {np.shape(temps)}")
    result = _thermodynamics(energies, temps, degeneracy, boltzmann_constant)
    axes = panels(ax, 4, figsize=(12.0, 3.2))
    for a, (attribute, label) in zip(axes, _PANELS, strict=True):
        a.plot(result.temperature, getattr(result, attribute), marker="." if
               result.temperature.size < 30 else None)
        a.set_xlabel("temperature T (energy units / k_B)")
        a.set_ylabel(label)
    return axes
