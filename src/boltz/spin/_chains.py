"""Many Markov chains of one Ising model: spins, cached fields, energies, random streams.

Long runs are cut into kernel calls of about BLOCK_WORK work units per busy thread (10-50 ms
here), by ranges of sweeps and, when one sweep of all chains is longer than that, by
ranges of chains; a pending Ctrl-C (:mod:`boltz._progress`) is honoured between calls.
Each chain keeps its unused random bytes from one call to the next, so where a run is cut
never changes a result: the sizes below are free to depend on the thread count.
"""
from __future__ import annotations

import numpy as np

from boltz import _progress
from boltz._core import _spin_sweeps
from boltz._core._random import uniform_spins
from boltz._memory import check_allocation
from boltz._random import RandomStreams
from boltz._validation import threads_for_work

METHODS = _spin_sweeps.METHODS
ORDERS = _spin_sweeps.ORDERS

# Work units of one kernel call per thread: about 20 ms here at worst (a unit took 0.1-0.5
# ns, measured at beta = 0, where every spin flips). Per spin of a sweep, a decision and
# the field updates of a flip (its neighbours: nnz / n for sparse couplings, a row of n
# for dense ones) cost, in units, for sequential and random order (random order draws
# the site and reaches its neighbours out of cache):
BLOCK_WORK = 50_000_000
DECISION_WORK = {ORDERS["sequential"]: 10, ORDERS["random"]: 160}
UPDATE_WORK = {ORDERS["sequential"]: 1, ORDERS["random"]: 4}
# Work units of a kernel call per thread below which it uses fewer threads (0.2-1 ms).
MIN_THREAD_WORK = 1_000_000


class SweepsInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped :meth:`Chains.sweep` between kernel calls; `done` sweeps were finished
    by every chain (some chains may have run up to one call further)."""

    def __init__(self, done: int):
        super().__init__(f"interrupted after {done} sweeps")
        self.done = done


def sweep_work(model, order=ORDERS["sequential"]) -> int:
    """Work units of one sweep of one chain of `model` at worst (every spin flips): a
    decision per spin plus the field updates, nnz for sparse couplings, n per spin for
    dense ones (a whole row)."""
    c = model._couplings
    n = model.num_spins
    updates = n * n if c.is_dense else int(c.csr[0][-1])
    return max(1, n * DECISION_WORK[order] + updates * UPDATE_WORK[order])


def check_model(model):
    from boltz.spin.ising_model import IsingModel  # late: ising_model imports the kernels too

    if not isinstance(model, IsingModel):
        raise TypeError(f"model must be a boltz.IsingModel, got {type(model).__name__}")
    return model


def work_budget(nthreads, num_chains):
    """Work units of one kernel call: BLOCK_WORK per thread that has a chain to run (the
    threads beyond the chains would idle, so they must not lengthen the call)."""
    return BLOCK_WORK * max(1, min(nthreads, num_chains))


def block_sweeps(model, num_chains, nthreads, order=ORDERS["sequential"]):
    """Sweeps of all `num_chains` chains in about one block of work (at least 1)."""
    return max(1, work_budget(nthreads, num_chains)
               // (sweep_work(model, order) * max(1, num_chains)))


def _pieces(total, per_call, thin, recording):
    """(start, stop, thin of the call or 0: nothing recorded) of the calls that sweep
    range(total) at most `per_call` sweeps at a time, records after every thin-th sweep."""
    if not recording:
        for a in range(0, total, per_call):
            yield a, min(a + per_call, total), 0
        return
    if per_call >= thin:                      # whole numbers of records per call
        per_call -= per_call % thin
        for a in range(0, total, per_call):
            yield a, min(a + per_call, total), thin
        return
    full = total - total % thin               # a record spans calls: the last one records it
    for p in range(0, full, thin):
        for a in range(p, p + thin, per_call):
            b = min(a + per_call, p + thin)
            yield a, b, (b - a if b == p + thin else 0)
    for a in range(full, total, per_call):
        yield a, min(a + per_call, total), 0


def chain_bytes(model):
    """Bytes one chain of `model` holds: spins, fields (in the kernel layout), energy,
    magnetisation, random stream and its carried random bytes."""
    fields = model._couplings.empty_fields(1).nbytes
    return model.num_spins + fields + 16 + 9 + RandomStreams.BYTES_PER_STREAM


def init_state(couplings, spins, nthreads):
    """Local fields (in the couplings' layout), energies (float64, offset excluded) and
    magnetisations of the chains' int8 `spins` (chains, n)."""
    fields = couplings.empty_fields(spins.shape[0])
    energy = np.empty(spins.shape[0])
    magnet = np.empty(spins.shape[0], dtype=np.int64)
    _spin_sweeps.init_chains(couplings, spins, fields, energy, magnet, nthreads)
    return fields, energy, magnet


def check_start(model, num_chains, initial_states, clamped, name="initial_states"):
    """(spins (num_chains, n) int8 copy or None, uint8 mask of clamped spins or None): the
    chains' validated starting point, one row per chain (a single row is repeated)."""
    n = model.num_spins
    mask = None
    if clamped is not None:
        mask = np.asarray(clamped)
        if mask.dtype != np.bool_:
            raise TypeError(f"clamped must be a boolean mask of the spins, got dtype "
                            f"{mask.dtype}")
        if mask.shape != (n,):
            raise ValueError(f"clamped must have shape ({n},), got {mask.shape}")
        if initial_states is None and mask.any():
            raise ValueError("clamped spins keep their initial values: give initial_states "
                             "too")
        mask = np.ascontiguousarray(mask, dtype=np.uint8) if mask.any() else None
    if initial_states is None:
        return None, mask
    spins = model.check_states(initial_states, name)
    if spins.shape[0] == 1 and num_chains > 1:
        spins = np.repeat(spins, num_chains, axis=0)
    if spins.shape[0] != num_chains:
        raise ValueError(f"{name} must have one row per chain ({num_chains}), "
                         f"got {spins.shape[0]}")
    return spins.copy(), mask


class Chains:
    """State of `num_chains` chains of `model`, each with its own PCG64 stream.

    Initial states are drawn uniformly from each chain's own stream unless given, so the
    whole run is a function of the seed alone (not of the thread count). `seed` may also be
    a :class:`~boltz._random.RandomStreams` of `num_chains` streams (a shard of a run).
    Spins marked in `clamped` keep their initial values: the others are sampled
    conditionally on them.
    """

    def __init__(self, model, num_chains, seed, initial_states, nthreads,
                 name="initial_states", clamped=None, count_name="num_chains"):
        self.model = model
        self.nthreads = nthreads
        # refused before check_start repeats a single row of initial states num_chains times
        check_allocation(num_chains * chain_bytes(model), f"{count_name}={num_chains}",
                         "the chains' spins, fields and random streams")
        spins, self.clamped = check_start(model, num_chains, initial_states, clamped, name)
        self.streams = RandomStreams(seed, num_chains)
        if spins is None:
            spins = np.empty((num_chains, model.num_spins), dtype=np.int8)
            uniform_spins(self.streams.addresses, spins, nthreads)
        self.spins = spins
        self.resync()

    @property
    def num_chains(self):
        return self.spins.shape[0]

    def resync(self):
        """Recompute local fields and energies from the spins (drops rounding drift), in
        groups of chains of about one block of work. A pending Ctrl-C stops it early: the
        chains are then left `stale` and :meth:`sweep` refuses to run them."""
        c = self.model._couplings
        if getattr(self, "fields", None) is None or self.fields.shape[0] != self.num_chains:
            self.fields = c.empty_fields(self.num_chains)
            self.energy = np.empty(self.num_chains)
            self.magnet = np.empty(self.num_chains, dtype=np.int64)
        group = max(1, work_budget(self.nthreads, self.num_chains) // sweep_work(self.model))
        self.stale = True
        for c0 in range(0, self.num_chains, group):
            if c0 and _progress.interrupt_pending():
                return
            rows = slice(c0, c0 + group)
            _spin_sweeps.init_chains(c, self.spins[rows], self.fields[rows],
                                     self.energy[rows], self.magnet[rows],
                                     min(self.nthreads, group))
        self.stale = False

    def _buffers(self):
        """Each chain's unused random bytes, carried between kernel calls."""
        if getattr(self, "_rng_bits", None) is None:
            self._rng_bits = np.zeros(self.num_chains, dtype=np.uint64)
            self._rng_nbytes = np.zeros(self.num_chains, dtype=np.uint8)
        return self._rng_bits, self._rng_nbytes

    def snapshot(self):
        """Everything a chain's future depends on: spins, fields, energies, magnetisations,
        stream states and carried random bytes (copies), for :meth:`rewind`."""
        bits, nbytes = self._buffers()
        return (self.spins.copy(), self.fields.copy(), self.energy.copy(), self.magnet.copy(),
                self.streams.state, bits.copy(), nbytes.copy())

    def rewind(self, row, snap, schedule, scale, method, order):
        """Chain `row` back to `snap` (:meth:`snapshot`), then swept alone along `schedule`:
        it replays exactly what it did after the snapshot, for as many sweeps."""
        rows = slice(row, row + 1)
        spins, fields, energy, magnet, states, bits, nbytes = snap
        self.spins[rows], self.fields[rows] = spins[rows], fields[rows]
        self.energy[rows], self.magnet[rows] = energy[rows], magnet[rows]
        self.streams.restore(states, rows)
        own_bits, own_nbytes = self._buffers()
        own_bits[rows], own_nbytes[rows] = bits[rows], nbytes[rows]
        if len(schedule):
            self._call(np.ascontiguousarray(schedule, dtype=np.float64), scale, method, order,
                       row, row + 1, 0, 0, len(schedule), None, None, None, None, None)

    def block_sweeps(self, order=ORDERS["sequential"]) -> int:
        """Sweeps of all chains in about one kernel call's work."""
        return block_sweeps(self.model, self.num_chains, self.nthreads, order)

    def sweep(self, schedule, scale, method, order, *, thin=1, rec_energy=None,
              rec_magnet=None, rec_states=None, best_spins=None, best_energy=None):
        """len(schedule) sweeps at beta = schedule[t] * scale[c] (see _spin_sweeps), with
        the optional records (chains, len(schedule) // thin) and lowest states.

        The work is cut into kernel calls of about one block each (ranges of sweeps, and
        of chains when one sweep of all chains is longer), with the same results as one
        call. A pending Ctrl-C raises :class:`SweepsInterrupted` between calls when work
        remains (chains past its `done` sweeps keep their state; records past it are not
        written)."""
        schedule = np.ascontiguousarray(schedule, dtype=np.float64)
        scale = np.ascontiguousarray(scale, dtype=np.float64)
        total, chains = schedule.size, self.num_chains
        if self.stale:                        # only after a Ctrl-C cut resync()
            raise SweepsInterrupted(0)
        one = sweep_work(self.model, order)
        budget = work_budget(self.nthreads, chains)
        per_call = max(1, budget // (one * chains))
        group = chains if one * chains <= budget else max(1, budget // one)
        recording = rec_energy is not None
        with _progress.deferred_interrupts():
            for a, b, rthin in _pieces(total, per_call, thin, recording):
                for c0 in range(0, chains, group):
                    if _progress.interrupt_pending():
                        raise SweepsInterrupted(a)
                    self._call(schedule[a:b], scale, method, order, c0,
                               min(c0 + group, chains), a // thin, rthin, b - a,
                               rec_energy, rec_magnet, rec_states, best_spins, best_energy)
                if _progress.interrupt_pending() and b < total:
                    raise SweepsInterrupted(b)

    def _threads(self, chains, sweeps, order):
        """Threads for a kernel call: at most one per chain, and one per MIN_THREAD_WORK
        units of work (a short call on a busy machine would otherwise wait milliseconds
        for a descheduled thread: parallel tempering's steps ran 60 times slower on 2
        threads than on 1 with the other core busy). Results never depend on it."""
        work = chains * sweeps * sweep_work(self.model, order)
        return threads_for_work(min(self.nthreads, chains), work, MIN_THREAD_WORK)

    def _call(self, schedule, scale, method, order, c0, c1, r0, thin, length, rec_energy,
              rec_magnet, rec_states, best_spins, best_energy):
        """One kernel call: chains c0..c1, records r0.. of a call of `length` sweeps."""
        rows = slice(c0, c1)
        record = {}
        if thin:
            r1 = r0 + length // thin
            full = r0 == 0 and r1 == rec_energy.shape[1]
            record["thin"] = thin
            for name, arr in (("rec_energy", rec_energy), ("rec_magnet", rec_magnet),
                              ("rec_states", rec_states)):
                if arr is not None:
                    record[name] = (arr[rows] if full else
                                    np.empty((c1 - c0, r1 - r0, *arr.shape[2:]), arr.dtype))
        if best_spins is not None:
            record["best_spins"] = best_spins[rows]
            record["best_energy"] = best_energy[rows]
        bits, nbytes = self._buffers()
        _spin_sweeps.sweep_chains(
            self.model._couplings, self.spins[rows], self.fields[rows], self.energy[rows],
            self.magnet[rows], schedule, scale[rows], method, order,
            self.streams.addresses[rows], self._threads(c1 - c0, length, order),
            clamped=self.clamped,
            rng_bits=bits[rows], rng_nbytes=nbytes[rows], **record)
        if thin and not full:
            for name, arr in (("rec_energy", rec_energy), ("rec_magnet", rec_magnet),
                              ("rec_states", rec_states)):
                if arr is not None:
                    arr[rows, r0:r1] = record[name]
