"""Argument checks shared by the public functions. Kernels trust what passes here."""
from __future__ import annotations

import numbers

import numpy as np

try:
    from numpy.lib.array_utils import normalize_axis_tuple
except ImportError:  # numpy < 2.0
    from numpy.core.numeric import normalize_axis_tuple

from boltz._core import _parallel


def as_float_array(x, name: str) -> np.ndarray:
    """`x` as an ndarray of float32 or float64 (integers and bools become float64,
    float16 becomes float32). Complex, object and long-double input is a TypeError."""
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be a rectangular array of numbers: {exc}") from None
    kind = arr.dtype.kind
    if kind in "biu":
        return arr.astype(np.float64)
    if kind == "f":
        if arr.dtype == np.float16:
            return arr.astype(np.float32)
        if arr.dtype in (np.float32, np.float64):
            return arr
    raise TypeError(
        f"{name} must be a real array of float32 or float64 values "
        f"(integers and bools are converted); got dtype {arr.dtype}"
    )


def check_temperature(temperature, name: str = "temperature") -> np.ndarray | float:
    """A finite temperature > 0 (scalar or array); returned as float or float64 array."""
    try:
        t = np.asarray(temperature, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a positive real number or array of them, "
                        f"got {temperature!r}") from None
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {temperature!r}")
    return float(t) if t.ndim == 0 else t


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_real(value, name: str, *, above=None, at_least=None, below=None) -> float:
    """A finite real number (bools refused) with optional bounds: > above, >= at_least,
    < below. Returned as float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    bounds = [f"> {above}" if above is not None else None,
              f">= {at_least}" if at_least is not None else None,
              f"< {below}" if below is not None else None]
    if not (np.isfinite(value) and (above is None or value > above)
            and (at_least is None or value >= at_least) and (below is None or value < below)):
        rule = " and ".join(b for b in bounds if b)
        raise ValueError(f"{name} must be finite{' and ' + rule if rule else ''}, "
                         f"got {value!r}")
    return value


def check_axes(axis, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """axis (None, int or tuple of ints) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    try:
        return tuple(sorted(normalize_axis_tuple(axis, ndim, argname=name)))
    except TypeError:
        raise TypeError(f"{name} must be None, an int or a tuple of ints, got {axis!r}") from None
    except np.exceptions.AxisError as exc:
        raise ValueError(str(exc)) from None


def resolve_num_threads(num_threads) -> int:
    """num_threads=None: what OpenMP would use now (OMP_NUM_THREADS, threadpoolctl).
    An int >= 1 is used as given for this call only."""
    if num_threads is None:
        return max(1, _parallel.default_num_threads())
    return check_positive_int(num_threads, "num_threads")


def as_rows(arr: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """View/copy of `arr` as a C-contiguous (rows, n) array whose rows run over `axes`."""
    kept = [i for i in range(arr.ndim) if i not in axes]
    moved = np.transpose(arr, kept + list(axes))
    rows = int(np.prod([arr.shape[i] for i in kept], dtype=np.int64))
    n = int(np.prod([arr.shape[i] for i in axes], dtype=np.int64))
    return np.ascontiguousarray(moved).reshape(rows, n)


def reduced_shape(shape, axes, keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)
