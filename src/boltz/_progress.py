"""Running long loops in blocks: optional progress bar, clean stop on Ctrl-C.

Ctrl-C is deferred while a long call runs (:func:`deferred_interrupts`): the first SIGINT
only sets a flag, which the loops read between blocks of work (each about 10-50 ms), so a
block is never cut in the middle of an update and the call returns within one block with
what it finished. A second SIGINT raises KeyboardInterrupt at once (Python's own
behaviour). A handler the user installed is left alone.
"""
from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class _Deferral:
    """The state of the deferral: nesting depth, the handler it replaced, the flag."""

    depth = 0
    pending = False
    active = False


def _on_sigint(signum, frame):
    _Deferral.pending = True
    signal.signal(signal.SIGINT, signal.default_int_handler)   # a second Ctrl-C raises


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Within the block, Ctrl-C sets a flag (:func:`interrupt_pending`) instead of raising.

    Nests: only the outermost level installs and removes the handler, and only in the main
    thread when Python's default handler is in place. If the flag is still set when the
    outermost level exits normally (nobody took it with :func:`take_interrupt`), it raises
    KeyboardInterrupt there, so that a Ctrl-C is never lost.
    """
    outermost = _Deferral.depth == 0
    if outermost:
        _Deferral.pending = False
        _Deferral.active = (threading.current_thread() is threading.main_thread()
                            and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        if _Deferral.active:
            signal.signal(signal.SIGINT, _on_sigint)
    _Deferral.depth += 1
    try:
        yield
    finally:
        _Deferral.depth -= 1
        if outermost:
            if _Deferral.active:
                signal.signal(signal.SIGINT, signal.default_int_handler)
            _Deferral.active = False
    if outermost and _Deferral.pending:
        _Deferral.pending = False
        raise KeyboardInterrupt


def interrupt_pending() -> bool:
    """Whether a deferred Ctrl-C waits to be taken."""
    return _Deferral.pending


def take_interrupt() -> bool:
    """Whether a deferred Ctrl-C was pending; clears it."""
    pending, _Deferral.pending = _Deferral.pending, False
    return pending


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

    def write(self, line):
        print(f"\r{' ' * (len(self.desc) + 6)}\r", end="", file=sys.stderr, flush=True)
        print(line, flush=True)
        pct = int(100 * self.done / self.total) if self.total else 100
        print(f"\r{self.desc}: {pct:3d}%", end="", file=sys.stderr, flush=True)


class _NoBar:
    def update(self, k):
        pass

    def close(self):
        pass

    def write(self, line):
        print(line)


def progress_bar(total: int, enabled: bool, desc: str, unit: str = "sweep"):
    """A bar with ``update(k)``, ``close()`` and ``write(line)`` (a line on stdout that
    does not break the bar): tqdm when installed, else a text line on stderr; a silent
    stand-in when not `enabled`."""
    if not enabled:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _TextBar(total, desc)
    return tqdm(total=total, desc=desc, unit=unit)


def run_in_blocks(total: int, block: int, step: Callable[[int, int], object], *,
                  progress: bool = False, desc: str = "sweeps", unit: str = "sweep",
                  stop_when: Callable[[], bool] | None = None) -> tuple[int, bool]:
    """Call ``step(start, stop)`` on consecutive blocks covering ``range(total)``.

    Parameters
    ----------
    total : int
        Length of the range (sweeps, records, ...).
    block : int
        Block length, >= 1: the granularity of Ctrl-C and of the progress display.
    step : callable
        ``step(start, stop)`` does the work of ``range(start, stop)``; it may stop early
        (on a pending Ctrl-C, :func:`interrupt_pending`) and return where it stopped (an
        int; None: `stop`).
    progress : bool
        Show a progress bar on stderr.
    desc, unit : str
        The bar's label and unit.
    stop_when : callable, optional
        Called after each block; True ends the loop there (a budget: time, target, the
        caller's interrupt function), which is not an interruption.

    Returns
    -------
    done : int
        How much of the range finished. Ctrl-C is deferred (:func:`deferred_interrupts`):
        the loop stops after the block that was running, which counts as done. A step that
        raises KeyboardInterrupt itself (a second Ctrl-C, or a step that gives up its block
        on a pending one) counts as not done, so callers keep exactly the results of the
        finished blocks.
    interrupted : bool
        Whether Ctrl-C stopped the loop.
    """
    bar = progress_bar(total, progress, desc, unit)
    done, interrupted = 0, False
    try:
        with deferred_interrupts():
            try:
                while done < total and not interrupted:
                    if take_interrupt():          # a Ctrl-C before this block
                        interrupted = True
                        break
                    stop = min(done + block, total)
                    reached = step(done, stop)
                    stop = stop if reached is None else reached
                    bar.update(stop - done)
                    done = stop
                    interrupted = take_interrupt()
                    if stop_when is not None and not interrupted and stop_when():
                        break
            except KeyboardInterrupt:
                interrupted = True
                take_interrupt()
    finally:
        bar.close()
    return done, interrupted
