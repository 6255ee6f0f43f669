"""A parallel-tempering run's energy, heat capacity and swap rates against temperature."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from boltz.plot._axes import check_instance, panels
from boltz.spin.parallel_tempering import TemperingResult

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes


def tempering(result: TemperingResult, *, ax: Sequence[Axes] | None = None) -> np.ndarray:
    r"""Draw :math:`\langle E\rangle(T)`, :math:`C(T)` and the swap acceptance rates.

    Left: the mean energy of the replica at each temperature :math:`T_k = 1/\beta_k`, with
    its standard error (autocorrelation-aware: :attr:`TemperingResult.mean_energy` and
    ``mean_energy_se``). Middle: the heat capacity :math:`C = \beta^2 \mathrm{Var}(E)`
    per replica (:attr:`TemperingResult.heat_capacity`, the sample variance). Right: the
    accepted fraction of exchanges between neighbours k and k + 1, at their mean
    temperature. Replicas at :math:`\beta = 0` (:math:`T = \infty`) are left out.

    Parameters
    ----------
    result : TemperingResult
        From :meth:`boltz.ParallelTempering.sample`, with at least two records.
    ax : sequence of 3 matplotlib Axes, optional
        Where to draw the three panels (default: a new figure).

    Returns
    -------
    ndarray of 3 matplotlib Axes
        ⟨E⟩ (``containers[0]``, an errorbar), C (``lines[0]``) and swap rates
        (``lines[0]``).
    """
    check_instance(result, TemperingResult, "result")
    num_records = np.shape(result.energies)[1]
    if num_records < 2:
        raise ValueError(f"result must hold at least 2 records per temperature, got "
                         f"{num_records}")
    betas = np.asarray(result.betas, dtype=np.float64)
    hot = betas > 0
    temps = 1.0 / betas[hot]
    axes = panels(ax, 3, figsize=(12.0, 3.4))
    axes[0].errorbar(temps, result.mean_energy[hot], yerr=result.mean_energy_se[hot],
                     marker=".", capsize=2)
    axes[0].set_ylabel("mean energy <E> (energy units)")
    axes[1].plot(temps, result.heat_capacity[hot], marker=".")
    axes[1].set_ylabel("heat capacity C (units of k_B)")
    pairs = hot[:-1] & hot[1:]
    mid = 0.5 * (1.0 / betas[:-1][pairs] + 1.0 / betas[1:][pairs])
    axes[2].plot(mid, np.asarray(result.swap_acceptance)[pairs], marker=".")
    axes[2].set_ylim(0.0, 1.05)
    axes[2].set_ylabel("swap acceptance rate")
    for a in axes:
        a.set_xlabel("temperature T (energy units / k_B)")
    return axes
