"""An anneal's energy against sweep."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from boltz.plot._axes import check_instance, panels
from boltz.spin.annealing import AnnealResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes


# Reads drawn one by one at most (a thousand faint lines show nothing more than 64)
_MAX_READS_DRAWN = 64


def anneal(result: AnnealResult, *, ax: Axes | None = None) -> Axes:
    r"""Draw an anneal's energy against sweep: each read's, and the best so far.

    Faint lines: the current energy :math:`E(s)` of each read (the first 64) at each
    recorded sweep; the thick line: the lowest energy any read has reached by then. Dotted
    vertical lines mark the reheats of a run with several cycles.

    Parameters
    ----------
    result : AnnealResult
        From :meth:`boltz.Annealer.sample` called with ``record_every=k``.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on (default: a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        ``lines[r]`` is read r's energy for the drawn reads, the next line the best so far.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import boltz, boltz.plot
    >>> model = boltz.IsingModel.square_lattice(8)
    >>> result = boltz.Annealer(num_sweeps=100).sample(model, num_reads=4, seed=0,
    ...                                                record_every=10)
    >>> ax = boltz.plot.anneal(result)
    >>> ax.lines[4].get_xydata()[-1]                  # the best energy after 100 sweeps
    array([ 100., -128.])
    """
    check_instance(result, AnnealResult, "result")
    if result.trace_sweeps is None or len(result.trace_sweeps) == 0:
        raise ValueError("result holds no energy records: anneal with "
                         "Annealer.sample(..., record_every=k) to draw it (and let it run "
                         "a sweep)")
    (axis,) = panels(ax, 1)
    sweeps, energies = result.trace_sweeps, result.trace_energies
    for read in range(min(energies.shape[1], _MAX_READS_DRAWN)):
        axis.plot(sweeps, energies[:, read], color="C0", alpha=0.25, linewidth=0.8)
    axis.plot(sweeps, np.min(result.trace_best_energies, axis=1), color="C3", linewidth=2,
              label="best so far")
    for boundary in _reheats(result.info):
        if boundary < sweeps[-1]:                     # not past a run stopped by Ctrl-C
            axis.axvline(boundary, color="gray", linestyle=":")
    axis.set_xlabel("sweep")
    axis.set_ylabel("energy E (energy units)")
    axis.legend()
    return axis


def _reheats(info: dict) -> list[int]:
    """The sweeps after which a cycle reheated."""
    cycles, reheat = info.get("num_cycles", 1), info.get("reheat_beta")
    if cycles <= 1 or reheat is None:
        return []
    first, later = info["betas"].size, int(np.count_nonzero(info["betas"] >= reheat))
    return [first + k * later for k in range(cycles - 1)]
