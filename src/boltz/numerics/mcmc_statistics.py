r"""Estimators for Markov-chain Monte Carlo traces: autocorrelation, integrated
autocorrelation time, effective sample size and error bars of means.

Pure numpy. Conventions shared by every function here:

* A *trace* is the sequence :math:`x_0, \dots, x_{n-1}` of one observable recorded at
  successive steps of one chain. Times and lags are counted in those recorded steps (after
  any thinning), so an autocorrelation time of 19 means 19 recorded samples.
* ``axis`` selects the time axis; every other axis indexes independent chains (a
  ``(chains, n)`` array with ``axis=-1`` is the usual layout).
* :math:`\tau_\mathrm{int} = 1 + 2\sum_{t\ge1}\rho(t)` (the convention of emcee, Stan and
  Geyer; Sokal's notes use half of it), so independent samples have :math:`\tau = 1` and
  the effective sample size is :math:`N/\tau`.
* Input must be finite real numbers (integers and bools are converted to float64); the
  results are float64.
* *Undefined estimates.* :math:`\tau` needs at least 2 records per chain, and
  :math:`N/\tau` needs :math:`\tau > 0` (a short or strongly anti-correlated trace can give
  a windowed sum :math:`\le 0`). With ``undefined="raise"`` (default) these are a
  ValueError; with ``undefined="nan"`` the estimate that cannot be formed is ``nan``
  (the mean itself is returned whenever there is a record; a run stopped before its
  first record gives nan for it too): what the traces of a finished run
  (:class:`boltz.SampleTrace`) use, so that reading an attribute never raises.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from boltz._validation import as_float_array, check_axis, check_bool, check_choice, check_real

__all__ = [
    "autocorrelation",
    "integrated_autocorrelation_time",
    "effective_sample_size",
    "mean_and_standard_error",
    "chain_spread_error",
]


# --------------------------------------------------------------------------- validation

#: What the estimators do where the autocorrelation time is undefined (see the module notes).
_UNDEFINED = ("raise", "nan")


def _check_undefined(undefined) -> bool:
    """True when an undefined estimate is to be returned as nan rather than raised."""
    return check_choice(undefined, "undefined", _UNDEFINED) == "nan"


def _as_traces(x, axis, min_samples: int = 2) -> np.ndarray:
    """Validated `x` as a float64 array of shape (..., n) with the time axis last, n >=
    `min_samples` (0: records of a run stopped before its first one)."""
    arr = as_float_array(x, "x", dtype=np.float64)
    if arr.ndim == 0:
        raise ValueError("x must have at least one dimension (the time axis); got a scalar")
    arr = np.moveaxis(arr, check_axis(axis, arr.ndim), -1)
    if arr.shape[-1] < min_samples:
        raise ValueError(f"x must have at least {min_samples} samples along axis {axis}; "
                         f"got {arr.shape[-1]}")
    if int(np.prod(arr.shape[:-1])) == 0:
        raise ValueError(f"x must hold at least one chain; got shape {np.shape(x)}")
    return as_float_array(arr, "x", finite=True)


def _check_c(c) -> float:
    return check_real(c, "c", above=0.0)


# --------------------------------------------------------------------------- kernels

def _scaled(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`arr / scale` with scale = max |x| per trace (1 for all-zero traces), and the scale.

    Keeps squares and sums finite for traces near the float64 range."""
    scale = np.max(np.abs(arr), axis=-1, keepdims=True)
    scale = np.where(scale > 0, scale, 1.0)
    return arr / scale, scale


def _acf_last(arr: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation along the last axis of a validated float64 array."""
    n = arr.shape[-1]
    y, _ = _scaled(arr)
    constant = np.ptp(y, axis=-1, keepdims=True) == 0
    centred = np.where(constant, 0.0, y - np.mean(y, axis=-1, keepdims=True))
    nfft = 1 << (2 * n - 1).bit_length()  # smallest power of two >= 2n
    f = np.fft.rfft(centred, n=nfft, axis=-1)
    acov = np.fft.irfft(f.real ** 2 + f.imag ** 2, n=nfft, axis=-1)[..., :n]
    c0 = acov[..., :1]
    rho = np.divide(acov, c0, out=np.zeros_like(acov), where=c0 > 0)
    rho[..., 0] = 1.0
    return rho


def _windowed_tau(rho: np.ndarray, c: float) -> np.ndarray:
    """Sokal's self-consistent window applied along the last axis of `rho`."""
    n = rho.shape[-1]
    taus = 2.0 * np.cumsum(rho, axis=-1) - 1.0  # taus[..., M] = 1 + 2 sum_{t=1}^{M} rho(t)
    lags = np.arange(n, dtype=np.float64)
    ok = lags >= c * np.maximum(taus, 1.0)
    window = np.where(ok.any(axis=-1), np.argmax(ok, axis=-1), n - 1)
    return np.take_along_axis(taus, window[..., None], axis=-1)[..., 0]


def _tau_pooled(arr: np.ndarray, c: float) -> float:
    rho = _acf_last(arr).reshape(-1, arr.shape[-1]).mean(axis=0)
    return float(_windowed_tau(rho, c))


def _tau_or_nan(arr: np.ndarray, c: float) -> float:
    """The pooled tau, or nan for a single record per chain (no lag to correlate)."""
    return _tau_pooled(arr, c) if arr.shape[-1] >= 2 else np.nan


def _ess_from_tau(total: int, tau: float, as_nan: bool = False) -> float:
    if not tau > 0:
        if as_nan:
            return np.nan
        raise ValueError(
            f"the effective sample size is undefined: the windowed integrated autocorrelation "
            f"time estimate is {tau!r} <= 0 (a strongly anti-correlated trace)")
    return total / tau


# --------------------------------------------------------------------------- public API

def autocorrelation(x: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Normalised autocorrelation function :math:`\rho(t)`, :math:`t = 0, \dots, n-1`.

    For a trace :math:`x_0, \dots, x_{n-1}` with sample mean :math:`\bar x`,

    .. math::

        C(t) = \frac{1}{n} \sum_{s=0}^{n-1-t} (x_s - \bar x)(x_{s+t} - \bar x),
        \qquad \rho(t) = \frac{C(t)}{C(0)}.

    The :math:`1/n` (not :math:`1/(n-t)`) normalisation is the standard biased estimator:
    it is positive semi-definite and has smaller mean squared error at large lags. It is
    computed in :math:`O(n \log n)` with a real FFT zero-padded to the smallest power of two
    :math:`\ge 2n`, which removes the circular wrap-around. The trace is divided by its
    largest magnitude first (harmless, since :math:`\rho` is scale-free), so traces near
    the float64 range do not overflow.

    Parameters
    ----------
    x : array_like
        Finite real trace(s). Integers and bools are converted to float64.
    axis : int, optional
        The time axis (default: last). Every other axis indexes separate traces, each
        with its own mean removed and its own normalisation.

    Returns
    -------
    rho : ndarray of float64
        Same shape as `x`; along `axis`, :math:`\rho(0), \rho(1), \dots, \rho(n-1)`
        (lags in recorded steps). :math:`\rho(0) = 1` exactly and :math:`|\rho(t)| \le 1`.
        A constant trace (zero variance) has no defined autocorrelation; by convention it
        gets :math:`\rho = (1, 0, 0, \dots)`, the autocorrelation of independent samples,
        without nan or warning.

    Raises
    ------
    TypeError
        `x` is not real numeric (complex, object, strings), or `axis` is not an integer.
    ValueError
        `x` is ragged or a scalar, has fewer than 2 samples along `axis`, holds no trace,
        or is not finite; `axis` is out of bounds.

    See Also
    --------
    integrated_autocorrelation_time : the windowed sum of :math:`\rho`.

    Examples
    --------
    >>> import numpy as np
    >>> from boltz.numerics.mcmc_statistics import autocorrelation
    >>> autocorrelation([1.0, 2.0, 1.0, 2.0])
    array([ 1.  , -0.75,  0.5 , -0.25])
    >>> autocorrelation([[3.0, 3.0, 3.0], [1.0, 2.0, 3.0]])
    array([[ 1. ,  0. ,  0. ],
           [ 1. ,  0. , -0.5]])
    """
    arr = _as_traces(x, axis)
    return np.moveaxis(_acf_last(arr), -1, axis)


def integrated_autocorrelation_time(x: ArrayLike, axis: int = -1, c: float = 5.0, *,
                                    per_chain: bool = False,
                                    undefined: str = "raise") -> float | np.ndarray:
    r"""Integrated autocorrelation time :math:`\tau_\mathrm{int}` with Sokal's automatic window.

    .. math::

        \hat\tau(M) = 1 + 2 \sum_{t=1}^{M} \hat\rho(t), \qquad
        \hat\tau_\mathrm{int} = \hat\tau(M^*), \quad
        M^* = \min\{M : M \ge c \,\max(\hat\tau(M), 1)\},

    with :math:`\hat\rho` from :func:`autocorrelation` (Sokal 1997; emcee's
    ``integrated_time``). The variance of the mean of :math:`N` correlated samples is
    :math:`\sigma^2 \tau_\mathrm{int} / N`, so :math:`\tau_\mathrm{int} = 1` for independent
    samples and the effective sample size is :math:`N / \tau_\mathrm{int}`. Units: recorded
    steps of the trace. If no lag satisfies the condition the whole trace is used
    (:math:`M^* = n - 1`); the estimate is then biased low, and in general it is only
    reliable for :math:`n \gtrsim 50\,\tau` (emcee's rule of thumb). Its relative standard
    error is about :math:`\sqrt{2(2M^*+1)/N}`.

    The ``max(., 1)`` in the window rule differs from emcee only when emcee's window
    would be shorter than `c` lags, which happens for anti-correlated chains: there the
    plain rule stops at :math:`M = 1`, e.g. :math:`1 + 2\rho(1) = 0` for an AR(1) chain with
    :math:`\phi = -1/2` whose true :math:`\tau` is 1/3; with the floor the sum runs to lag
    :math:`\ge c` and gives 0.3125 for ``c=5``. For positively correlated chains the two
    rules agree.

    The result is not clamped: anti-correlated chains (e.g. over-relaxation) really have
    :math:`\tau < 1` (more information per sample than independent draws), and for strongly
    anti-correlated or deterministic alternating traces the truncated sum can even be
    :math:`\le 0`, where it no longer estimates anything (:func:`effective_sample_size`
    raises then). A constant trace gives :math:`\tau = 1` (see :func:`autocorrelation`).

    Parameters
    ----------
    x : array_like
        Finite real trace(s), e.g. shape ``(n,)`` or ``(chains, n)``.
    axis : int, optional
        The time axis (default: last); every other axis indexes chains.
    c : float, optional
        Window constant, finite and > 0 (default 5, as Sokal and emcee). Larger `c`: less
        truncation bias, more variance.
    per_chain : bool, optional, keyword-only
        False (default): average the normalised autocorrelation functions of all chains
        first, as emcee does, and return one :math:`\tau` (the chains should sample the
        same distribution and be equally long, which they are here by construction).
        True: one :math:`\tau` per chain, each from its own autocorrelation function.
    undefined : {"raise", "nan"}, optional, keyword-only
        With ``"nan"``, a trace of a single record gives ``nan`` instead of a ValueError
        (see the module notes).

    Returns
    -------
    tau : float or ndarray of float64
        A float when ``per_chain=False``; otherwise an array of the shape of `x` without
        `axis` (0-d for a single trace).

    Raises
    ------
    TypeError
        `x` not real numeric, `axis` not an integer, `c` not a real number, or
        `per_chain` not a bool.
    ValueError
        As in :func:`autocorrelation`, or ``c <= 0`` or non-finite.

    References
    ----------
    A. D. Sokal, "Monte Carlo Methods in Statistical Mechanics: Foundations and New
    Algorithms", in *Functional Integration*, Springer (1997), section 3.
    D. Foreman-Mackey et al., emcee, ``emcee.autocorr.integrated_time``.

    Examples
    --------
    >>> import numpy as np
    >>> from boltz.numerics.mcmc_statistics import integrated_autocorrelation_time
    >>> integrated_autocorrelation_time(np.ones(100))
    1.0
    >>> x = np.random.default_rng(0).normal(size=(4, 4000))
    >>> round(integrated_autocorrelation_time(x), 1)
    1.0
    >>> integrated_autocorrelation_time(x, per_chain=True).shape
    (4,)
    """
    as_nan = _check_undefined(undefined)
    arr = _as_traces(x, axis, 0 if as_nan else 2)
    c = _check_c(c)
    if check_bool(per_chain, "per_chain"):
        if arr.shape[-1] < 2:
            return np.full(arr.shape[:-1], np.nan)[()]
        return _windowed_tau(_acf_last(arr), c)
    return _tau_or_nan(arr, c)


def effective_sample_size(x: ArrayLike, axis: int = -1, *, c: float = 5.0,
                          undefined: str = "raise") -> float:
    r"""Effective sample size :math:`N_\mathrm{eff} = N / \tau_\mathrm{int}`.

    :math:`N` is the total number of samples (all chains together, ``x.size``) and
    :math:`\tau_\mathrm{int}` the pooled estimate of
    :func:`integrated_autocorrelation_time` (chain autocorrelations averaged). The mean of
    the samples then has variance :math:`\sigma^2 / N_\mathrm{eff}`. Independent samples give
    :math:`N_\mathrm{eff} \approx N`; anti-correlated ones can give :math:`N_\mathrm{eff} > N`.

    Parameters
    ----------
    x : array_like
        Finite real trace(s), e.g. shape ``(n,)`` or ``(chains, n)``.
    axis : int, optional
        The time axis (default: last); every other axis indexes chains.
    c : float, optional, keyword-only
        Window constant passed to :func:`integrated_autocorrelation_time`.
    undefined : {"raise", "nan"}, optional, keyword-only
        With ``"nan"``, a single record per chain or :math:`\tau \le 0` gives ``nan``
        instead of a ValueError.

    Returns
    -------
    ess : float
        In samples; not rounded.

    Raises
    ------
    TypeError, ValueError
        As in :func:`integrated_autocorrelation_time`; also ValueError when the
        :math:`\tau` estimate is :math:`\le 0` (strongly anti-correlated trace), where
        :math:`N/\tau` is meaningless.

    Examples
    --------
    >>> from boltz.numerics.mcmc_statistics import effective_sample_size
    >>> effective_sample_size([[5.0, 5.0, 5.0], [2.0, 2.0, 2.0]])
    6.0
    """
    as_nan = _check_undefined(undefined)
    arr = _as_traces(x, axis, 0 if as_nan else 2)
    return _ess_from_tau(arr.size, _tau_or_nan(arr, _check_c(c)), as_nan)


def mean_and_standard_error(x: ArrayLike, axis: int = -1, *, c: float = 5.0,
                            undefined: str = "raise") -> tuple[float, float]:
    r"""Mean of all samples and its standard error corrected for autocorrelation.

    .. math::

        \bar x = \frac{1}{N}\sum_i x_i, \qquad
        s^2 = \frac{1}{N-1}\sum_i (x_i - \bar x)^2, \qquad
        \mathrm{se} = \sqrt{s^2 / N_\mathrm{eff}} = \sqrt{s^2\,\tau_\mathrm{int} / N},

    over all :math:`N` samples pooled (every chain), with :math:`N_\mathrm{eff}` from
    :func:`effective_sample_size`. ``se`` is in the units of `x`. If the chains disagree
    (not converged), the pooled :math:`s^2` includes the between-chain spread; compare with
    :func:`chain_spread_error` of the per-chain means to detect that.

    Parameters
    ----------
    x : array_like
        Finite real trace(s), e.g. shape ``(n,)`` or ``(chains, n)``.
    axis : int, optional
        The time axis (default: last); every other axis indexes chains.
    c : float, optional, keyword-only
        Window constant passed to :func:`integrated_autocorrelation_time`.
    undefined : {"raise", "nan"}, optional, keyword-only
        ``"raise"`` (default): a ValueError where the effective sample size is undefined
        (a single record per chain, or :math:`\tau \le 0`). ``"nan"``: the mean, with
        ``se = nan`` there: the error of the mean cannot be estimated from these records
        (run longer).

    Returns
    -------
    mean, se : float
        A constant input gives ``se == 0``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`effective_sample_size` (with ``undefined="raise"``).

    Examples
    --------
    >>> from boltz.numerics.mcmc_statistics import mean_and_standard_error
    >>> mean_and_standard_error([2.0, 2.0, 2.0, 2.0])
    (2.0, 0.0)
    """
    as_nan = _check_undefined(undefined)
    arr = _as_traces(x, axis, 0 if as_nan else 2)
    ess = _ess_from_tau(arr.size, _tau_or_nan(arr, _check_c(c)), as_nan)
    flat = arr.reshape(-1)
    if flat.size == 0:                        # no record at all (undefined="nan")
        return np.nan, np.nan
    scale = float(np.max(np.abs(flat))) or 1.0
    y = flat / scale  # keeps the sum of squares finite near the float64 range
    mean = float(np.mean(y)) * scale
    if np.isnan(ess):
        return mean, np.nan
    se = float(np.sqrt(np.var(y, ddof=1) / ess)) * scale
    return mean, se


def chain_spread_error(values: ArrayLike) -> float:
    r"""Standard error of the mean of independent per-chain estimates.

    .. math::

        \mathrm{se} = \frac{s}{\sqrt{k}}, \qquad
        s^2 = \frac{1}{k-1} \sum_{j=1}^{k} (v_j - \bar v)^2,

    for :math:`k` estimates :math:`v_j` (one per independent chain, e.g. per-chain means).
    Needs no autocorrelation model, but with few chains :math:`s` is itself uncertain
    (relative error about :math:`1/\sqrt{2(k-1)}`); use Student's t with :math:`k-1`
    degrees of freedom for confidence intervals. In the units of `values`.

    Parameters
    ----------
    values : array_like, 1-D
        Finite real per-chain estimates, at least 2.

    Returns
    -------
    se : float

    Raises
    ------
    TypeError
        `values` is not real numeric.
    ValueError
        `values` is not 1-D, has fewer than 2 entries, or is not finite.

    Examples
    --------
    >>> from boltz.numerics.mcmc_statistics import chain_spread_error
    >>> chain_spread_error([1.0, 2.0, 3.0, 4.0])
    0.6454972243679028
    """
    v = as_float_array(values, "values", dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D (one estimate per chain); got shape {v.shape}")
    if v.size < 2:
        raise ValueError(f"values must hold at least 2 estimates; got {v.size}")
    v = as_float_array(v, "values", finite=True)
    scale = float(np.max(np.abs(v))) or 1.0
    return float(np.std(v / scale, ddof=1) / np.sqrt(v.size)) * scale
