r"""Gibbs sampling of a Boltzmann machine: chains of the spin wing's sweep kernel (heat bath,
sequential order) on the machine's Ising form, with clamped units held by its mask.

A phase starts its chains from uniformly random states (drawn from the first child of the
phase's SeedSequence; the chains' own streams are the next children), equilibrates them
(``Settings.equilibration``: the anneal, then the burn-in) and records `num_sweeps` sweeps
at the machine's temperature, over which :math:`\langle s_i s_j \rangle` is averaged.
"""
from __future__ import annotations

import numpy as np

from boltz._memory import check_allocation
from boltz._progress import run_in_blocks
from boltz._validation import resolve_num_threads
from boltz.machines._bm_settings import Settings
from boltz.spin._chains import METHODS, ORDERS, Chains, chain_bytes
from boltz.spin.ising_model import IsingModel

_GIBBS, _SEQUENTIAL = METHODS["gibbs"], ORDERS["sequential"]


def random_spins(seq: np.random.SeedSequence, rows: int, n: int) -> np.ndarray:
    """(rows, n) uniformly random ±1 int8 spins from the first child of `seq`."""
    return 2 * np.random.default_rng(seq.spawn(1)[0]).integers(
        0, 2, size=(rows, n), dtype=np.int8) - 1


def run(s: Settings, model: IsingModel, spins: np.ndarray, clamped: np.ndarray | None,
        seq: np.random.SeedSequence, equilibrate: np.ndarray, record_sweeps: int):
    """Sweeps of chains starting at `spins` (±1): `equilibrate` (per-sweep betas), then
    `record_sweeps` recorded sweeps at 1 / temperature. Returns (chains, recorded states
    (chains, record_sweeps, n) as ±1 int8, or None when nothing is recorded)."""
    chains = Chains(model, spins.shape[0], seq, spins, resolve_num_threads(s.num_threads),
                    clamped=clamped)
    ones = np.ones(spins.shape[0])
    if equilibrate.size:
        chains.sweep(equilibrate, ones, _GIBBS, _SEQUENTIAL)
    if not record_sweeps:
        return chains, None
    c, n = spins.shape
    states = np.empty((c, record_sweeps, n), dtype=np.int8)
    e = np.empty((c, record_sweeps))
    chains.sweep(np.full(record_sweeps, s.beta), ones, _GIBBS, _SEQUENTIAL,
                 rec_energy=e, rec_magnet=np.empty_like(e), rec_states=states)
    return chains, states


def moments(states: np.ndarray) -> np.ndarray:
    """<s_i s_j> of recorded ±1 states read as 0/1 units (diagonal: <s_i>)."""
    x = (states.reshape(-1, states.shape[-1]) > 0).astype(np.float64)
    return x.T @ x / x.shape[0]


def positive_moments(s: Settings, model: IsingModel, X: np.ndarray,
                     seq: np.random.SeedSequence) -> np.ndarray:
    """Sampled <s_i s_j> with the visible units clamped to the rows of X: ceil(num_chains /
    rows) chains per row, hidden units started at random."""
    nv, n = X.shape[1], s.n_units
    copies = -(-s.num_chains // X.shape[0])
    spins = random_spins(seq, X.shape[0] * copies, n)
    spins[:, :nv] = 2 * np.repeat(X, copies, axis=0) - 1
    mask = np.zeros(n, dtype=bool)
    mask[:nv] = True
    _, states = run(s, model, spins, mask, seq, s.equilibration, s.num_sweeps)
    return moments(states)


def negative_moments(s: Settings, model: IsingModel, spins: np.ndarray | None,
                     seq: np.random.SeedSequence):
    """Sampled <s_i s_j> of the free-running machine and the chains' final spins. New
    chains (`spins` None) start at random and are equilibrated; given chains continue."""
    first = spins is None
    if first:
        spins = random_spins(seq, s.num_chains, s.n_units)
    equilibrate = s.equilibration if first else np.zeros(0)
    chains, states = run(s, model, spins, None, seq, equilibrate, s.num_sweeps)
    return moments(states), chains.spins


def clamp_spec(clamp, n: int, n_samples: int):
    """(0/1/-1 int8 clamp rows, mask of the clamped units) from a clamp argument, or
    (None, None)."""
    if clamp is None:
        return None, None
    c = np.asarray(clamp)
    if c.dtype.kind not in "biuf":
        raise TypeError(f"clamp must hold 0, 1 or -1 (free), got dtype {c.dtype}")
    if c.ndim == 1:
        c = np.broadcast_to(c, (n_samples, c.size))
    if c.ndim != 2 or c.shape != (n_samples, n):
        raise ValueError(f"clamp must have shape ({n},) or ({n_samples}, {n}), "
                         f"got {np.shape(clamp)}")
    if not np.all((c == 0) | (c == 1) | (c == -1)):
        raise ValueError("clamp entries must be 0, 1 or -1 (free)")
    mask = c[0] >= 0
    if not np.array_equal(c >= 0, np.broadcast_to(mask, c.shape)):
        raise ValueError("clamp must hold the same units fixed in every row")
    return c.astype(np.int8), mask


def sample(s: Settings, model: IsingModel, n_samples: int, num_sweeps: int, clamp,
           seq: np.random.SeedSequence) -> tuple[np.ndarray, int, int, bool]:
    """The last states (0/1 int8) of `n_samples` chains: random start (clamped units set),
    equilibration, then `num_sweeps` sweeps at 1 / temperature, in blocks (no per-sweep
    schedule of `num_sweeps` is built). Also the sweeps every chain finished, the sweeps
    planned, and whether Ctrl-C stopped the run (then the states are the chains' current
    ones, at most one block of sweeps past the finished ones)."""
    # the clamp rows, their mask, the start states and the chains themselves
    check_allocation(n_samples * (3 * s.n_units + chain_bytes(model)), f"n_samples={n_samples}",
                     "the chains' states")
    values, mask = clamp_spec(clamp, s.n_units, n_samples)
    spins = random_spins(seq, n_samples, s.n_units)
    if mask is not None:
        spins[:, mask] = 2 * values[:, mask] - 1
    equilibration, total = s.equilibration, s.equilibration.size + num_sweeps
    chains = Chains(model, n_samples, seq, spins, resolve_num_threads(s.num_threads),
                    clamped=mask)
    ones = np.ones(n_samples)

    def step(a, b):                  # sweeps a..b of the equilibration, then at s.beta
        tail = max(0, b - max(a, equilibration.size))
        chains.sweep(np.concatenate([equilibration[a:b], np.full(tail, s.beta)]), ones,
                     _GIBBS, _SEQUENTIAL)

    done, interrupted = run_in_blocks(total, chains.block_sweeps(), step)
    return (chains.spins > 0).astype(np.int8), done, total, interrupted
