"""``--plot FILE``: a figure of a subcommand's result, written with matplotlib's Agg canvas
(no pyplot, no window, the user's backend untouched)."""
from __future__ import annotations

import os
from collections.abc import Callable

from boltz.cli._common import UsageError


def check_plot_path(path: str | None) -> None:
    """Before any work: matplotlib is installed, FILE's format is one it writes and its
    folder exists. UsageError otherwise."""
    if path is None:
        return
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        raise UsageError('--plot needs matplotlib: pip install "boltz[plot]"') from None
    formats = FigureCanvasAgg.get_supported_filetypes()
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    if ext not in formats:
        raise UsageError(f"--plot {path}: the file name must end in one of "
                         f"{', '.join('.' + f for f in sorted(formats))}")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"--plot {path}: no such folder {folder!r}")


def save_figure(path: str, panels: int, draw: Callable, size: tuple[float, float]) -> None:
    """`draw(axes)` on a new figure of `panels` side by side, saved to `path` (dpi 120)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, panels, squeeze=False).ravel()
    draw(axes if panels > 1 else axes[0])
    try:
        fig.savefig(path, dpi=120)
    except OSError as exc:
        raise UsageError(f"--plot {path}: {exc.strerror or exc}") from None
