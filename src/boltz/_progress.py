"""Running long loops in blocks: optional progress bar, clean stop on Ctrl-C."""
from __future__ import annotations

import sys
from collections.abc import Callable


class _TextBar:
    """Minimal progress line on stderr, used when tqdm is not installed."""

    def __init__(self, total, desc):
        self.total, self.desc, self.done, self._last = total, desc, 0, -1

    def update(self, k):
        self.done += k
        pct = int(100 * self.done / self.total) if self.total else 100
        if pct != self._last:
            self._last = pct
            print(f"\r{self.desc}: {pct:3d}%", end="", file=sys.stderr, flush=True)

    def close(self):
        print(file=sys.stderr)


class _NoBar:
    def update(self, k):
        pass

    def close(self):
        pass


def progress_bar(total: int, enabled: bool, desc: str, unit: str = "sweep"):
    """A bar with ``update(k)`` and ``close()``: tqdm when installed, else a text line on
    stderr; a silent stand-in when not `enabled`."""
    if not enabled:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _TextBar(total, desc)
    return tqdm(total=total, desc=desc, unit=unit)


def run_in_blocks(total: int, block: int, step: Callable[[int, int], object], *,
                  progress: bool = False, desc: str = "sweeps",
                  unit: str = "sweep") -> tuple[int, bool]:
    """Call ``step(start, stop)`` on consecutive blocks covering ``range(total)``.

    Parameters
    ----------
    total : int
        Length of the range (sweeps, records, ...).
    block : int
        Block length, >= 1: the granularity of Ctrl-C and of the progress display.
    step : callable
        ``step(start, stop)`` does the work of ``range(start, stop)``.
    progress : bool
        Show a progress bar on stderr.
    desc, unit : str
        The bar's label and unit.

    Returns
    -------
    done : int
        How much of the range finished. A block interrupted by Ctrl-C counts as not done,
        so callers keep exactly the results of the finished blocks.
    interrupted : bool
        Whether Ctrl-C stopped the loop.
    """
    bar = progress_bar(total, progress, desc, unit)
    done, interrupted = 0, False
    try:
        while done < total:
            stop = min(done + block, total)
            step(done, stop)
            bar.update(stop - done)
            done = stop
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    return done, interrupted
