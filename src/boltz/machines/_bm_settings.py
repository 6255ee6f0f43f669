"""The constructor arguments of a ``BoltzmannMachine``, checked and resolved in one place.

:func:`settings` reads them off the machine (they stay plain, settable attributes, as in
scikit-learn) and returns a frozen :class:`Settings`; the machine calls it when it is built
and at the start of every operation, so a bad argument fails early, naming itself.
``random_state`` is checked where it is used (checking a ``Generator`` would consume it);
the connectivity on construction (:func:`check_arguments`) and when its mask is needed.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from boltz._validation import (
    as_float_array,
    check_bool,
    check_float_dtype,
    check_positive_int,
    check_real,
    check_temperature,
    check_verbose,
)
from boltz.machines._bm_parameters import connectivity_mask

# Exact KL is tracked per epoch up to this many units (2^16 states: about a millisecond).
KL_HISTORY_MAX_UNITS = 16


def anneal_betas(anneal) -> np.ndarray:
    """Per-sweep inverse temperatures of an annealing schedule (empty for None): a sequence
    of temperatures (one sweep each) or of (temperature, sweeps) pairs."""
    if anneal is None:
        return np.zeros(0)
    arr = as_float_array(anneal, "anneal").astype(np.float64)
    if arr.ndim == 1:
        temps, sweeps = arr, np.ones(arr.size, dtype=np.int64)
    elif arr.ndim == 2 and arr.shape[1] == 2:
        temps, sweeps = arr[:, 0], arr[:, 1]
        if np.any(sweeps < 1) or np.any(sweeps != np.round(sweeps)):
            raise ValueError("anneal: sweeps per temperature must be positive integers")
    else:
        raise ValueError("anneal must be a sequence of temperatures or of "
                         f"(temperature, sweeps) pairs, got shape {arr.shape}")
    temps = check_temperature(np.atleast_1d(temps), "anneal temperatures")
    return np.repeat(1.0 / temps, sweeps.astype(np.int64))


@dataclass(frozen=True)
class Settings:
    """A machine's arguments, checked; `equilibration` holds the per-sweep betas that
    precede a phase's statistics (the anneal, then `burn_in` sweeps at 1 / temperature)."""

    n_visible: int
    n_units: int
    temperature: float
    learning_rate: float
    n_iter: int
    num_sweeps: int
    equilibration: np.ndarray
    persistent: bool
    weight_decay: float
    num_threads: int | None
    verbose: int
    connectivity: object
    num_chains: int
    batch_size: int | None
    dtype: np.dtype
    warm_start: bool

    @cached_property
    def mask(self) -> np.ndarray:
        """The checked connectivity: (n_units, n_units) bool, symmetric, False diagonal
        (built on first use: it is n_units^2 bytes)."""
        return connectivity_mask(self.connectivity, self.n_units)

    @property
    def beta(self) -> float:
        return 1.0 / self.temperature

    @property
    def track_kl(self) -> bool:
        return self.n_units <= KL_HISTORY_MAX_UNITS


def settings(bm) -> Settings:
    """Check every constructor argument of the BoltzmannMachine `bm` (but random_state)."""
    n_visible = check_positive_int(bm.n_visible, "n_visible")
    n_units = n_visible + check_positive_int(bm.n_hidden, "n_hidden", minimum=0)
    temperature = check_temperature(bm.temperature, "temperature", scalar=True)
    num_sweeps = check_positive_int(bm.num_sweeps, "num_sweeps")
    anneal = anneal_betas(bm.anneal)
    burn_in = bm.burn_in
    if burn_in is None:
        burn_in = 0 if anneal.size else num_sweeps
    burn_in = check_positive_int(burn_in, "burn_in", minimum=0)
    num_threads = bm.num_threads
    if num_threads is not None:
        num_threads = check_positive_int(num_threads, "num_threads")
    batch_size = bm.batch_size
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    return Settings(
        n_visible=n_visible, n_units=n_units, temperature=temperature,
        learning_rate=check_real(bm.learning_rate, "learning_rate", above=0.0),
        n_iter=check_positive_int(bm.n_iter, "n_iter"), num_sweeps=num_sweeps,
        equilibration=np.concatenate([anneal, np.full(burn_in, 1.0 / temperature)]),
        persistent=check_bool(bm.persistent, "persistent"),
        weight_decay=check_real(bm.weight_decay, "weight_decay", at_least=0.0),
        num_threads=num_threads, verbose=check_verbose(bm.verbose),
        connectivity=bm.connectivity,
        num_chains=check_positive_int(bm.num_chains, "num_chains"), batch_size=batch_size,
        dtype=check_float_dtype(bm.dtype), warm_start=check_bool(bm.warm_start, "warm_start"))


def check_arguments(bm) -> None:
    """Check every constructor argument of `bm` now, its connectivity included."""
    s = settings(bm)
    connectivity_mask(s.connectivity, s.n_units)
