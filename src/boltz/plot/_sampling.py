"""A fixed-temperature sampling trace and its autocorrelation."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from boltz._validation import check_positive_int
from boltz.numerics.mcmc_statistics import autocorrelation
from boltz.plot._axes import check_instance, panels
from boltz.spin.sampling import SampleTrace

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes


def trace(result: SampleTrace, *, max_lag: int | None = None,
          ax: Sequence[Axes] | None = None) -> np.ndarray:
    r"""Draw a sampling run's energy against sweep and its autocorrelation against lag.

    Left: every chain's energy :math:`E(s)` at each recorded sweep (after the burn-in).
    Right: the normalised autocorrelation :math:`\rho(t)` of the energy
    (:func:`boltz.mcmc_statistics.autocorrelation`, averaged over chains) against the lag
    in sweeps, with the integrated autocorrelation time :math:`\tau_\mathrm{int}` of
    :attr:`SampleTrace.autocorrelation_time` marked (a dashed line at
    :math:`\tau_\mathrm{int}` sweeps; samples :math:`\tau_\mathrm{int}` apart count as one
    independent sample).

    Parameters
    ----------
    result : SampleTrace
        A run of :func:`boltz.sample` with at least two records per chain.
    max_lag : int, optional
        Largest lag drawn, in records (default: half the records, at most 10
        :math:`\tau_\mathrm{int}`).
    ax : sequence of 2 matplotlib Axes, optional
        Where to draw the trace and the autocorrelation (default: a new figure).

    Returns
    -------
    ndarray of 2 matplotlib Axes
        The trace (``lines[c]`` is chain c) and the autocorrelation (``lines[0]``).
    """
    check_instance(result, SampleTrace, "result")
    energies = np.asarray(result.energies)
    num_records = energies.shape[1]
    if num_records < 2:
        raise ValueError(f"result must hold at least 2 records per chain to draw an "
                         f"autocorrelation, got {num_records}")
    thin = int(result.info.get("thin", 1))
    sweeps = result.info.get("burn_in", 0) + thin * np.arange(1, num_records + 1)
    tau = result.autocorrelation_time
    if max_lag is None:
        max_lag = num_records // 2
        if np.isfinite(tau):
            max_lag = min(max_lag, max(10, int(10 * tau)))
    else:
        max_lag = min(check_positive_int(max_lag, "max_lag"), num_records - 1)
    axes = panels(ax, 2, figsize=(9.0, 3.4))
    for chain in energies:
        axes[0].plot(sweeps, chain, linewidth=0.8, alpha=0.8)
    axes[0].set_xlabel("sweep")
    axes[0].set_ylabel("energy E (energy units)")
    axes[0].set_title(f"beta = {result.beta:.4g}, {energies.shape[0]} chains")
    with np.errstate(invalid="ignore"):
        rho = np.nanmean(autocorrelation(energies, axis=-1), axis=0)
    lags = thin * np.arange(max_lag + 1)
    axes[1].plot(lags, rho[:max_lag + 1])
    axes[1].axhline(0.0, color="gray", linewidth=0.5)
    if np.isfinite(tau):
        axes[1].axvline(thin * tau, color="C3", linestyle="--",
                        label=f"tau_int = {thin * tau:.3g} sweeps")
        axes[1].legend()
    axes[1].set_xlabel("lag (sweeps)")
    axes[1].set_ylabel("autocorrelation of E")
    return axes
