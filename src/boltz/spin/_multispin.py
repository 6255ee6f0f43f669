"""Multi-spin-coded annealing: 64 reads in the bits of one machine word per spin.

For ±J models (every coupling of one magnitude, no fields: spin glasses, unweighted Max-Cut),
:class:`MultiSpinReads` keeps groups of 64 reads as bit planes and sweeps them with the
kernel of ``_core/src/spin/multispin.h``: sequential Metropolis, the flip of each lane
accepted with probability :math:`\\min(1, e^{-\\beta \\Delta E})` to double precision
(rounded down to a multiple of :math:`2^{-64}`), the energies counted exactly (integers
of bonds) after every sweep.

Randomness: read r's initial spins come from its own stream, as with single-spin sweeps
(the same starting states for the same seed); the sweeps of group g (reads 64 g to
64 g + 63) draw from read 64 g's stream. A group's result is therefore the same for any
thread count and any cutting of the run, but a read's depends on the other reads of its
group (and the last group's unused lanes start with every spin +1).
"""
from __future__ import annotations

import numpy as np

from boltz._core import _multispin
from boltz._core._random import uniform_spins
from boltz._memory import check_allocation
from boltz._random import RandomStreams
from boltz._validation import threads_for_work
from boltz.spin._budgets import target_level
from boltz.spin._chains import BLOCK_WORK, MIN_THREAD_WORK, check_start

LANES = _multispin.LANES
# Work units (as in _chains: about 0.2-0.5 ns) of one spin of one group's sweep: a
# decision of 64 lanes took 17-45 ns here, plus per bond entry its share of the count.
SPIN_WORK, ENTRY_WORK = 100, 10


def multispin_graph(model):
    """(Graph, |J|) of a model the multi-spin kernel can sweep; ValueError naming
    `multispin` for any other model."""
    if np.any(model.h != 0):
        raise ValueError("multispin=True needs a model without fields (h = 0): the kernel "
                         "counts unsatisfied bonds of one magnitude")
    rows, cols, values = model.bonds()
    kept = values != 0                       # stored zeros are no bonds
    rows, cols, values = rows[kept], cols[kept], values[kept]
    magnitude = float(np.abs(values[0])) if values.size else 1.0
    if np.any(np.abs(values) != magnitude):
        raise ValueError("multispin=True needs every coupling of one magnitude (J_ij = ±J); "
                         "this model has several")
    n = model.num_spins
    degree = np.bincount(np.concatenate([rows, cols]), minlength=n)
    if degree.size and degree.max() > _multispin.MAX_DEGREE:
        raise ValueError(f"multispin=True handles degrees up to {_multispin.MAX_DEGREE}; this "
                         f"model has a spin with {int(degree.max())} neighbours")
    full = np.uint64(0xFFFFFFFFFFFFFFFF)
    sign = np.where(values < 0, full, np.uint64(0))
    heads = np.concatenate([rows, cols])
    order = np.argsort(heads, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    graph = _multispin.Graph(indptr, np.concatenate([cols, rows])[order].astype(np.int32),
                             np.concatenate([sign, sign])[order], rows.astype(np.int32),
                             cols.astype(np.int32), sign)
    return graph, magnitude


def sweep_work(model, graph=None) -> int:
    """Work units of one sweep of one read (a 64th of a group's), for sizing shards."""
    graph = multispin_graph(model)[0] if graph is None else graph
    return max(1, (graph.num_spins * SPIN_WORK + 2 * graph.num_bonds * ENTRY_WORK) // LANES)


def pack(spins: np.ndarray, groups: int) -> np.ndarray:
    """(groups, n) uint64: bit l of word [g, i] set where read 64 g + l has spin i = -1
    (unused lanes: +1)."""
    reads, n = spins.shape
    bits = np.zeros((groups * LANES, n), dtype=np.uint8)
    bits[:reads] = spins < 0
    planes = np.packbits(bits.reshape(groups, LANES, n), axis=1, bitorder="little")
    return np.ascontiguousarray(planes.transpose(0, 2, 1)).view(np.uint64)[..., 0]


def unpack(words: np.ndarray, reads: int) -> np.ndarray:
    """(reads, n) int8 spins of the first `reads` lanes of `words` (:func:`pack`)."""
    groups, n = words.shape
    bits = np.unpackbits(words[..., None].view(np.uint8), axis=2, bitorder="little")
    spins = bits.transpose(0, 2, 1).reshape(groups * LANES, n)[:reads]
    return (1 - 2 * spins.astype(np.int8)).astype(np.int8)


class MultiSpinReads:
    """`num_reads` anneal reads of `model` in groups of 64, with each read's current and
    lowest energy and state, and with `target_energy` each read's first sweep at or below
    it and its state then (the read runs on, so that its group's other reads draw as they
    would without a target)."""

    def __init__(self, model, num_reads, seed, initial_states, nthreads, target_energy=None):
        self.model = model
        self.graph, self.magnitude = multispin_graph(model)
        self.num_reads, self.nthreads = num_reads, nthreads
        self.groups = -(-num_reads // LANES)
        n = model.num_spins
        # words, lowest and stopped words, and the int8 copies pack and unpack make
        check_allocation(self.groups * (8 * 3 * n + 64 * 32) + num_reads * (6 * n + 100),
                         f"num_reads={num_reads}", "the reads' words and random streams")
        spins, _ = check_start(model, num_reads, initial_states, None)
        streams = RandomStreams(seed, num_reads)
        if spins is None:
            spins = np.empty((num_reads, n), dtype=np.int8)
            uniform_spins(streams.addresses, spins, nthreads)
        self.rng = np.ascontiguousarray(streams.state[::LANES])
        self.words = pack(spins, self.groups)
        self.unsat = np.empty((self.groups, LANES), dtype=np.int64)
        _multispin.unsatisfied(self.graph, self.words, self.unsat, self._threads(1))
        self.best_words, self.best_unsat = self.words.copy(), self.unsat.copy()
        self.target = None
        if target_energy is not None:
            # E = -|J| (M - 2 U) + offset <= level  <=>  U <= (level / |J| + M) / 2
            level = target_level(target_energy, 0.0) - model.offset
            bonds = self.graph.num_bonds        # a count of unsatisfied bonds is in [0, M]
            self.target = int(np.clip(np.floor((level / self.magnitude + bonds) / 2),
                                      -1, bonds))
            self.stopped = self.words.copy()
            self.hit = np.full((self.groups, LANES), -1, dtype=np.int64)

    def energies(self, unsat: np.ndarray) -> np.ndarray:
        """Energies E = -|J| (M - 2 U) + offset of the reads' unsatisfied counts U."""
        u = unsat.reshape(-1)[:self.num_reads]
        return -self.magnitude * (self.graph.num_bonds - 2.0 * u) + self.model.offset

    def _work(self, sweeps: int) -> int:
        return sweeps * self.groups * LANES * sweep_work(self.model, self.graph)

    def _threads(self, sweeps: int) -> int:
        return threads_for_work(min(self.nthreads, self.groups), self._work(sweeps),
                                MIN_THREAD_WORK)

    def block_sweeps(self) -> int:
        """Sweeps of every group in about one block of work per thread."""
        per_sweep = max(1, self._work(1))
        return max(1, BLOCK_WORK * max(1, min(self.nthreads, self.groups)) // per_sweep)

    def restart_from_best(self) -> None:
        """Every read back to its lowest state (a reheating cycle)."""
        self.words[:] = self.best_words
        self.unsat[:] = self.best_unsat

    @property
    def all_reached(self) -> bool:
        return self.target is not None and bool(np.all(self.read_hits() >= 0))

    def read_hits(self) -> np.ndarray:
        return self.hit.reshape(-1)[:self.num_reads]

    def sweep(self, betas: np.ndarray, done_before: int) -> None:
        """len(betas) sweeps of every read, `done_before` sweeps into the run."""
        betas = np.ascontiguousarray(betas, dtype=np.float64)
        extra = {} if self.target is None else {
            "stopped": self.stopped, "target_unsat": self.target, "hit": self.hit}
        _multispin.anneal_groups(self.graph, self.words, self.best_words, self.unsat,
                                 self.best_unsat, betas, 2.0 * self.magnitude, self.rng,
                                 self._threads(betas.size), sweep0=done_before, **extra)

    def current_energies(self) -> np.ndarray:
        return self.energies(self.unsat)

    def best_energies(self) -> np.ndarray:
        return self.energies(self.best_unsat)

    def states(self):
        """(lowest states, final states, sweeps at the target or None) of the reads; a read
        that reached the target has its state then as both."""
        best = unpack(self.best_words, self.num_reads)
        final = unpack(self.words, self.num_reads)
        if self.target is None:
            return best, final, None
        hits = self.read_hits()
        reached = hits >= 0
        stopped = unpack(self.stopped, self.num_reads)
        best[reached] = stopped[reached]
        final[reached] = stopped[reached]
        return best, final, hits.copy()
