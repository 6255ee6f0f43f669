"""Simulated annealing of Ising models, many reads in parallel, with optional reheating."""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from boltz._memory import check_allocation
from boltz._progress import deferred_interrupts, run_in_blocks, take_interrupt
from boltz._random import SeedLike
from boltz._validation import (
    as_float_array,
    check_beta,
    check_bool,
    check_choice,
    check_positive_int,
    resolve_num_threads,
)
from boltz.spin._budgets import Budget, TargetWatch, check_budget, freeze_records
from boltz.spin._chains import METHODS, ORDERS, Chains, check_model, sweep_work
from boltz.spin._multispin import MultiSpinReads, sweep_work as multispin_sweep_work
from boltz.spin.descent import descend

if TYPE_CHECKING:
    from boltz.spin.ising_model import IsingModel

__all__ = ["Annealer", "AnnealResult", "default_beta_range"]

_SCHEDULES = ("geometric", "linear")


def default_beta_range(model: IsingModel) -> tuple[float, float]:
    r"""(hot, cold) inverse temperatures derived from the couplings and the size.

    Hot: the largest possible flip cost :math:`\Delta E_{max} = 2 \max_i (\sum_j |J_{ij}| +
    |h_i|)` is accepted with probability 1/2, so most flips are accepted. Cold: a final
    sweep from a minimum excites any of the n spins by the smallest non-zero coupling or
    field step :math:`\Delta E_{min} = 2 \min(|J_{ij}|, |h_i|)` with probability about
    1/100 in all, :math:`n e^{-\beta \Delta E_{min}} = 1/100` (dwave-samplers' size-aware
    rule; without the n, the cold end of a large model stays hot enough to undo a
    fraction of its spins at the last sweep).

    Parameters
    ----------
    model : IsingModel
        The model whose couplings and fields set the energy scale.

    Returns
    -------
    hot, cold : float
        :math:`\beta_{hot} = \ln 2 / \Delta E_{max}` and
        :math:`\beta_{cold} = \max(\ln(100\, n) / \Delta E_{min}, \beta_{hot})` (1/energy
        units); ``(0.1, 1.0)`` for a model without couplings or fields.

    Notes
    -----
    Measured against the rule without n (:math:`\ln 100 / \Delta E_{min}`), mean best
    energy of the reads, 4-5 seeds: better on 3-regular ±1 models (n = 1000: 97% against
    90% of reads at -1236 after 3000 sweeps; n = 10^5, 1000 sweeps: -124037 against -123820,
    11 standard errors) and on G55 (4 se at 10^4 sweeps), within 1-2 se on G1, G2, G22
    and G43 (better on G22, worse on G1, at 10^4 sweeps).
    """
    row_sums, smallest = model._row_abs_sums, model._smallest_coupling
    h = np.abs(model.h)
    de_max = 2.0 * float(np.max(row_sums + h)) if model.num_spins else 0.0
    smallest = min(smallest, float(h[h > 0].min()) if np.any(h > 0) else math.inf)
    if de_max == 0 or smallest == math.inf:
        return 0.1, 1.0                       # no interactions: any schedule is exact
    de_min = 2.0 * smallest
    hot = math.log(2.0) / de_max
    cold = max(math.log(100.0 * model.num_spins) / de_min, hot)
    return hot, cold


def _schedule(kind, beta_range, num_betas):
    hot, cold = beta_range
    if kind == "geometric":
        if hot <= 0:
            raise ValueError("a geometric schedule needs beta_range[0] > 0 (a linear one "
                             "can start at beta = 0)")
        return np.geomspace(hot, cold, num_betas)
    return np.linspace(hot, cold, num_betas)


def _check_beta_range(beta_range) -> tuple[float, float]:
    """(hot, cold) with 0 <= hot <= cold, both finite."""
    pair = (tuple(beta_range) if isinstance(beta_range, Iterable)
            and not isinstance(beta_range, (str, bytes)) else ())
    if len(pair) != 2:
        raise TypeError(f"beta_range must be a pair of floats (hot, cold), got {beta_range!r}")
    hot = check_beta(pair[0], "beta_range[0]")
    cold = check_beta(pair[1], "beta_range[1]")
    if hot > cold:
        raise ValueError(f"beta_range must satisfy 0 <= hot <= cold < inf, got {beta_range!r}")
    return hot, cold


@dataclass(frozen=True)
class AnnealResult:
    r"""Outcome of :meth:`Annealer.sample`.

    Attributes
    ----------
    states : ndarray (num_reads, n) of int8
        For each read, the lowest-energy state it visited (checked after every sweep); with
        ``Annealer(polish=True)``, that state descended to a local minimum
        (:func:`boltz.descend`).
    energies : ndarray (num_reads,)
        Their energies :math:`E(s)`, recomputed exactly in float64.
    best_state : ndarray (n,) of int8
        The lowest-energy state over all reads.
    best_energy : float
        Its energy.
    trace_sweeps : ndarray (m,) of int64 or None
        With ``record_every=k`` in :meth:`Annealer.sample`: the sweeps done (all cycles
        counted one after another) at each record, every k-th sweep and the last one (the
        last one done, after a Ctrl-C). ``None`` without recording.
    trace_energies : ndarray (m, num_reads) or None
        Each read's current energy :math:`E(s)` at those sweeps (energy units).
    trace_best_energies : ndarray (m, num_reads) or None
        Each read's lowest energy so far at those sweeps.
    final_states : ndarray (num_reads, n) of int8
        Each read's state at the end of the schedule (a sample of the schedule's last
        :math:`\beta`, what dimod's samplers return), or where Ctrl-C stopped it; with
        ``polish=True``, descended to a local minimum too.
    final_energies : ndarray (num_reads,)
        Their energies :math:`E(s)`, recomputed exactly in float64.
    info : dict
        ``beta_range`` (hot, cold), ``betas`` (the per-sweep schedule of one cycle),
        ``num_sweeps``, ``num_cycles``, ``seconds`` (wall time), ``cpu_seconds`` (CPU time
        of all the threads, or of all the shards on a cluster), ``spin_updates_per_second``,
        ``sweeps_done`` (sweeps finished by every read, all cycles together) and
        ``interrupted``: Ctrl-C stops the anneal within one block of work (tens of
        milliseconds) and the states are the best each read found so far (a read may have
        run up to one block past ``sweeps_done``); ``polished_reads``: the reads descended
        with ``polish=True`` (all of them unless Ctrl-C came first; 0 without polish).
    """

    states: np.ndarray
    energies: np.ndarray
    best_state: np.ndarray
    best_energy: float
    info: dict = field(default_factory=dict)
    trace_sweeps: np.ndarray | None = None
    trace_energies: np.ndarray | None = None
    trace_best_energies: np.ndarray | None = None
    final_states: np.ndarray | None = None
    final_energies: np.ndarray | None = None


class _EnergyTrace:
    """Records of every read's current and best energy every `every` sweeps and after the
    last sweep of the run (`total` sweeps, all cycles)."""

    def __init__(self, every: int, total: int, num_reads: int):
        self.every = every
        count = total // every + (total % every != 0)
        check_allocation(16 * count * num_reads, f"record_every={every}",
                         "the records of the energies")
        self.sweeps = np.empty(count, dtype=np.int64)
        self.energies = np.empty((count, num_reads))
        self.best = np.empty((count, num_reads))
        self.count = 0

    def split(self, offset: int, start: int, stop: int, last: int):
        """The pieces of sweeps start..stop (sweep `offset + start` of the run) that end
        where a record falls, and whether each does (`last`: the run's last sweep)."""
        a = start
        while a < stop:
            done = offset + a
            b = min(stop, a + self.every - done % self.every)
            yield a, b, (offset + b) % self.every == 0 or offset + b == last
            a = b

    def take(self, sweeps: int, reads) -> None:
        """Record the reads' current and lowest energies after `sweeps` sweeps, unless that
        is the last record."""
        k = self.count
        if k and self.sweeps[k - 1] == sweeps:
            return
        self.sweeps[k] = sweeps
        self.energies[k] = reads.current_energies()
        self.best[k] = reads.best_energies()
        self.count = k + 1

    def arrays(self):
        k = self.count
        return self.sweeps[:k].copy(), self.energies[:k].copy(), self.best[:k].copy()


class _SingleSpinReads:
    """The reads of an anneal as :class:`~boltz.spin._chains.Chains` (one chain each) with
    their lowest states, and with a target the first sweep each read reached it
    (:class:`~boltz.spin._budgets.TargetWatch`): the interface
    :class:`~boltz.spin._multispin.MultiSpinReads` shares."""

    def __init__(self, model, num_reads, seed, initial_states, nthreads, clamped,
                 target_energy, method, order):
        self.chains = Chains(model, num_reads, seed, initial_states, nthreads,
                             clamped=clamped, count_name="num_reads")
        self.method, self.order = method, order
        self.best_spins = self.chains.spins.copy()
        self.best_energy = self.chains.energy.copy()
        self.ones = np.ones(num_reads)
        self.watch = (None if target_energy is None
                      else TargetWatch(self.chains, target_energy))

    def block_sweeps(self) -> int:
        return self.chains.block_sweeps(self.order)

    def restart_from_best(self) -> None:
        self.chains.spins[:] = self.best_spins
        self.chains.resync()

    @property
    def all_reached(self) -> bool:
        return self.watch is not None and self.watch.all_reached

    def sweep(self, betas: np.ndarray, done_before: int) -> None:
        watch = self.watch
        rec = {} if watch is None else watch.before(len(betas))
        self.chains.sweep(betas, self.ones, self.method, self.order,
                          best_spins=self.best_spins, best_energy=self.best_energy, **rec)
        if watch is not None:
            watch.after(done_before, rec["rec_energy"], betas, self.ones, self.method,
                        self.order)

    def current_energies(self) -> np.ndarray:
        return self.chains.energy + self.chains.model.offset

    def best_energies(self) -> np.ndarray:
        return self.best_energy + self.chains.model.offset

    def states(self):
        """(lowest states, final states, sweeps at the target or None); a read that
        reached the target has its state then as both."""
        if self.watch is None:
            return self.best_spins, self.chains.spins, None
        return (self.watch.apply(self.best_spins), self.watch.apply(self.chains.spins),
                self.watch.sweeps)


class Annealer:
    r"""Simulated annealing: single-spin-flip sweeps while :math:`\beta` rises hot → cold.

    Parameters
    ----------
    num_sweeps : int, optional
        Sweeps per cycle, >= 1 (default 1000 for a named schedule; for an array of betas, the
        array's length times `num_sweeps_per_beta`).
    schedule : {"geometric", "linear"} or array_like of float
        How :math:`\beta` goes from hot to cold, or the betas themselves.
    beta_range : (float, float), optional
        Hot and cold :math:`\beta`, :math:`0 \le \beta_{hot} \le \beta_{cold}` finite
        (1/energy units). Default: :func:`default_beta_range` of the model
        (reported in ``info["beta_range"]``).
    num_sweeps_per_beta : int
        Sweeps at each :math:`\beta` of the schedule (default 1).
    method : {"metropolis", "gibbs"}
        Acceptance rule: :math:`\min(1, e^{-\beta \Delta E})` or
        :math:`1/(1 + e^{\beta \Delta E})` (``"heat_bath"`` is a synonym of ``"gibbs"``).
    order : {"sequential", "random"}
        Sequential sweeps (index order) are fastest. On very small or very regular models
        (a short ring, say) cold sequential Metropolis can move zero-cost defects in
        lockstep with the sweep so that they never meet; ``order="random"`` or
        ``method="gibbs"`` avoid it.
    num_cycles : int
        1 (default): one anneal. More: after each cycle every read restarts from the best
        state it has found, reheated to `reheat_beta`, and cools again along the part of the
        schedule with :math:`\beta \ge` `reheat_beta`.
    reheat_beta : float, optional
        Finite, >= 0 (1/energy units). Default: the geometric mean of hot and cold.
    num_threads : int, optional
        OpenMP threads over reads (``None``: OpenMP's default). Results do not depend on it.
    progress : bool
        Progress bar (tqdm if installed); Ctrl-C stops cleanly with the best so far.
    polish : bool
        After the anneal, descend each read's state to a local minimum with
        :func:`boltz.descend` (steepest single-spin-flip descent: flip the spin with the
        most negative :math:`\Delta E_i = 2 s_i (h_i + \sum_j J_{ij} s_j)` until none is
        negative), and so each read's final state. ``AnnealResult.states``, ``energies``,
        ``best_state``, ``best_energy``, ``final_states`` and ``final_energies`` are then
        those of the polished states, each at most the unpolished energy. Default False.
        Skipped after a Ctrl-C during the anneal; a Ctrl-C during the polish keeps the
        reads polished so far (``info["polished_reads"]``).
    multispin : bool
        Multi-spin coding: 64 reads in the bits of one 64-bit word per spin, swept
        together (sequential Metropolis, each read's flips accepted with
        :math:`\min(1, e^{-\beta \Delta E})` to double precision; the energies counted
        exactly after every sweep). For ±J models only: every coupling of one magnitude
        and no fields (spin glasses, unweighted Max-Cut); needs ``method="metropolis"``,
        ``order="sequential"`` and no clamped spins. Several times more spin updates per
        second than single-spin sweeps when there are 64 reads or more. The reads start
        from the same states for the same seed, but then differ from those of
        ``multispin=False``: the 64 reads of a group draw from one random stream (read
        64 g's), so a read's result depends on the others of its group (never on the
        thread count). Default False.

    Examples
    --------
    >>> import boltz
    >>> model = boltz.IsingModel.square_lattice(16)           # ferromagnet, 256 spins
    >>> result = boltz.Annealer(num_sweeps=500).sample(model, num_reads=4, seed=1)
    >>> float(result.best_energy)                              # the ground state
    -512.0
    """

    def __init__(self, num_sweeps: int | None = None, schedule: str | ArrayLike = "geometric",
                 beta_range: tuple[float, float] | None = None, num_sweeps_per_beta: int = 1,
                 method: str = "metropolis", order: str = "sequential", num_cycles: int = 1,
                 reheat_beta: float | None = None, num_threads: int | None = None,
                 progress: bool = False, polish: bool = False, multispin: bool = False):
        self.num_sweeps = num_sweeps
        self.schedule = schedule
        self.beta_range = beta_range
        self.num_sweeps_per_beta = num_sweeps_per_beta
        self.method = method
        self.order = order
        self.num_cycles = num_cycles
        self.reheat_beta = reheat_beta
        self.num_threads = num_threads
        self.progress = progress
        self.polish = polish
        self.multispin = multispin

    def _betas(self, model):
        """Per-sweep schedule of one cycle, and the beta range it spans."""
        per_beta = check_positive_int(self.num_sweeps_per_beta, "num_sweeps_per_beta")
        num_sweeps = (None if self.num_sweeps is None
                      else check_positive_int(self.num_sweeps, "num_sweeps"))
        if isinstance(self.schedule, str):
            kind = check_choice(self.schedule, "schedule", _SCHEDULES)
            beta_range = (default_beta_range(model) if self.beta_range is None
                          else _check_beta_range(self.beta_range))
            num_sweeps = 1000 if num_sweeps is None else num_sweeps
            if num_sweeps % per_beta:
                raise ValueError(f"num_sweeps ({num_sweeps}) must be a multiple of "
                                 f"num_sweeps_per_beta ({per_beta})")
            check_allocation(16 * num_sweeps, f"num_sweeps={num_sweeps}",
                             "the per-sweep schedule of inverse temperatures")
            betas = _schedule(kind, beta_range, num_sweeps // per_beta)
        else:
            betas = as_float_array(self.schedule, "schedule", ndim=1, finite=True,
                                   at_least=0.0, dtype=np.float64, bools=False)
            if betas.size == 0:
                raise ValueError("schedule as an array must be a non-empty 1-D array of betas")
            if num_sweeps is not None and num_sweeps != betas.size * per_beta:
                raise ValueError(f"num_sweeps ({num_sweeps}) disagrees with the schedule "
                                 f"({betas.size} betas x {per_beta} sweeps); leave it None")
            beta_range = (float(betas.min()), float(betas.max()))
            check_allocation(8 * betas.size * per_beta, f"num_sweeps_per_beta={per_beta}",
                             "the per-sweep schedule of inverse temperatures")
        return np.repeat(betas, per_beta), beta_range

    def sample(self, model: IsingModel, num_reads: int = 10, seed: SeedLike = None,
               initial_states: ArrayLike | None = None,
               clamped: ArrayLike | None = None,
               record_every: int | None = None, *, time_limit: float | None = None,
               target_energy: float | None = None,
               interrupt_function: Callable[[], object] | None = None,
               client: object = None, shard_size: int | None = None) -> AnnealResult:
        """Anneal `num_reads` independent reads of `model`.

        Parameters
        ----------
        model : IsingModel
            The model to minimise, :math:`E(s)` in boltz's sign convention.
        num_reads : int
            Independent anneals, run in parallel (default 10).
        seed : None, int, SeedSequence or Generator
            Randomness; the same seed gives the same result for any `num_threads`.
        initial_states : array_like (num_reads, n) or (n,), optional
            Starting spins (default: uniformly random per read).
        clamped : array_like of bool (n,), optional
            Spins held at their values in `initial_states` (then required): the anneal
            minimises the energy over the other spins.
        record_every : int, optional
            Record every read's current and best energy every `record_every` sweeps and
            after the last one (``AnnealResult.trace_*``, drawn by
            :func:`boltz.plot.anneal`). Recording does not change the result.
        time_limit : float, optional
            Seconds of wall time, > 0: the anneal stops after the block of sweeps (10-50
            ms of work) during which it ran out, keeping everything finished; every read
            has then done ``info["sweeps_done"]`` sweeps (one cycle: the same states as an
            anneal along ``info["betas"][:sweeps_done]`` with the same seed). With
            `client`, each read's sweeps are ``info["read_sweeps"]`` and ``sweeps_done``
            is the fewest; see :mod:`boltz.distributed`.
        target_energy : float, optional
            Each read stops at the first sweep after which its energy is at most this
            (within ``1e-9 * max(1, |target_energy|)``), with that state as its best and
            final one; ``info["sweeps_to_target"]`` records the sweep (-1: never). The run
            ends when every read has reached it. Reproducible: the sweep and the state do
            not depend on the thread count or on how the run is cut.
        interrupt_function : callable, optional
            Called without arguments between blocks of sweeps (dwave-samplers polls its
            own between reads); a true value stops the anneal there, as `time_limit` does.
        client : dask.distributed.Client, "local" or str, optional
            Run the reads on a Dask cluster (``pip install "boltz[distributed]"``): a
            ``Client``, ``"local"`` (a ``LocalCluster`` of this machine's cores, closed
            afterwards) or a scheduler address. The result is bit-identical to the run
            without `client`, for any number of workers; see :mod:`boltz.distributed`.
        shard_size : int, optional
            With `client`: reads per task (default: two tasks per worker, fewer when a task
            would run under about half a second), rounded up to a multiple of 64 with
            ``multispin=True`` (a group of reads stays on one task).

        Returns
        -------
        AnnealResult
            Each read's lowest-energy state and its energy, the best over all reads, each
            read's final state and energy, the schedule and timings in ``info``, and the
            records when asked. ``info["stopped_by"]`` is ``"time_limit"``,
            ``"target_energy"``, ``"interrupt_function"`` or None (the schedule ran out,
            or Ctrl-C: ``info["interrupted"]``); ``info["read_sweeps"]`` is the sweeps each
            read completed. With `client`,
            ``info["shards"]`` lists the (start, stop) ranges of reads it holds: all of
            them, or after Ctrl-C those whose task had finished (``interrupted``).
        """
        check_model(model)
        num_reads = check_positive_int(num_reads, "num_reads")
        num_cycles = check_positive_int(self.num_cycles, "num_cycles")
        meth = check_choice(self.method, "method", METHODS)
        ordr = check_choice(self.order, "order", ORDERS)
        progress = check_bool(self.progress, "progress")
        polish = check_bool(self.polish, "polish")
        multispin = check_bool(self.multispin, "multispin")
        if multispin and (meth != METHODS["metropolis"] or ordr != ORDERS["sequential"]
                          or clamped is not None):
            raise ValueError("multispin=True sweeps with method='metropolis' and "
                             "order='sequential', without clamped spins")
        nthreads = resolve_num_threads(self.num_threads)
        if record_every is not None:
            record_every = check_positive_int(record_every, "record_every")
        time_limit, interrupt_function, target_energy = check_budget(
            time_limit, interrupt_function, target_energy)
        betas, beta_range = self._betas(model)
        reheat = (math.sqrt(beta_range[0] * beta_range[1]) if self.reheat_beta is None
                  else check_beta(self.reheat_beta, "reheat_beta"))
        later = betas[betas >= reheat] if num_cycles > 1 else betas
        if later.size == 0:
            raise ValueError(f"reheat_beta ({reheat}) is colder than the whole schedule")
        if client is not None:
            from boltz.distributed._calls import anneal

            # a model the multi-spin kernel cannot run is refused here, not on a worker
            per_sweep = (multispin_sweep_work(model) if multispin
                         else sweep_work(model, ordr))
            return anneal(self, model, num_reads, seed, initial_states, clamped, record_every,
                          target_energy, time_limit=time_limit,
                          interrupt_function=interrupt_function, client=client,
                          shard_size=shard_size,
                          work_per_read=betas.size * num_cycles * per_sweep)
        with deferred_interrupts():
            t0, cpu0 = time.perf_counter(), time.process_time()
            if multispin:
                reads = MultiSpinReads(model, num_reads, seed, initial_states, nthreads,
                                       target_energy)
            else:
                reads = _SingleSpinReads(model, num_reads, seed, initial_states, nthreads,
                                         clamped, target_energy, meth, ordr)
            block = reads.block_sweeps()
            total = betas.size + (num_cycles - 1) * later.size
            trace = (None if record_every is None
                     else _EnergyTrace(record_every, total, num_reads))
            budget = Budget(time_limit, interrupt_function)

            def spent():
                if reads.all_reached:
                    budget.stopped_by = "target_energy"
                return budget.spent()

            sweeps_done, interrupted = 0, False
            for cycle in range(num_cycles):
                schedule = betas if cycle == 0 else later
                if cycle > 0:
                    reads.restart_from_best()

                def step(start, stop, schedule=schedule, offset=sweeps_done):
                    pieces = ([(start, stop, False)] if trace is None
                              else trace.split(offset, start, stop, total))
                    for a, b, record in pieces:
                        reads.sweep(schedule[a:b], offset + a)
                        if record:
                            trace.take(offset + b, reads)

                done, interrupted = run_in_blocks(schedule.size, block, step,
                                                  progress=progress,
                                                  desc=f"anneal {cycle + 1}/{num_cycles}",
                                                  stop_when=spent)
                sweeps_done += done
                if budget.stopped_by is not None or interrupted:
                    if trace is not None and sweeps_done:    # where the run stopped
                        trace.take(sweeps_done, reads)
                    break
            seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - cpu0
            best_spins, finals, hits = reads.states()
            read_sweeps = np.full(num_reads, sweeps_done, dtype=np.int64)
            records = (None, None, None) if trace is None else trace.arrays()
            if hits is not None:
                read_sweeps = np.where(hits >= 0, hits, read_sweeps)
                if trace is not None:
                    stopped_energies = model.energy(best_spins, num_threads=nthreads)
                    for arr in records[1:]:
                        freeze_records(hits, records[0], arr, stopped_energies)
            polished = 0
            if polish and not interrupted:
                for spins in (best_spins, finals):
                    descent = descend(model, spins, num_threads=nthreads)
                    spins[:descent.states.shape[0]] = descent.states
                    polished = polished or descent.states.shape[0]
                    interrupted = descent.interrupted
                    if interrupted:
                        break
            energies = model.energy(best_spins, num_threads=nthreads)
            k = int(np.argmin(energies))
            interrupted = take_interrupt() or interrupted
            return AnnealResult(
                states=best_spins,
                energies=energies,
                best_state=best_spins[k].copy(),
                best_energy=float(energies[k]),
                info={
                    "beta_range": beta_range,
                    "betas": betas,
                    "num_sweeps": int(betas.size),
                    "num_cycles": num_cycles,
                    "reheat_beta": reheat if num_cycles > 1 else None,
                    "sweeps_done": sweeps_done,
                    "seconds": seconds,
                    "cpu_seconds": cpu_seconds,
                    "spin_updates_per_second": sweeps_done * num_reads * model.num_spins
                    / max(seconds, 1e-12),
                    "interrupted": interrupted,
                    "stopped_by": budget.stopped_by,
                    "read_sweeps": read_sweeps,
                    "sweeps_to_target": hits,
                    "polished_reads": polished,
                },
                trace_sweeps=records[0],
                trace_energies=records[1],
                trace_best_energies=records[2],
                final_states=finals,
                final_energies=model.energy(finals, num_threads=nthreads),
            )
