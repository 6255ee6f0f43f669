"""Many Markov chains of one Ising model: spins, cached fields, energies, random streams."""
from __future__ import annotations

import numpy as np

from boltz._core import _spin_sweeps
from boltz._core._random import uniform_spins
from boltz._memory import check_allocation
from boltz._random import RandomStreams

METHODS = _spin_sweeps.METHODS
ORDERS = _spin_sweeps.ORDERS

# Spin updates per kernel call: about 0.05 s of work, so Ctrl-C and progress stay responsive.
BLOCK_UPDATES = _spin_sweeps.BLOCK_UPDATES


def check_model(model):
    from boltz.spin.ising_model import IsingModel  # late: ising_model imports the kernels too

    if not isinstance(model, IsingModel):
        raise TypeError(f"model must be a boltz.IsingModel, got {type(model).__name__}")
    return model


def block_sweeps(num_chains, num_spins):
    return max(1, BLOCK_UPDATES // max(1, num_chains * num_spins))


def chain_bytes(model):
    """Bytes one chain of `model` holds: spins, fields (in the kernel layout), energy,
    magnetisation and random stream."""
    fields = model._couplings.empty_fields(1).nbytes
    return model.num_spins + fields + 16 + RandomStreams.BYTES_PER_STREAM


def init_state(couplings, spins, nthreads):
    """Local fields (in the couplings' layout), energies (float64, offset excluded) and
    magnetisations of the chains' int8 `spins` (chains, n)."""
    fields = couplings.empty_fields(spins.shape[0])
    energy = np.empty(spins.shape[0])
    magnet = np.empty(spins.shape[0], dtype=np.int64)
    _spin_sweeps.init_chains(couplings, spins, fields, energy, magnet, nthreads)
    return fields, energy, magnet


def _check_clamped(clamped, n, initial_states):
    """uint8 mask of the spins held at their initial values, or None."""
    if clamped is None:
        return None
    mask = np.asarray(clamped)
    if mask.dtype != np.bool_:
        raise TypeError(f"clamped must be a boolean mask of the spins, got dtype {mask.dtype}")
    if mask.shape != (n,):
        raise ValueError(f"clamped must have shape ({n},), got {mask.shape}")
    if initial_states is None and mask.any():
        raise ValueError("clamped spins keep their initial values: give initial_states too")
    return np.ascontiguousarray(mask, dtype=np.uint8) if mask.any() else None


class Chains:
    """State of `num_chains` chains of `model`, each with its own PCG64 stream.

    Initial states are drawn uniformly from each chain's own stream unless given, so the
    whole run is a function of the seed alone (not of the thread count). Spins marked in
    `clamped` keep their initial values: the others are sampled conditionally on them.
    """

    def __init__(self, model, num_chains, seed, initial_states, nthreads,
                 name="initial_states", clamped=None, count_name="num_chains"):
        self.model = model
        self.nthreads = nthreads
        self.clamped = _check_clamped(clamped, model.num_spins, initial_states)
        check_allocation(num_chains * chain_bytes(model), f"{count_name}={num_chains}",
                         "the chains' spins, fields and random streams")
        self.streams = RandomStreams(seed, num_chains)
        n = model.num_spins
        if initial_states is None:
            spins = np.empty((num_chains, n), dtype=np.int8)
            uniform_spins(self.streams.addresses, spins, nthreads)
        else:
            spins = model.check_states(initial_states, name)
            if spins.shape[0] == 1 and num_chains > 1:
                spins = np.repeat(spins, num_chains, axis=0)
            if spins.shape[0] != num_chains:
                raise ValueError(f"{name} must have one row per chain ({num_chains}), "
                                 f"got {spins.shape[0]}")
            spins = spins.copy()
        self.spins = spins
        self.resync()

    @property
    def num_chains(self):
        return self.spins.shape[0]

    def resync(self):
        """Recompute local fields and energies from the spins (drops rounding drift)."""
        self.fields, self.energy, self.magnet = init_state(self.model._couplings, self.spins,
                                                           self.nthreads)

    def sweep(self, schedule, scale, method, order, **record):
        """len(schedule) sweeps at beta = schedule[t] * scale[c]; see _spin_sweeps."""
        _spin_sweeps.sweep_chains(
            self.model._couplings, self.spins, self.fields, self.energy, self.magnet,
            np.ascontiguousarray(schedule, dtype=np.float64),
            np.ascontiguousarray(scale, dtype=np.float64), method, order,
            self.streams.addresses, self.nthreads, clamped=self.clamped, **record)
