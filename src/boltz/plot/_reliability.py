"""The reliability diagram of a classifier's probabilities (Guo et al. 2017, figure 1)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from boltz.numerics.calibration import ReliabilityDiagram, reliability_diagram
from boltz.plot._axes import panels

if TYPE_CHECKING:
    from matplotlib.axes import Axes



def reliability(probs_or_diagram: ArrayLike | ReliabilityDiagram, labels: ArrayLike | None = None,
                n_bins: int = 15, *, ax: Axes | None = None) -> Axes:
    r"""Draw a reliability diagram: accuracy against confidence per bin, with the gaps.

    Guo, Pleiss, Sun & Weinberger (2017), "On calibration of modern neural networks",
    figure 1. One bar per non-empty bin of the top-class confidence (see
    :func:`boltz.reliability_diagram`): its height is the bin's accuracy
    :math:`\mathrm{acc}(B_b)`; a hatched bar spans the gap from the accuracy to the bin's
    mean confidence :math:`\mathrm{conf}(B_b)` (above the accuracy bar for an
    over-confident bin, inside it for an under-confident one); the dashed diagonal is
    perfect calibration. The legend gives the expected calibration error.

    Parameters
    ----------
    probs_or_diagram : array_like or ReliabilityDiagram
        Predicted probabilities, (n, k) rows or 1-D binary probabilities of class 1 (as
        :func:`boltz.reliability_diagram` takes them), or a diagram it returned.
    labels : array_like of int, (n,), optional
        True classes; required with probabilities, not allowed with a diagram.
    n_bins : int, optional
        Equal-width bins on [0, 1] (default 15); not used with a diagram.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on (default: a new figure's).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: ``containers[0]`` holds the accuracy bars, ``containers[1]`` the
        gap bars, one per non-empty bin; ``lines[0]`` the diagonal.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from boltz.plot._reliability import reliability
    >>> ax = reliability([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]], [0, 1, 1], n_bins=5)
    >>> [float(b.get_height()) for b in ax.containers[0]]
    [0.5, 1.0]
    """
    if isinstance(probs_or_diagram, ReliabilityDiagram):
        if labels is not None:
            raise TypeError("labels must be None when a ReliabilityDiagram is given")
        diagram = probs_or_diagram
    else:
        if labels is None:
            raise TypeError("labels is required with probabilities (or pass a "
                            "ReliabilityDiagram)")
        diagram = reliability_diagram(probs_or_diagram, labels, n_bins)
    (ax,) = panels(ax, 1)
    edges = diagram.bin_edges
    full = diagram.counts > 0
    left, width = edges[:-1][full], np.diff(edges)[full]
    accuracy, confidence = diagram.accuracy[full], diagram.confidence[full]
    ax.bar(left, accuracy, width=width, align="edge", color="C0", edgecolor="black",
           label="accuracy")
    ax.bar(left, confidence - accuracy, width=width, bottom=accuracy, align="edge",
           color="C3", alpha=0.3, edgecolor="C3", hatch="//",
           label=f"gap to confidence (ECE = {diagram.ece:.4f})")
    ax.plot([0.0, 1.0], [0.0, 1.0], linestyle="--", color="gray", label="perfectly calibrated")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("confidence (top-class probability)")
    ax.set_ylabel("accuracy")
    ax.set_aspect("equal")
    ax.legend(loc="upper left")
    return ax
