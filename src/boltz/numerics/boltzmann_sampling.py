"""Sampling states from a Boltzmann distribution over a finite set of energies."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from boltz._core._categorical import draw_categorical
from boltz._random import RandomStreams, SeedLike
from boltz._validation import (
    as_float_array,
    check_shape,
    resolve_num_threads,
    threads_for_work,
)
from boltz.numerics.distribution import boltzmann_probs

__all__ = ["sample_boltzmann"]

# Draws per random stream: fixed, so the output does not depend on the thread count.
_DRAWS_PER_STREAM = 1 << 16
# Draws per kernel call, about 20-50 ms here: Ctrl-C is honoured between calls.
_DRAWS_PER_CALL = 1 << 20


def sample_boltzmann(energies: ArrayLike, temperature: float = 1.0,
                     size: int | tuple[int, ...] | None = None, *,
                     degeneracy: ArrayLike | None = None, boltzmann_constant: float = 1.0,
                     seed: SeedLike = None, num_threads: int | None = None
                     ) -> int | np.ndarray:
    r"""Draw state indices :math:`i` with probability :math:`g_i e^{-E_i/k_B T} / Z`.

    For 2-D `energies` each row is its own distribution (Boltzmann exploration over a batch
    of action values: pass ``-Q`` as the energies). Draws invert the cumulative
    distribution (one uniform number and a binary search per draw, after one pass over the
    energies), which samples the same distribution as the Gumbel-max trick
    :math:`\arg\max_i (-E_i/k_B T + \log g_i + G_i)` at a fraction of its cost.

    Parameters
    ----------
    energies : array_like, 1-D (n,) or 2-D (rows, n)
        Energies of the states; ``+inf`` marks a forbidden state.
    temperature : float, optional
        :math:`T > 0`, finite (default 1). :math:`T \to 0` picks a ground state.
    size : int or tuple of ints, optional
        Draws per distribution. ``None`` (default): one draw, no extra axis.
    degeneracy : array_like, optional
        Weights :math:`g_i \ge 0` broadcast against `energies`.
    boltzmann_constant : float, optional
        :math:`k_B` (default 1).
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator, optional
        Randomness. The same seed gives the same draws for any `num_threads`.
    num_threads : int, optional
        OpenMP threads (``None``: OpenMP's default).

    Returns
    -------
    int or ndarray of int64
        State indices, shape ``size`` for 1-D energies, ``(rows,) + size`` for 2-D.

    Notes
    -----
    Random streams: the draws of a distribution (a row) are cut into consecutive runs of
    :math:`2^{16}`, each from its own PCG64 stream; rows of fewer draws share a stream,
    :math:`\lfloor 2^{16} / \text{draws} \rfloor` consecutive rows per stream. Draws run
    in calls of about :math:`2^{20}`, and Ctrl-C between two calls raises
    ``KeyboardInterrupt`` at once (within about 0.1 s): like any function that returns an
    array, it keeps no partial result (draws of part of the rows have no meaning).

    Raises
    ------
    ValueError
        When a distribution has no state of finite energy, or contains nan.

    Examples
    --------
    >>> import boltz
    >>> draws = boltz.sample_boltzmann([0.0, 1.0], temperature=1.0, size=10000, seed=0)
    >>> bool(abs(draws.mean() - 0.2689) < 0.02)
    True
    """
    e = as_float_array(energies, "energies")
    if e.ndim not in (1, 2):
        raise ValueError(f"energies must be 1-D or 2-D (rows of states), got shape {e.shape}")
    if e.shape[-1] == 0:
        raise ValueError("energies must have at least one state")
    size = check_shape(size, "size")
    nthreads = resolve_num_threads(num_threads)
    probs = boltzmann_probs(e.astype(np.float64, copy=False), temperature, degeneracy,
                            boltzmann_constant=boltzmann_constant, num_threads=nthreads)
    rows = np.atleast_2d(probs)
    cdf = np.cumsum(rows, axis=1)
    total = cdf[:, -1:]
    if not np.all(np.isfinite(total)) or np.any(total <= 0):
        raise ValueError("energies: every distribution needs a state of finite energy and "
                         "no nan (check energies, degeneracy and temperature)")
    cdf /= total
    cdf[:, -1] = 1.0
    per_row = int(np.prod(size, dtype=np.int64))
    out = np.empty((rows.shape[0], per_row), dtype=np.int64)
    if out.size:
        _draw(cdf, out, seed, threads_for_work(nthreads, out.size))
    shape = size if e.ndim == 1 else (e.shape[0], *size)
    out = out.reshape(shape)
    return int(out) if out.ndim == 0 else out


def _draw(cdf: np.ndarray, out: np.ndarray, seed: SeedLike, nthreads: int) -> None:
    """Fill `out` (rows, per_row) with draws from the rows of `cdf`, in calls of about
    _DRAWS_PER_CALL draws, the streams as documented in :func:`sample_boltzmann`."""
    rows, per_row = out.shape
    D = _DRAWS_PER_STREAM
    if per_row <= D:                          # `group` rows per stream, whole rows per call
        group = D // per_row
        streams = RandomStreams(seed, -(-rows // group))
        step = group * max(1, _DRAWS_PER_CALL // (group * per_row))
        for r0 in range(0, rows, step):
            r1 = min(r0 + step, rows)
            draw_categorical(cdf[r0:r1], out[r0:r1],
                             streams.addresses[r0 // group:-(-r1 // group)],
                             group * per_row, nthreads)
        return
    per = -(-per_row // D)                    # streams per row, runs of D draws per call
    streams = RandomStreams(seed, rows * per)
    step = D * max(1, _DRAWS_PER_CALL // D)
    for r in range(rows):
        for a in range(0, per_row, step):
            b = min(a + step, per_row)
            first = r * per + a // D
            draw_categorical(cdf[r:r + 1], out[r, a:b].reshape(1, b - a),
                             streams.addresses[first:first + -(-(b - a) // D)], D, nthreads)
