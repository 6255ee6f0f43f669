"""Budgets of a run: a wall-clock limit, the caller's interrupt function and a target
energy, checked between blocks of sweeps (10-50 ms of work), as Ctrl-C is.

A run stopped by a budget keeps everything it finished and says why in
``info["stopped_by"]``. A time limit or an interrupt function cannot stop at the same sweep
on every machine; a target can: :class:`TargetWatch` finds the first sweep at which each
read reached it, whatever the blocks, and replays the read to exactly that sweep.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from boltz._validation import check_real


def check_budget(time_limit, interrupt_function, target_energy=None):
    """(time_limit, interrupt_function, target_energy), checked: a float > 0 or None, a
    callable or None, a finite float or None. On a cluster (``client=``) the client keeps
    the time limit and the interrupt function, and stops the workers' shards through an
    event (:mod:`boltz.distributed._shards`)."""
    if time_limit is not None:
        time_limit = check_real(time_limit, "time_limit", above=0.0)
    if interrupt_function is not None and not callable(interrupt_function):
        raise TypeError(f"interrupt_function must be a callable taking no arguments, got "
                        f"{type(interrupt_function).__name__}")
    if target_energy is not None:
        target_energy = check_real(target_energy, "target_energy")
    return time_limit, interrupt_function, target_energy


def target_level(target: float, offset: float) -> float:
    """The running energy (offset excluded, as the chains keep it) at or below which
    `target` counts as reached: ``target + 1e-9 * max(1, |target|)`` (rounding)."""
    return target + 1e-9 * max(1.0, abs(target)) - offset


class Budget:
    """Checked between blocks: :meth:`spent` is True once the time is up or the interrupt
    function returned true, and :attr:`stopped_by` says which."""

    def __init__(self, time_limit: float | None, interrupt_function: Callable | None):
        self.deadline = None if time_limit is None else time.perf_counter() + time_limit
        self.interrupt_function = interrupt_function
        self.stopped_by: str | None = None

    def spent(self) -> bool:
        if self.stopped_by is None:
            if self.deadline is not None and time.perf_counter() >= self.deadline:
                self.stopped_by = "time_limit"
            elif self.interrupt_function is not None and self.interrupt_function():
                self.stopped_by = "interrupt_function"
        return self.stopped_by is not None


class TargetWatch:
    """Each read stops at the first sweep after which its energy is at most the target
    (within ``1e-9 * max(1, |target|)``: the running energy carries rounding).

    Around every piece of sweeps, :meth:`before` takes a snapshot of the chains and
    :meth:`after` reads the energies recorded after each sweep of the piece; a read that
    reached the target there is replayed from the snapshot to that very sweep and frozen:
    its state, energy and sweep count are kept (:meth:`apply` puts them in the result),
    while the chain itself may run on with the others (its later sweeps are discarded).
    """

    def __init__(self, chains, target: float):
        self.chains = chains
        self.level = target_level(target, chains.model.offset)
        n = chains.num_chains
        self.sweeps = np.full(n, -1, dtype=np.int64)       # sweeps done when reached
        self.states = np.empty((n, chains.model.num_spins), dtype=np.int8)
        self.snap = None

    @property
    def all_reached(self) -> bool:
        return bool(np.all(self.sweeps >= 0))

    def before(self, sweeps: int) -> dict:
        """Snapshot the chains before a piece of `sweeps` sweeps; the records to take of
        it (Chains.sweep's arguments: each sweep's energies, and magnetisations, which the
        kernel records with them)."""
        self.snap = self.chains.snapshot()
        shape = (self.chains.num_chains, sweeps)
        return {"thin": 1, "rec_energy": np.empty(shape), "rec_magnet": np.empty(shape)}

    def after(self, done_before: int, energies: np.ndarray, schedule, scale, method, order):
        """`energies` (chains, sweeps of the piece) were recorded after each sweep of a
        piece that started `done_before` sweeps into the run and followed `schedule`."""
        hit = (energies <= self.level) & (self.sweeps < 0)[:, None]
        for row in np.flatnonzero(hit.any(axis=1)):
            k = int(np.argmax(hit[row]))                   # the first sweep that reached it
            self.chains.rewind(row, self.snap, schedule[:k + 1], scale, method, order)
            self.states[row] = self.chains.spins[row]
            self.sweeps[row] = done_before + k + 1
        self.snap = None

    def apply(self, states: np.ndarray) -> np.ndarray:
        """`states` (chains, n) with the reads that reached the target at their state then."""
        reached = self.sweeps >= 0
        out = states.copy()
        out[reached] = self.states[reached]
        return out


def freeze_records(stops: np.ndarray, sweeps: np.ndarray, records: np.ndarray,
                   energies: np.ndarray) -> None:
    """Records (m, reads) taken after `sweeps` (m,) of reads that stopped after `stops`
    (reads,; -1: never): from a read's stop on, its energy then (`energies`, reads)."""
    after = (stops >= 0)[None, :] & (sweeps[:, None] >= stops[None, :])
    records[after] = np.broadcast_to(energies, records.shape)[after]
