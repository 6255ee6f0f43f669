"""Parallel tempering (replica exchange) for Ising models."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from boltz.numerics import mcmc_statistics as stats
from boltz.spin._chains import Chains, block_sweeps, check_method, check_model, check_order
from boltz._progress import run_in_blocks
from boltz._random import seed_sequence
from boltz._validation import check_positive_int, resolve_num_threads

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
    final_states : ndarray (K, n) of int8
        The replica at each temperature at the end.
    states : ndarray (K, num_records, n) of int8 or None
        Recorded states per temperature, with ``return_states=True``.
    interrupted : bool
        Ctrl-C stopped the run; the traces hold the finished part.
    info : dict
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
        r""":math:`\langle E \rangle` at each temperature."""
        return self.energies.mean(axis=1)

    @property
    def mean_energy_se(self) -> np.ndarray:
        """Standard errors of :attr:`mean_energy` (autocorrelation-corrected)."""
        return np.array([stats.mean_and_standard_error(e)[1] for e in self.energies])

    @property
    def heat_capacity(self) -> np.ndarray:
        r""":math:`C = \beta^2 \mathrm{Var}(E)` at each temperature (units of :math:`k_B`)."""
        return self.betas**2 * np.var(self.energies, axis=1, ddof=1)

    @property
    def mean_abs_magnetization(self) -> np.ndarray:
        r""":math:`\langle |m| \rangle` at each temperature."""
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
        Distinct inverse temperatures :math:`\ge 0` (sorted internally, hot to cold).
    num_sweeps : int
        Sweeps recorded after the burn-in (default 1000).
    burn_in : int
        Sweeps first, swaps included, not recorded (default 100).
    swap_interval : int
        Sweeps between exchange attempts (default 1). `num_sweeps` and `burn_in` are
        rounded down to multiples of it.
    method : {"metropolis", "gibbs"}
    order : {"sequential", "random"}
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

    def __init__(self, betas, num_sweeps=1000, burn_in=100, swap_interval=1,
                 method="metropolis", order="sequential", num_threads=None, progress=False):
        self.betas = betas
        self.num_sweeps = num_sweeps
        self.burn_in = burn_in
        self.swap_interval = swap_interval
        self.method = method
        self.order = order
        self.num_threads = num_threads
        self.progress = progress

    def _check_betas(self):
        b = np.asarray(self.betas, dtype=np.float64)
        if b.ndim != 1 or b.size < 2:
            raise ValueError("betas must be a 1-D array of at least two inverse temperatures")
        if not np.all(np.isfinite(b)) or np.any(b < 0):
            raise ValueError("betas must be finite and >= 0")
        b = np.sort(b)
        if np.any(np.diff(b) == 0):
            raise ValueError("betas must be distinct")
        return b

    def sample(self, model, seed=None, initial_states=None, return_states=False):
        """Run the ladder on `model`.

        Parameters
        ----------
        model : IsingModel
        seed : None, int, SeedSequence or Generator
        initial_states : array_like (K, n) or (n,), optional
            Starting spins of the replicas, in the sorted order of betas.
        return_states : bool
            Keep the recorded state at every temperature (memory ``K * records * n``).

        Returns
        -------
        TemperingResult
        """
        check_model(model)
        betas = self._check_betas()
        interval = check_positive_int(self.swap_interval, "swap_interval")
        num_records = check_positive_int(self.num_sweeps, "num_sweeps") // interval
        burn_intervals = check_positive_int(self.burn_in, "burn_in", minimum=0) // interval
        if num_records == 0:
            raise ValueError("num_sweeps must be at least swap_interval")
        meth, ordr = check_method(self.method), check_order(self.order)
        nthreads = resolve_num_threads(self.num_threads)
        replica_seed, swap_seed = seed_sequence(seed).spawn(2)
        swap_rng = np.random.Generator(np.random.PCG64(swap_seed))

        k, n = betas.size, model.num_spins
        t0 = time.perf_counter()
        chains = Chains(model, k, replica_seed, initial_states, nthreads)
        replica_at = np.arange(k)            # replica_at[t]: replica at temperature t
        best_spins = chains.spins.copy()
        best_energy = chains.energy.copy()
        energies = np.empty((k, num_records))
        magnet = np.empty((k, num_records))
        states = np.empty((k, num_records, n), dtype=np.int8) if return_states else None
        accepted = np.zeros(k - 1)
        proposed = np.zeros(k - 1)
        ones = np.ones(interval)
        intervals = since_resync = 0

        def one_interval(record_at):
            nonlocal intervals, since_resync
            scale = np.empty(k)
            scale[replica_at] = betas
            chains.sweep(ones, scale, meth, ordr, best_spins=best_spins,
                         best_energy=best_energy)
            since_resync += interval
            if since_resync >= _RESYNC_SWEEPS:
                chains.resync()
                since_resync = 0
            # propose exchanges between neighbouring temperatures, even and odd pairs in turn
            parity = intervals % 2
            intervals += 1
            e = chains.energy[replica_at]
            pairs = np.arange(parity, k - 1, 2)
            log_ratio = (betas[pairs] - betas[pairs + 1]) * (e[pairs] - e[pairs + 1])
            u = swap_rng.random(pairs.size)
            ok = pairs[u < np.exp(np.minimum(log_ratio, 0.0))]      # min(1, e^log_ratio)
            proposed[pairs] += 1
            accepted[ok] += 1
            replica_at[ok], replica_at[ok + 1] = replica_at[ok + 1], replica_at[ok].copy()
            if record_at is not None:
                energies[:, record_at] = chains.energy[replica_at] + model.offset
                magnet[:, record_at] = chains.magnet[replica_at] / n
                if return_states:
                    states[:, record_at] = chains.spins[replica_at]

        block = max(1, block_sweeps(k, n) // interval)

        def burn(start, stop):
            for _ in range(start, stop):
                one_interval(None)

        def run(start, stop):
            for r in range(start, stop):
                one_interval(r)

        _, interrupted = run_in_blocks(burn_intervals, block, burn, progress=self.progress,
                                       desc="burn-in")
        done = 0
        if not interrupted:
            done, interrupted = run_in_blocks(num_records, block, run,
                                              progress=self.progress, desc="tempering")
        final_e = model.energy(best_spins, num_threads=nthreads)
        b = int(np.argmin(final_e))
        return TemperingResult(
            betas=betas,
            energies=energies[:, :done],
            magnetizations=magnet[:, :done],
            swap_acceptance=np.divide(accepted, proposed, out=np.zeros_like(accepted),
                                      where=proposed > 0),
            best_state=best_spins[b].copy(),
            best_energy=float(final_e[b]),
            final_states=chains.spins[replica_at].copy(),
            states=None if states is None else states[:, :done],
            interrupted=interrupted,
            info={"swap_interval": interval, "num_records": done,
                  "burn_in": burn_intervals * interval, "method": self.method,
                  "order": self.order, "seconds": time.perf_counter() - t0},
        )
