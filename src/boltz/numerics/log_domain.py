"""Log-domain reductions: log-sum-exp, softmax and log-softmax, exact at the edges."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from boltz._core import _logsumexp
from boltz._validation import (
    as_float_array,
    as_rows,
    check_axes,
    check_bool,
    check_temperature,
    reduced_shape,
    resolve_num_threads,
    threads_for_work,
)

__all__ = ["logsumexp", "softmax", "log_softmax"]

# The kernels compute exp((x - m) * s) with s = 1/T and the difference in x's dtype. That is
# exact up to rounding when s is a normal number of the dtype (float32 rounds 1/T = 1e39 to
# inf, giving 0 * inf = nan at the maximum, and 1/T = 1e-46 to 0, giving -inf * 0 = nan) and
# when a difference that overflows to -inf stands for a term that really is 0 (or -inf in
# log space). Other temperatures go through reduced_logits in float64 instead.


def _kernel_scale(x: np.ndarray, temperature: float, overflow_is_zero: bool) -> float | None:
    """1/T if the kernels may use it on `x` as they are, else None (see the note above).

    `overflow_is_zero`: an overflowed difference only has to give a zero probability (softmax),
    not the logarithm of one (log-softmax).
    """
    fi = np.finfo(x.dtype)
    scale = 1.0 / temperature
    if not float(fi.tiny) <= scale <= float(fi.max):
        return None
    # |x - m| > max overflows to -inf; then |x - m| / T > max * scale
    if scale >= 1.0 or (overflow_is_zero and scale * float(fi.max) >= 1024.0):
        return scale
    # an overflow needs a finite |x| > max / 2; checked only for T > 1 (and huge T in softmax),
    # by two reductions without temporaries, and elementwise only when they see large values
    half = float(fi.max) / 2
    if x.size == 0 or (-half <= x.min() and x.max() <= half):
        return scale
    with np.errstate(invalid="ignore"):
        a = np.abs(x)
        risky = np.any((a > half) & (a < np.inf))
    return None if risky else scale


def reduced_logits(x: np.ndarray, ref, temperature) -> np.ndarray:
    r""":math:`(x - \mathrm{ref}) / T` in float64, for any positive finite T (scalar or
    array broadcasting against `x`) and any dtype of `x`.

    The difference never overflows unless the quotient does: for :math:`T \ge 1` it is
    formed as :math:`(x/2 - \mathrm{ref}/2) / (T/2)` (halving is exact but for subnormals,
    whose error, below 2^-1074, cannot matter here).
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        small = (x - ref) / temperature
        if np.all(np.asarray(temperature) < 1.0):
            return small
        return np.where(np.asarray(temperature) < 1.0, small,
                        (x * 0.5 - np.multiply(ref, 0.5)) / np.multiply(temperature, 0.5))


def _careful_softmax_rows(rows, temperature, log_output, nthreads):
    """softmax_rows at a temperature the kernels cannot take: the logits (x - m)/T of every
    row with a finite maximum m are formed in float64 first and the kernel runs at T = 1.
    Rows with an infinite or nan entry as maximum are settled by the kernel without T."""
    x = rows.astype(np.float64)
    if x.shape[1] == 0:
        return np.empty_like(rows)
    m = np.max(x, axis=1, keepdims=True)           # nan when the row holds a nan
    finite = np.isfinite(m)
    z = np.where(finite, reduced_logits(x, np.where(finite, m, 0.0), temperature), x)
    out = np.empty_like(z)
    _logsumexp.softmax_rows(z, out, 1.0, log_output, nthreads)
    with np.errstate(over="ignore"):              # a float32 log below -3.4e38 is -inf
        return out.astype(rows.dtype, copy=False)


def logsumexp(a: ArrayLike, axis: int | tuple[int, ...] | None = None,
              b: ArrayLike | None = None, keepdims: bool = False, return_sign: bool = False,
              *, num_threads: int | None = None
              ) -> np.ndarray | np.floating | tuple[np.ndarray | np.floating, ...]:
    r"""Logarithm of the sum of exponentials, :math:`\log \sum_i b_i e^{a_i}`, computed stably.

    A drop-in for :func:`scipy.special.logsumexp` for real input, faster and more accurate:
    with :math:`m = \max_i a_i`, it returns
    :math:`m + \log c + \operatorname{log1p}\big(\sum_{a_i < m} b_i e^{a_i - m} / c\big)`,
    where :math:`c = \sum_{a_i = m} b_i`, so a sum dominated by one term keeps full relative
    precision (``log(1 + tiny)`` never rounds ``tiny`` away; naive code returns 0 below).

    In statistical mechanics, with :math:`a_i = -E_i / k_B T` this is :math:`\log Z`.

    Parameters
    ----------
    a : array_like
        Real input, float32 or float64 (integers and bools are converted to float64). Any
        strides. Strings, complex and object arrays are a TypeError.
    axis : None or int or tuple of ints, optional
        Axes to reduce over. ``None`` (default) reduces over all of them.
    b : array_like, optional
        Weights :math:`b_i`, broadcast against `a`. An element with ``b == 0`` is excluded,
        whatever `a` holds there (even ``+inf`` or ``nan``). Negative weights are allowed;
        a negative total needs ``return_sign=True``.
    keepdims : bool, optional
        Keep the reduced axes with length one, so the result broadcasts against `a`.
    return_sign : bool, optional
        Also return the sign of the sum (+1, -1, or 0 when the sum is exactly zero).
    num_threads : int, optional
        OpenMP threads. ``None`` uses what OpenMP would (``OMP_NUM_THREADS``, threadpoolctl).
        The result does not depend on it.

    Returns
    -------
    res : ndarray or numpy scalar
        :math:`\log|\sum_i b_i e^{a_i}|`, float32 for float32 input else float64. Where the
        sum is negative and ``return_sign`` is False the result is ``nan``.
    sgn : ndarray or numpy scalar
        Only with ``return_sign=True``.

    Notes
    -----
    Edge cases, as in SciPy: any ``nan`` gives ``nan``; a ``+inf`` gives ``+inf``; all
    ``-inf`` gives ``-inf``; an empty reduction gives ``-inf`` with sign 0 (SciPy says -1).
    ``+inf`` entries whose weights cancel give ``nan``.

    Examples
    --------
    >>> import math, numpy as np, boltz
    >>> res = boltz.logsumexp([0.0, -40.0])       # log(1 + e^-40) = e^-40 (1 - e^-40 / 2)
    >>> bool(abs(res - math.exp(-40.0)) <= 4e-16 * math.exp(-40.0))
    True
    >>> float(np.log(np.sum(np.exp([0.0, -40.0]))))   # the naive formula
    0.0
    """
    a = as_float_array(a, "a")
    keepdims = check_bool(keepdims, "keepdims")
    return_sign = check_bool(return_sign, "return_sign")
    if b is not None:
        b = as_float_array(b, "b")
        try:
            a, b = np.broadcast_arrays(a, b)
        except ValueError:
            raise ValueError(f"b with shape {b.shape} does not broadcast against a with "
                             f"shape {a.shape}") from None
        dtype = np.result_type(a.dtype, b.dtype)
        a = np.where(b == 0, -np.inf, a).astype(dtype, copy=False)
        b = b.astype(dtype, copy=False)
    dtype = a.dtype
    axes = check_axes(axis, a.ndim)
    nthreads = threads_for_work(resolve_num_threads(num_threads), a.size)

    x = as_rows(a, axes)
    w = None if b is None else as_rows(b, axes)
    val, sgn = _logsumexp.logsumexp_rows(x, w, 1.0, nthreads)
    if not return_sign:
        val[sgn < 0] = np.nan
    shape = reduced_shape(a.shape, axes, keepdims)
    val = val.astype(dtype, copy=False).reshape(shape)[()]
    if return_sign:
        return val, sgn.astype(dtype, copy=False).reshape(shape)[()]
    return val


def _softmax(x, axis, temperature, num_threads, log_output):
    x = as_float_array(x, "x")
    temperature = check_temperature(temperature, scalar=True)
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension")
    axes = check_axes(axis, x.ndim)
    if len(axes) != 1:
        raise ValueError(f"axis must name one axis of x (shape {x.shape}), got {axis!r}")
    (ax,) = axes
    nthreads = threads_for_work(resolve_num_threads(num_threads), x.size)
    rows = as_rows(x, (ax,))
    scale = _kernel_scale(rows, temperature, not log_output)
    if scale is None:
        out = _careful_softmax_rows(rows, temperature, log_output, nthreads)
    else:
        out = np.empty_like(rows)
        _logsumexp.softmax_rows(rows, out, scale, log_output, nthreads)
    # undo as_rows: the reduced axis is last in `out`
    moved_shape = (*tuple(s for i, s in enumerate(x.shape) if i != ax), x.shape[ax])
    return np.moveaxis(out.reshape(moved_shape), -1, ax)


def softmax(x: ArrayLike, axis: int = -1, temperature: float = 1.0, *,
            num_threads: int | None = None) -> np.ndarray:
    r"""Softmax at a temperature: :math:`p_i = e^{x_i / T} / \sum_j e^{x_j / T}`.

    `x` are scores or logits (larger is likelier); for energies use
    :func:`boltz.boltzmann_probs`. Computed as :math:`e^{(x_i - m)/T}` with
    :math:`m = \max_j x_j`, so it never overflows and behaves at the limits:

    * :math:`T \to 0` gives the argmax, ties sharing the mass equally;
    * large :math:`T` gives the uniform distribution;
    * ``+inf`` entries share all the mass equally (no ``nan``);
    * any ``nan`` in a slice, or a slice that is all ``-inf`` (0/0: no distribution), gives
      ``nan`` over that whole slice.

    Parameters
    ----------
    x : array_like
        Real scores, float32 or float64 (integers are converted to float64).
    axis : int, optional
        The axis along which the probabilities sum to 1. Default: the last.
    temperature : float, optional
        :math:`T > 0`, finite; in the units of `x`. Default 1.
    num_threads : int, optional
        OpenMP threads over slices (``None``: OpenMP's default). Results do not depend on it.

    Returns
    -------
    ndarray
        Same shape and dtype as `x` (float64 for integer input); sums to 1 along `axis`.

    Examples
    --------
    >>> import boltz
    >>> boltz.softmax([1.0, 2.0, 2.0], temperature=1e-9).tolist()
    [0.0, 0.5, 0.5]
    """
    return _softmax(x, axis, temperature, num_threads, False)


def log_softmax(x: ArrayLike, axis: int = -1, temperature: float = 1.0, *,
                num_threads: int | None = None) -> np.ndarray:
    r"""Logarithm of :func:`softmax`: :math:`x_i/T - \log \sum_j e^{x_j / T}`.

    Computed directly (not as ``log(softmax)``), so tiny probabilities keep their logs:
    ``log_softmax([0, -1000])`` is ``[0, -1000]``. Same edge cases and arguments as
    :func:`softmax`; ``+inf`` entries get :math:`-\log c` for :math:`c` of them and the
    others ``-inf``.

    Parameters
    ----------
    x : array_like
        Real scores, float32 or float64 (integers are converted to float64).
    axis : int, optional
        The axis of the distribution. Default: the last.
    temperature : float, optional
        :math:`T > 0`, finite; in the units of `x`. Default 1.
    num_threads : int, optional
        OpenMP threads over slices (``None``: OpenMP's default). Results do not depend on it.

    Returns
    -------
    ndarray
        Same shape and dtype as `x` (float64 for integer input).
    """
    return _softmax(x, axis, temperature, num_threads, True)
