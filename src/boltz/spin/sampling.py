"""Sampling an Ising model at a fixed temperature: many chains, traces and estimates."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from boltz._memory import check_allocation
from boltz._progress import deferred_interrupts, run_in_blocks, take_interrupt
from boltz._random import SeedLike
from boltz._validation import (
    check_beta,
    check_bool,
    check_choice,
    check_positive_int,
    resolve_num_threads,
)
from boltz.numerics import mcmc_statistics as stats
from boltz.spin._budgets import Budget, TargetWatch, check_budget, freeze_records
from boltz.spin._chains import METHODS, ORDERS, Chains, check_model, sweep_work

if TYPE_CHECKING:
    from boltz.spin.ising_model import IsingModel

__all__ = ["sample", "SampleTrace"]

# Sweeps of the recorded part between exact recomputations of the fields and energies.
_RESYNC_SWEEPS = 1024


@dataclass(frozen=True)
class SampleTrace:
    r"""Per-sweep trace of many chains at one inverse temperature, with estimates.

    Attributes
    ----------
    beta : float
        Inverse temperature :math:`\beta = 1/T`.
    energies : ndarray (num_chains, num_records)
        :math:`E(s)` after every `thin`-th sweep past the burn-in.
    magnetizations : ndarray (num_chains, num_records)
        Magnetisation per spin :math:`m = \sum_i s_i / n` at the same sweeps.
    final_states : ndarray (num_chains, n) of int8
        Spins at the end of each chain.
    states : ndarray (num_chains, num_records, n) of int8 or None
        The recorded states, only with ``return_states=True``.
    num_spins : int
        Spins per state, n.
    interrupted : bool
        True when Ctrl-C stopped the run; the traces hold the finished sweeps.
    info : dict
        The run: ``method``, ``order``, ``thin``, and the sweeps actually run:
        ``burn_in`` (burn-in sweeps), ``num_sweeps`` (sweeps after the burn-in, recorded
        or not) and ``num_records`` (records kept). They equal the arguments unless Ctrl-C
        or a budget stopped the run (``stopped_by``: ``"time_limit"``,
        ``"target_energy"``, ``"interrupt_function"`` or None). ``chain_sweeps``: the
        sweeps each chain ran, burn-in included (a chain stopped by a target energy: its
        ``sweeps_to_target``, which is None without a target).

    Notes
    -----
    Estimates pool all chains. Standard errors account for autocorrelation through the
    integrated autocorrelation time :math:`\tau` of the energy (:math:`\tau = 1` for
    independent samples, effective sample size :math:`N/\tau`); the heat capacity's error is
    the spread of the per-chain estimates. Where a run is too short for an estimate (one
    record per chain gives no autocorrelation time; the heat capacity needs two records, its
    error two per chain and two chains), the attribute is ``nan`` rather than an error: the
    means stay exact, with a ``nan`` standard error.
    """

    beta: float
    energies: np.ndarray
    magnetizations: np.ndarray
    final_states: np.ndarray
    num_spins: int
    states: np.ndarray | None = None
    interrupted: bool = False
    info: dict = field(default_factory=dict)

    @property
    def num_chains(self) -> int:
        """Number of independent chains."""
        return self.energies.shape[0]

    @cached_property
    def _energy_estimate(self):
        return stats.mean_and_standard_error(self.energies, undefined="nan")

    @property
    def mean_energy(self) -> float:
        r""":math:`\langle E \rangle` (energy units)."""
        return float(self._energy_estimate[0])

    @property
    def mean_energy_se(self) -> float:
        """Standard error of :attr:`mean_energy`."""
        return float(self._energy_estimate[1])

    @property
    def heat_capacity(self) -> float:
        r""":math:`C = \beta^2 \mathrm{Var}(E)` (units of :math:`k_B`), pooled over chains."""
        if self.energies.size < 2:
            return math.nan
        return float(self.beta**2 * np.var(self.energies, ddof=1))

    @property
    def heat_capacity_se(self) -> float:
        """Standard error of :attr:`heat_capacity` from the spread over chains (nan unless
        there are >= 2 chains of >= 2 records)."""
        if self.energies.shape[0] < 2 or self.energies.shape[1] < 2:
            return math.nan
        per_chain = self.beta**2 * np.var(self.energies, axis=1, ddof=1)
        return float(stats.chain_spread_error(per_chain))

    @cached_property
    def _abs_m_estimate(self):
        return stats.mean_and_standard_error(np.abs(self.magnetizations), undefined="nan")

    @property
    def mean_abs_magnetization(self) -> float:
        r""":math:`\langle |m| \rangle`, magnetisation per spin."""
        return float(self._abs_m_estimate[0])

    @property
    def mean_abs_magnetization_se(self) -> float:
        """Standard error of :attr:`mean_abs_magnetization` (autocorrelation-corrected)."""
        return float(self._abs_m_estimate[1])

    @property
    def autocorrelation_time(self) -> float:
        r"""Integrated autocorrelation time of the energy, in recorded sweeps."""
        return float(stats.integrated_autocorrelation_time(self.energies, undefined="nan"))

    @property
    def effective_sample_size(self) -> float:
        """Total recorded samples divided by :attr:`autocorrelation_time`."""
        return float(stats.effective_sample_size(self.energies, undefined="nan"))


def check_records(model, num_chains, num_sweeps, thin, return_states) -> int:
    """The number of records of a run of :func:`sample`, after checking that their memory
    (energies and magnetisations, and states if asked) fits."""
    num_records = num_sweeps // thin
    check_allocation(num_chains * num_records * (16 + (model.num_spins if return_states
                                                       else 0)),
                     f"num_sweeps={num_sweeps} (with num_chains={num_chains}, thin={thin})",
                     "the records" + (" of states" if return_states else ""))
    return num_records


def sample(model: IsingModel, beta: float, num_chains: int = 8, num_sweeps: int = 1000,
           burn_in: int = 100, thin: int = 1, method: str = "metropolis",
           order: str = "sequential", seed: SeedLike = None, num_threads: int | None = None,
           initial_states: ArrayLike | None = None, return_states: bool = False,
           progress: bool = False, clamped: ArrayLike | None = None, *,
           time_limit: float | None = None,
           target_energy: float | None = None,
           interrupt_function: Callable[[], object] | None = None,
           client: object = None, shard_size: int | None = None) -> SampleTrace:
    r"""Sample an Ising model at inverse temperature :math:`\beta` with many Markov chains.

    Each chain performs single-spin-flip sweeps (n updates each) with Metropolis
    (:math:`\min(1, e^{-\beta \Delta E})`) or heat-bath/Gibbs
    (:math:`1/(1 + e^{\beta \Delta E})`) acceptance, and leaves the Boltzmann distribution
    :math:`p(s) \propto e^{-\beta E(s)}` invariant. Chains run in parallel (OpenMP), each
    on its own random stream, so the same seed gives identical traces for any
    `num_threads`.

    Parameters
    ----------
    model : IsingModel
        The model, :math:`E(s) = -\sum_{i<j} J_{ij} s_i s_j - \sum_i h_i s_i + c`.
    beta : float
        Inverse temperature :math:`1/T \ge 0`, finite (1/energy units).
    num_chains : int
        Independent chains (default 8).
    num_sweeps : int
        Sweeps per chain after the burn-in (default 1000), all of them run.
    burn_in : int
        Sweeps discarded first (default 100).
    thin : int
        Record after every `thin`-th sweep past the burn-in (default 1): ``num_sweeps //
        thin`` records; the last ``num_sweeps % thin`` sweeps run unrecorded and count in
        the final states.
    method : {"metropolis", "gibbs"}
        Acceptance rule (``"heat_bath"`` is a synonym of ``"gibbs"``).
    order : {"sequential", "random"}
        Visit spins in index order, or pick n sites uniformly at random per sweep.
    seed : None, int, SeedSequence or Generator
        Randomness; the same seed gives the same traces for any `num_threads`.
    num_threads : int, optional
        OpenMP threads over chains (``None``: OpenMP's default).
    initial_states : array_like (num_chains, n) or (n,), optional
        Starting spins (default: uniformly random per chain).
    return_states : bool
        Keep every recorded state (memory ``num_chains * num_records * n`` bytes).
    progress : bool
        Show a progress bar (tqdm when installed).
    clamped : array_like of bool (n,), optional
        Spins held at their values in `initial_states` (which is then required): the chains
        sample the conditional distribution of the other spins given them.
    time_limit : float, optional
        Seconds of wall time, > 0: the run stops after the block of sweeps (10-50 ms of
        work) during which it ran out, with the records finished (``info["stopped_by"]``,
        and ``info["num_records"]`` the records kept).
    target_energy : float, optional
        Sample until each chain reaches this energy (an optimisation budget): a chain stops
        at the first sweep, counted from the start of the burn-in, after which its energy
        :math:`E(s)` is at most `target_energy` (within ``1e-9 * max(1, |target_energy|)``),
        and keeps that state: its final state, and the value of all its later records
        (energy, magnetisation and state repeat the stopped state's).
        ``info["sweeps_to_target"]`` is that sweep per chain (-1: never). Once every chain
        has stopped, the run ends at the last one's sweep (``info["stopped_by"] ==
        "target_energy"``; the records are those taken up to it); otherwise it runs in
        full. Reproducible: the sweeps, states and records do not depend on the thread
        count, on how the run is cut into blocks, or on `client`. The frozen records
        count in the estimates: a run with a target searches for low states rather
        than estimating averages.
    interrupt_function : callable, optional
        Called without arguments between blocks of sweeps; a true value stops the run
        there, as `time_limit` does.
    client : dask.distributed.Client, "local" or str, optional
        Run the chains on a Dask cluster (``pip install "boltz[distributed]"``), with a
        result bit-identical to the run without it; see :mod:`boltz.distributed`.
        ``info["shards"]`` then lists the (start, stop) ranges of chains it holds; after a
        budget or Ctrl-C, the records every chain finished, and ``info["chain_sweeps"]``
        the sweeps (burn-in included) each chain did.
    shard_size : int, optional
        With `client`: chains per task (default: two tasks per worker, fewer when a task
        would run under about half a second).

    Returns
    -------
    SampleTrace
        Energies and magnetisations of every chain after every `thin`-th recorded sweep,
        the final states, and estimates with standard errors.

    Notes
    -----
    Ctrl-C stops the run within one block of work (tens of milliseconds) and returns the
    records finished so far with ``interrupted=True``; they equal those of an uninterrupted
    run with that many records. ``final_states`` are then the chains' current states, up to
    one block of sweeps past the last record. Local fields and energies are recomputed
    exactly every 1024 sweeps of the recorded part (rounding drift), at fixed sweeps, so
    the result does not depend on how the run is cut into blocks.
    """
    check_model(model)
    beta = check_beta(beta)
    num_chains = check_positive_int(num_chains, "num_chains")
    num_sweeps = check_positive_int(num_sweeps, "num_sweeps")
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    thin = check_positive_int(thin, "thin")
    if num_sweeps < thin:
        raise ValueError(f"num_sweeps ({num_sweeps}) must be at least thin ({thin})")
    meth = check_choice(method, "method", METHODS)
    ordr = check_choice(order, "order", ORDERS)
    return_states = check_bool(return_states, "return_states")
    progress = check_bool(progress, "progress")
    nthreads = resolve_num_threads(num_threads)
    time_limit, interrupt_function, target_energy = check_budget(
        time_limit, interrupt_function, target_energy)
    if client is not None:
        from boltz.distributed._calls import sample_chains

        options = {"beta": beta, "num_sweeps": num_sweeps, "burn_in": burn_in, "thin": thin,
                   "method": method, "order": order, "num_threads": num_threads,
                   "return_states": return_states, "target_energy": target_energy}
        return sample_chains(model, num_chains, seed, initial_states, clamped, options,
                             time_limit=time_limit, interrupt_function=interrupt_function,
                             client=client, shard_size=shard_size, progress=progress,
                             work_per_chain=(burn_in + num_sweeps) * sweep_work(model, ordr))
    with deferred_interrupts():
        chains = Chains(model, num_chains, seed, initial_states, nthreads, clamped=clamped)
        n = model.num_spins
        scale = np.full(num_chains, beta)
        num_records = check_records(model, num_chains, num_sweeps, thin, return_states)
        energies = np.empty((num_chains, num_records))
        magnet = np.empty((num_chains, num_records))
        states = np.empty((num_chains, num_records, n), dtype=np.int8) if return_states else None
        block = chains.block_sweeps(ordr)
        resync_every = max(1, _RESYNC_SWEEPS // thin)        # in records
        watch = None if target_energy is None else TargetWatch(chains, target_energy)

        def sweep(offset, sweeps, records):
            """`sweeps` sweeps from sweep `offset` of the run, recorded every thin-th into
            `records` (energies, magnetisations, states) when given; under a target, each
            sweep's energy is recorded for the watch, and every thin-th kept."""
            if watch is None:
                rec = {} if records is None else dict(
                    zip(("rec_energy", "rec_magnet", "rec_states"), records, strict=True),
                    thin=thin)
                chains.sweep(np.ones(sweeps), scale, meth, ordr, **rec)
                return
            rec = watch.before(sweeps)
            if records is not None and return_states:
                rec["rec_states"] = np.empty((num_chains, sweeps, n), np.int8)
            chains.sweep(np.ones(sweeps), scale, meth, ordr, **rec)
            watch.after(offset, rec["rec_energy"], np.ones(sweeps), scale, meth, ordr)
            if records is not None:
                for out, name in zip(records, ("rec_energy", "rec_magnet", "rec_states"),
                                     strict=True):
                    if out is not None:
                        out[...] = rec[name][:, thin - 1::thin]

        def burn(start, stop, offset=0):
            sweep(offset + start, stop - start, None)

        def record(start, stop):
            a = start
            while a < stop:                  # segments that end where the fields are resynced
                if a % resync_every == 0:
                    chains.resync()
                b = min(stop, (a // resync_every + 1) * resync_every)
                e = np.empty((num_chains, b - a))
                mg = np.empty((num_chains, b - a))
                st = np.empty((num_chains, b - a, n), np.int8) if return_states else None
                sweep(burn_in + a * thin, (b - a) * thin, (e, mg, st))
                energies[:, a:b] = e
                magnet[:, a:b] = mg
                if return_states:
                    states[:, a:b] = st
                a = b

        budget = Budget(time_limit, interrupt_function)

        def spent():
            if watch is not None and watch.all_reached:
                budget.stopped_by = "target_energy"
            return budget.spent()

        burned, interrupted = run_in_blocks(burn_in, block, burn, progress=progress,
                                            desc="burn-in", stop_when=spent)
        done = tail = 0
        if not (interrupted or budget.stopped_by):
            done, interrupted = run_in_blocks(num_records, max(1, block // thin), record,
                                              progress=progress, desc="sampling",
                                              stop_when=spent)
        if not (interrupted or budget.stopped_by):     # the sweeps after the last record
            tail, interrupted = run_in_blocks(
                num_sweeps - num_records * thin, block,
                lambda a, b: burn(a, b, burn_in + num_records * thin), stop_when=spent)
        interrupted = take_interrupt() or interrupted
        run_sweeps = burned + done * thin + tail
        final_states = chains.spins
        energies, magnet = energies[:, :done] + model.offset, magnet[:, :done] / n
        states = None if states is None else states[:, :done]
        if watch is not None:
            if watch.all_reached:             # the run ends at the last chain's stop
                run_sweeps = int(watch.sweeps.max())
                burned, tail = min(burn_in, run_sweeps), 0
                done = max(0, run_sweeps - burn_in) // thin
                energies, magnet = energies[:, :done], magnet[:, :done]
                states = None if states is None else states[:, :done]
            final_states = watch.apply(final_states)
            at = burn_in + thin * np.arange(1, done + 1)       # the sweep of each record
            frozen = stopped_records(model, final_states, nthreads)
            for arr, value in ((energies.T, frozen[0]), (magnet.T, frozen[1]),
                               (None if states is None else states.transpose(1, 0, 2),
                                final_states)):
                if arr is not None:
                    freeze_records(watch.sweeps, at, arr, value)
        return SampleTrace(
            beta=beta,
            energies=energies,
            magnetizations=magnet,
            final_states=final_states,
            num_spins=n,
            states=states,
            interrupted=interrupted,
            info={"method": method, "order": order, "burn_in": burned, "thin": thin,
                  "num_sweeps": run_sweeps - burned, "num_records": done,
                  "stopped_by": budget.stopped_by,
                  "chain_sweeps": (np.full(num_chains, run_sweeps, dtype=np.int64)
                                   if watch is None else
                                   np.where(watch.sweeps >= 0, watch.sweeps, run_sweeps)),
                  "sweeps_to_target": None if watch is None else watch.sweeps},
        )


def stopped_records(model, states, num_threads=None):
    """(energies, magnetisations per spin) of `states` (chains, n): the records of chains
    stopped there by a target energy."""
    return (model.energy(states, num_threads=num_threads),
            states.sum(axis=1, dtype=np.int64) / model.num_spins)
