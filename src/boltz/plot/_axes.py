"""What the figures share: matplotlib on demand, and the Axes a figure draws on."""
from __future__ import annotations

import numpy as np


def require_matplotlib() -> None:
    """Import matplotlib, or say how to install it."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError('boltz.plot needs matplotlib: pip install "boltz[plot]"') from None


def panels(ax, count: int, figsize: tuple[float, float] | None = None) -> np.ndarray:
    """`count` Axes to draw on: `ax` checked (one Axes for one panel, a sequence of `count`
    Axes for several), or a new pyplot figure's with the panels side by side."""
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, count, figsize=figsize or (4.2 * count, 3.4),
                               squeeze=False, layout="constrained")
        return axes.ravel()
    if count == 1:
        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
        return np.array([ax], dtype=object)
    if isinstance(ax, (Axes, str, bytes)):
        raise TypeError(f"ax must be a sequence of {count} matplotlib Axes (this figure has "
                        f"{count} panels), got one {type(ax).__name__}")
    try:
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
    except (TypeError, ValueError):
        raise TypeError(f"ax must be a sequence of {count} matplotlib Axes, got "
                        f"{type(ax).__name__}") from None
    if len(axes) != count:
        raise ValueError(f"ax must hold {count} Axes (one per panel), got {len(axes)}")
    if not all(isinstance(a, Axes) for a in axes):
        raise TypeError(f"ax must be a sequence of {count} matplotlib Axes")
    return np.array(axes, dtype=object)


def check_instance(value, cls, name: str):
    """`value` if it is a `cls`, else a TypeError naming the argument."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, got {type(value).__name__}")
    return value
