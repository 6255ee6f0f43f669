r"""Time-to-solution: how long a randomised solver must run to hit a target with a given
confidence (Rønnow et al. 2014, "Defining and detecting quantum speedup", Science 345).

A read succeeds when its energy reaches the target. With success probability :math:`p`
per read and :math:`t` seconds per read, :math:`R = \log(1 - c) / \log(1 - p)` independent
reads succeed at least once with probability :math:`c`, so

.. math:: \mathrm{TTS}_c = t \, \frac{\log(1 - c)}{\log(1 - p)},

with :math:`\mathrm{TTS} = t` when :math:`p \ge c` (one read is enough: R < 1 is rounded
up to one read) and :math:`\mathrm{TTS} = \infty` when :math:`p = 0`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from boltz._memory import check_allocation
from boltz._random import SeedLike, seed_sequence
from boltz._validation import as_float_array, check_positive_int, check_real

__all__ = ["time_to_solution", "TimeToSolution"]


@dataclass(frozen=True)
class TimeToSolution:
    r"""The time to reach a target energy with a given confidence, from a set of reads.

    Attributes
    ----------
    tts : float
        :math:`t \log(1 - c) / \log(1 - p)` seconds (``t`` if :math:`p \ge c`, ``inf`` if
        :math:`p = 0`).
    tts_interval : tuple of float
        Bootstrap percentile interval of `tts` at level ``ci_level`` (resampling the reads
        with replacement); its upper end is ``inf`` when a resample has no success.
    success_probability : float
        :math:`p`, the fraction of reads whose energy reached the target.
    residual_energy : float
        Mean energy of the reads minus the target (energy units; >= 0 when the target is
        the ground-state energy).
    num_reads : int
        Reads the estimate is based on.
    seconds_per_read : float
        :math:`t`, CPU seconds of one read.
    confidence : float
        :math:`c`.
    """

    tts: float
    tts_interval: tuple[float, float]
    success_probability: float
    residual_energy: float
    num_reads: int
    seconds_per_read: float
    confidence: float


def _tts(p: np.ndarray, t: float, confidence: float) -> np.ndarray:
    """TTS of success probabilities `p` (any shape)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        reads = np.log1p(-confidence) / np.log1p(-np.minimum(p, confidence))
    return np.where(p == 0, np.inf, t * np.maximum(reads, 1.0))


def time_to_solution(energies: ArrayLike, target: float, seconds_per_read: float | None = None,
                     confidence: float = 0.99, *, n_bootstrap: int = 1000,
                     ci_level: float = 0.95, rtol: float = 1e-9,
                     seed: SeedLike = None) -> TimeToSolution:
    r"""Time-to-solution of a randomised solver from the energies its reads reached.

    :math:`\mathrm{TTS}_c = t \log(1 - c) / \log(1 - p)` (Rønnow et al. 2014), where
    :math:`p` is the fraction of reads that reached `target` and :math:`t` the CPU time of
    one read: the total CPU seconds of the run divided by the number of reads, so that the
    number of threads that ran the reads does not change it. :math:`\mathrm{TTS} = t` when
    :math:`p \ge c` (one read suffices) and :math:`\infty` when :math:`p = 0`.

    Parameters
    ----------
    energies : array_like (num_reads,) or AnnealResult
        The energy each read reached (energy units). An :class:`~boltz.AnnealResult` gives
        its ``energies`` and, unless `seconds_per_read` is given, its CPU seconds per read
        (``info["cpu_seconds"] / num_reads``).
    target : float
        The energy to reach, e.g. the ground-state or best-known energy. A read succeeds
        when its energy is at most ``target + rtol * max(1, |target|)``.
    seconds_per_read : float, optional
        :math:`t` in CPU seconds, > 0 (required for an array of energies).
    confidence : float
        :math:`c`, in (0, 1) (default 0.99).
    n_bootstrap : int
        Bootstrap resamples of the reads for `tts_interval` (default 1000).
    ci_level : float
        Level of the bootstrap interval, in (0, 1) (default 0.95).
    rtol : float
        Relative tolerance of the success test (rounding of the energies), >= 0.
    seed : None, int, SeedSequence or Generator
        Randomness of the bootstrap.

    Returns
    -------
    TimeToSolution

    Examples
    --------
    >>> import boltz
    >>> r = boltz.time_to_solution([-10, -10, -9, -8], target=-10, seconds_per_read=0.5,
    ...                            seed=0)
    >>> round(r.success_probability, 2), round(r.tts, 3)                # p = 0.5
    (0.5, 3.322)
    """
    from boltz.spin.annealing import AnnealResult

    if isinstance(energies, AnnealResult):
        if seconds_per_read is None:
            seconds_per_read = (energies.info["cpu_seconds"]
                                / max(1, energies.energies.size))
        energies = energies.energies
    e = as_float_array(energies, "energies", ndim=1, finite=True, dtype=np.float64,
                       bools=False)
    if e.size == 0:
        raise ValueError("energies must hold at least one read")
    target = check_real(target, "target")
    if seconds_per_read is None:
        raise TypeError("seconds_per_read is required with an array of energies")
    t = check_real(seconds_per_read, "seconds_per_read", above=0.0)
    confidence = check_real(confidence, "confidence", above=0.0, below=1.0)
    ci_level = check_real(ci_level, "ci_level", above=0.0, below=1.0)
    rtol = check_real(rtol, "rtol", at_least=0.0)
    n_bootstrap = check_positive_int(n_bootstrap, "n_bootstrap")
    check_allocation(24 * n_bootstrap, f"n_bootstrap={n_bootstrap}", "the bootstrap resamples")
    success = e <= target + rtol * max(1.0, abs(target))
    p = float(success.mean())
    rng = np.random.default_rng(seed_sequence(seed))
    hits = rng.binomial(e.size, p, size=n_bootstrap) / e.size   # resampled success counts
    tail = (1.0 - ci_level) / 2
    # order statistics, no interpolation: an infinite TTS (no success) stays infinite
    low, high = np.quantile(_tts(hits, t, confidence), [tail, 1.0 - tail],
                            method="inverted_cdf")
    return TimeToSolution(tts=float(_tts(p, t, confidence)),
                          tts_interval=(float(low), float(high)),
                          success_probability=p,
                          residual_energy=float(e.mean() - target),
                          num_reads=int(e.size), seconds_per_read=float(t),
                          confidence=float(confidence))
