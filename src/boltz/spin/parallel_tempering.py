"""Parallel tempering (replica exchange) for Ising models."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from boltz._memory import check_allocation
from boltz._progress import (
    deferred_interrupts,
    interrupt_pending,
    run_in_blocks,
    take_interrupt,
)
from boltz._random import SeedLike, seed_sequence
from boltz._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_positive_int,
    resolve_num_threads,
)
from boltz.distributed import map_models
from boltz.distributed._map import run_each
from boltz.numerics import mcmc_statistics as stats
from boltz.spin._budgets import Budget, check_budget, target_level
from boltz.spin._chains import (
    METHODS,
    ORDERS,
    Chains,
    SweepsInterrupted,
    check_model,
    check_start,
)

if TYPE_CHECKING:
    from boltz.distributed import ModelResults
    from boltz.spin.ising_model import IsingModel

__all__ = ["ParallelTempering", "TemperingResult"]

# Recompute energies from the spins this often (sweeps), so swaps never use drifted sums.
_RESYNC_SWEEPS = 64


@dataclass(frozen=True)
class TemperingResult:
    r"""Per-temperature traces of a parallel-tempering run.

    Attributes
    ----------
    betas : ndarray (K,)
        Inverse temperatures, increasing (hot to cold).
    energies : ndarray (K, num_records)
        Energy of the replica at each temperature after every swap interval (post burn-in).
    magnetizations : ndarray (K, num_records)
        Its magnetisation per spin.
    swap_acceptance : ndarray (K - 1,)
        Accepted fraction of the proposed exchanges between temperatures k and k + 1.
    best_state : ndarray (n,) of int8
        Lowest-energy state seen by any replica (checked after every sweep).
    best_energy : float
        Its energy.
    final_states : ndarray (K, n) of int8
        The replica at each temperature at the end.
    states : ndarray (K, num_records, n) of int8 or None
        Recorded states per temperature, with ``return_states=True``.
    interrupted : bool
        Ctrl-C stopped the run (within one block of work, tens of milliseconds); the
        traces, swap rates and best state hold the finished steps (sweeps then swaps), and
        ``final_states`` the replicas' current states (a cut step's finished sweeps
        included).
    info : dict
        ``swap_interval``, ``num_records`` (records kept), ``burn_in`` (sweeps),
        ``method``, ``order`` and ``seconds`` (wall time).
    """

    betas: np.ndarray
    energies: np.ndarray
    magnetizations: np.ndarray
    swap_acceptance: np.ndarray
    best_state: np.ndarray
    best_energy: float
    final_states: np.ndarray
    states: np.ndarray | None = None
    interrupted: bool = False
    info: dict = field(default_factory=dict)

    @property
    def mean_energy(self) -> np.ndarray:
        r""":math:`\langle E \rangle` at each temperature (nan without records: a run
        stopped in its burn-in)."""
        if self.energies.shape[1] == 0:
            return np.full(self.energies.shape[0], np.nan)
        return self.energies.mean(axis=1)

    @property
    def mean_energy_se(self) -> np.ndarray:
        """Standard errors of :attr:`mean_energy` (autocorrelation-corrected; nan where the
        run is too short to estimate the autocorrelation time)."""
        return np.array([stats.mean_and_standard_error(e, undefined="nan")[1]
                         for e in self.energies])

    @property
    def heat_capacity(self) -> np.ndarray:
        r""":math:`C = \beta^2 \mathrm{Var}(E)` at each temperature (units of :math:`k_B`)."""
        if self.energies.shape[1] < 2:
            return np.full(self.energies.shape[0], np.nan)
        return self.betas**2 * np.var(self.energies, axis=1, ddof=1)

    @property
    def mean_abs_magnetization(self) -> np.ndarray:
        r""":math:`\langle |m| \rangle` at each temperature (nan without records)."""
        if self.magnetizations.shape[1] == 0:
            return np.full(self.magnetizations.shape[0], np.nan)
        return np.abs(self.magnetizations).mean(axis=1)


class ParallelTempering:
    r"""Replica exchange Monte Carlo over a ladder of inverse temperatures.

    One replica per :math:`\beta_k`, each swept with single-spin flips (replicas run in
    parallel over OpenMP threads). Every `swap_interval` sweeps, neighbouring temperatures
    propose to exchange their replicas (even pairs, then odd pairs, alternately), accepted
    with probability :math:`\min(1, e^{(\beta_k - \beta_{k+1})(E_k - E_{k+1})})`, which keeps
    the product of the Boltzmann distributions invariant. One run gives
    :math:`\langle E \rangle(T)` and :math:`C(T)` along the ladder, and the lowest state seen.

    Parameters
    ----------
    betas : array_like
        At least two distinct finite inverse temperatures :math:`\ge 0` (1/energy units;
        sorted internally, hot to cold).
    num_sweeps : int
        Sweeps recorded after the burn-in, >= `swap_interval` (default 1000).
    burn_in : int
        Sweeps first, swaps included, not recorded, >= 0 (default 100).
    swap_interval : int
        Sweeps between exchange attempts, >= 1 (default 1). `num_sweeps` and `burn_in` are
        rounded down to multiples of it.
    method : {"metropolis", "gibbs"}
        Acceptance rule of the single-spin flips (``"heat_bath"``: ``"gibbs"``).
    order : {"sequential", "random"}
        Visit spins in index order, or n random sites per sweep.
    num_threads : int, optional
        OpenMP threads over replicas (``None``: OpenMP's default). Results do not depend on it.
    progress : bool
        Progress bar; Ctrl-C stops cleanly and keeps the finished part.

    Examples
    --------
    >>> import numpy as np, boltz
    >>> model = boltz.IsingModel.square_lattice(8)
    >>> pt = boltz.ParallelTempering(np.linspace(0.2, 0.8, 8), num_sweeps=2000)
    >>> result = pt.sample(model, seed=0)
    >>> result.energies.shape
    (8, 2000)
    >>> bool(np.all(np.diff(result.mean_energy) < 0))      # colder is lower in energy
    True
    """

    def __init__(self, betas: ArrayLike, num_sweeps: int = 1000, burn_in: int = 100,
                 swap_interval: int = 1, method: str = "metropolis", order: str = "sequential",
                 num_threads: int | None = None, progress: bool = False):
        self.betas = betas
        self.num_sweeps = num_sweeps
        self.burn_in = burn_in
        self.swap_interval = swap_interval
        self.method = method
        self.order = order
        self.num_threads = num_threads
        self.progress = progress

    def _check_betas(self) -> np.ndarray:
        b = as_float_array(self.betas, "betas", ndim=1, finite=True, at_least=0.0,
                           dtype=np.float64, bools=False)
        if b.size < 2:
            raise ValueError("betas must be a 1-D array of at least two inverse temperatures")
        b = np.sort(b)
        if np.any(np.diff(b) == 0):
            raise ValueError("betas must be distinct")
        return b

    def sample(self, model: IsingModel | Sequence[IsingModel], seed: SeedLike = None,
               initial_states: ArrayLike | None = None,
               return_states: bool = False, *, time_limit: float | None = None,
               target_energy: float | None = None,
               interrupt_function: Callable[[], object] | None = None,
               client: object = None) -> TemperingResult | ModelResults:
        """Run the ladder on `model`, or on each of several models.

        Parameters
        ----------
        model : IsingModel or sequence of IsingModel
            The model, :math:`E(s)` in boltz's sign convention. Several models (disorder
            realisations) run one after another, or as one task each on a Dask cluster with
            `client`: model i gets child i of ``SeedSequence(seed).spawn(len(model))``, as
            in :func:`boltz.map_models`.
        seed : None, int, SeedSequence or Generator
            Randomness of the sweeps and the swaps; the same seed gives the same result for
            any `num_threads`.
        initial_states : array_like (K, n) or (n,), optional
            Starting spins of the replicas, in the sorted order of betas (one model only).
        return_states : bool
            Keep the recorded state at every temperature (memory ``K * records * n``).
        time_limit : float, optional
            Seconds of wall time, > 0 (per model): the run stops after the block of steps
            (10-50 ms of work) during which it ran out, keeping what finished.
        target_energy : float, optional
            Stop after the first step (sweeps and swaps) whose lowest state seen has an
            energy at most this (within ``1e-9 * max(1, |target_energy|)``);
            ``info["steps_to_target"]`` is that step, counted from the start of the burn-in
            (-1: never). Reproducible: it does not depend on the thread count.
        interrupt_function : callable, optional
            Called without arguments between blocks of steps; a true value stops the run
            there, as `time_limit` does.
        client : dask.distributed.Client, "local" or str, optional
            Run on a Dask cluster (see :mod:`boltz.distributed`), one task per model, with
            results bit-identical to the run without it. The replicas of one ladder
            exchange states every `swap_interval` sweeps, so one model is one task.

        Returns
        -------
        TemperingResult, or ModelResults of them for a sequence of models
            Per-temperature traces, swap acceptance rates and the lowest state seen;
            ``info["stopped_by"]``: ``"time_limit"``, ``"target_energy"``,
            ``"interrupt_function"`` or None.
        """
        many = isinstance(model, Sequence) and not isinstance(model, str)
        time_limit, interrupt_function, target_energy = check_budget(
            time_limit, interrupt_function, target_energy)
        budgets = {"time_limit": time_limit, "target_energy": target_energy,
                   "interrupt_function": interrupt_function}
        # the ladder's settings, checked before any model runs (here or on a cluster)
        betas = self._check_betas()
        interval = check_positive_int(self.swap_interval, "swap_interval")
        num_records = check_positive_int(self.num_sweeps, "num_sweeps") // interval
        burn_intervals = check_positive_int(self.burn_in, "burn_in", minimum=0) // interval
        if num_records == 0:
            raise ValueError("num_sweeps must be at least swap_interval")
        method = check_choice(self.method, "method", METHODS)
        order = check_choice(self.order, "order", ORDERS)
        progress = check_bool(self.progress, "progress")
        return_states = check_bool(return_states, "return_states")
        nthreads = resolve_num_threads(self.num_threads)
        if many:
            if initial_states is not None:
                raise ValueError("initial_states applies to a single model, not to a "
                                 "sequence of models")
            return map_models(self, model, seed=seed, client=client, progress=progress,
                              return_states=return_states, **budgets)
        check_model(model)
        check_allocation(betas.size * num_records * (16 + (model.num_spins if return_states
                                                          else 0)),
                         f"num_sweeps={self.num_sweeps} (with {betas.size} betas, "
                         f"swap_interval={interval})",
                         "the records" + (" of states" if return_states else ""))
        if client is not None:                    # one model, on the cluster: one task
            check_start(model, betas.size, initial_states, None)
            seq = seed_sequence(seed)
            (result,) = run_each([self], [model], [seq], client=client,
                                 progress=False, one_model=True,
                                 options={"initial_states": initial_states,
                                          "return_states": return_states, **budgets})
            seq.spawn(2)      # a SeedSequence seed advances as by the local run's spawn(2)
            if result is None:                    # Ctrl-C before the task finished
                raise KeyboardInterrupt
            return result
        replica_seed, swap_seed = seed_sequence(seed).spawn(2)

        with deferred_interrupts():
            t0 = time.perf_counter()
            chains = Chains(model, betas.size, replica_seed, initial_states, nthreads)
            ladder = _Ladder(chains, betas, np.random.Generator(np.random.PCG64(swap_seed)),
                             interval, (method, order), num_records, return_states)
            block = max(1, chains.block_sweeps(order) // interval)
            budget = ladder.budget = Budget(time_limit, interrupt_function)
            if target_energy is not None:
                ladder.target = target_level(target_energy, model.offset)

            def spent():
                if ladder.steps_to_target >= 0:
                    budget.stopped_by = "target_energy"
                return budget.spent()

            _, interrupted = run_in_blocks(burn_intervals, block, ladder.burn, progress=progress,
                                           desc="burn-in", stop_when=spent)
            done = 0
            if not (interrupted or budget.stopped_by):
                done, interrupted = run_in_blocks(num_records, block, ladder.record,
                                                  progress=progress, desc="tempering",
                                                  stop_when=spent)
            interrupted = take_interrupt() or interrupted
            return ladder.result(done, interrupted, {
                "swap_interval": interval, "num_records": done,
                "burn_in": burn_intervals * interval, "method": self.method,
                "order": self.order, "seconds": time.perf_counter() - t0,
                "stopped_by": budget.stopped_by,
                "steps_to_target": None if target_energy is None else ladder.steps_to_target})


class _Ladder:
    """One parallel-tempering run: replicas, which temperature each holds, swap counts,
    the lowest states seen and the records.

    Each step sweeps every replica `interval` times at its current temperature, then
    proposes exchanges between neighbouring temperatures (even pairs, then odd pairs, in
    turn) and optionally records the state at each temperature.
    """

    def __init__(self, chains, betas, swap_rng, interval, kernel, num_records,
                 return_states):
        k, n = betas.size, chains.model.num_spins
        self.chains, self.betas, self.swap_rng = chains, betas, swap_rng
        self.method, self.order = kernel
        self.sweeps = np.ones(interval)
        self.replica_at = np.arange(k)            # replica_at[t]: replica at temperature t
        self.best_spins = chains.spins.copy()
        self.best_energy = chains.energy.copy()
        self.accepted = np.zeros(k - 1)
        self.proposed = np.zeros(k - 1)
        self.energies = np.empty((k, num_records))
        self.magnet = np.empty((k, num_records))
        self.states = (np.empty((k, num_records, n), dtype=np.int8) if return_states
                       else None)
        self.steps = self.since_resync = 0
        self.target = None                        # stop once the best energy is <= this
        self.steps_to_target = -1
        self.budget = Budget(None, None)          # checked between steps too

    def burn(self, start: int, stop: int) -> int:
        """Steps ``start..stop`` of the burn-in (nothing recorded); returns the step reached
        (earlier on Ctrl-C)."""
        return self._steps(start, stop, False)

    def record(self, start: int, stop: int) -> int:
        """Steps ``start..stop`` of the recorded part, record r after step r; returns the
        step reached (earlier on Ctrl-C)."""
        return self._steps(start, stop, True)

    def _steps(self, start: int, stop: int, record: bool) -> int:
        """Whole steps (sweeps, swaps, record) until `stop`, a pending Ctrl-C or a spent
        budget (steps are short: checked after each), or the target reached. A step that
        Ctrl-C cuts during its sweeps is not counted: no swap, no record (replicas keep the
        sweeps they finished)."""
        for r in range(start, stop):
            if r > start and (interrupt_pending() or self.budget.spent()):
                return r
            try:
                self._sweep()
            except SweepsInterrupted:
                return r
            self._swap()
            if record:
                self._record(r)
            if self.target is not None and self.best_energy.min() <= self.target:
                self.steps_to_target = self.steps
                return r + 1
        return stop

    def _sweep(self) -> None:
        chains = self.chains
        scale = np.empty(self.betas.size)
        scale[self.replica_at] = self.betas
        chains.sweep(self.sweeps, scale, self.method, self.order,
                     best_spins=self.best_spins, best_energy=self.best_energy)
        self.since_resync += self.sweeps.size
        if self.since_resync >= _RESYNC_SWEEPS:
            chains.resync()
            if chains.stale:                  # Ctrl-C cut the resync: energies unusable
                raise SweepsInterrupted(self.sweeps.size)
            self.since_resync = 0

    def _swap(self) -> None:
        """Metropolis exchanges: accept with min(1, exp((b_k - b_k+1)(E_k - E_k+1)))."""
        betas, at = self.betas, self.replica_at
        parity = self.steps % 2
        self.steps += 1
        e = self.chains.energy[at]
        pairs = np.arange(parity, betas.size - 1, 2)
        log_ratio = (betas[pairs] - betas[pairs + 1]) * (e[pairs] - e[pairs + 1])
        u = self.swap_rng.random(pairs.size)
        ok = pairs[u < np.exp(np.minimum(log_ratio, 0.0))]
        self.proposed[pairs] += 1
        self.accepted[ok] += 1
        at[ok], at[ok + 1] = at[ok + 1], at[ok].copy()

    def _record(self, r: int) -> None:
        chains, at = self.chains, self.replica_at
        self.energies[:, r] = chains.energy[at] + chains.model.offset
        self.magnet[:, r] = chains.magnet[at] / chains.model.num_spins
        if self.states is not None:
            self.states[:, r] = chains.spins[at]

    def result(self, done: int, interrupted: bool, info: dict) -> TemperingResult:
        """The first `done` records, the best state over all replicas, and `info`."""
        chains = self.chains
        final_e = chains.model.energy(self.best_spins, num_threads=chains.nthreads)
        b = int(np.argmin(final_e))
        return TemperingResult(
            betas=self.betas,
            energies=self.energies[:, :done],
            magnetizations=self.magnet[:, :done],
            swap_acceptance=np.divide(self.accepted, self.proposed,
                                      out=np.zeros_like(self.accepted),
                                      where=self.proposed > 0),
            best_state=self.best_spins[b].copy(),
            best_energy=float(final_e[b]),
            final_states=chains.spins[self.replica_at].copy(),
            states=None if self.states is None else self.states[:, :done],
            interrupted=interrupted,
            info=info,
        )
