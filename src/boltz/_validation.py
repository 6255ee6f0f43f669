"""The argument contract: every check of a public argument goes through this module.

Kernels trust what passes here. Like numpy.random's ``check_constraint``, a check is one call
that names the argument and states the constraint, so the same rule reads the same
everywhere and its message always names the argument and what was expected.

Rules
-----
- A string is never a number: ``"0.5"`` where a number is expected is a TypeError, in a
  scalar or inside an array.
- A bool is not a number either: ``True`` where an integer or a real number is expected is a
  TypeError. (Data arrays are the exception: :func:`as_float_array` converts bool arrays,
  which are binary data.)
- Wrong type: TypeError. Right type, wrong value (out of range, nan, wrong shape):
  ValueError. Both name the argument and say what was expected.
- Named options (``method="gibbs"``) are checked by :func:`check_choice`, which gives the
  same message for an unknown and for an unhashable value.

Parameter names
---------------
Samplers and functions use dimod's names: ``num_reads``, ``num_sweeps``, ``num_chains``,
``num_threads``, ``seed``, ``initial_states``. Classes that are scikit-learn estimators
keep scikit-learn's: ``n_components``, ``n_iter``, ``batch_size``, ``random_state``,
``n_visible`` / ``n_hidden``; their sampling settings take the samplers' names
(``num_sweeps``, ``num_chains``, ``burn_in``, and ``seed`` for one call). A renamed
parameter keeps its old name as an alias that raises a DeprecationWarning for one minor
version (:func:`renamed_parameter`).

The checks
----------
Scalars: :func:`check_real`, :func:`check_int` (:func:`check_positive_int`),
:func:`check_bool`, :func:`check_verbose`, :func:`check_choice`, :func:`check_temperature`,
:func:`check_beta`, :func:`check_shape`, :func:`check_float_dtype`
(:func:`follow_float_dtype`: scikit-learn's rule for ``dtype=None``). Arrays:
:func:`as_float_array`, :func:`check_binary`, :func:`as_class_labels`. Axes and threads:
:func:`check_axes`, :func:`check_axis`, :func:`resolve_num_threads` (the thread policy),
:func:`threads_for_work`.
Reshaping helpers for the reductions: :func:`as_rows`, :func:`reduced_shape`.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping

import numpy as np

from boltz._core import _parallel


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def refuse_masked(value, name: str) -> None:
    """Masked arrays are a TypeError: boltz would silently compute with the masked values
    (a mask has no meaning for couplings, energies, data or edges)."""
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name}: masked arrays are not supported (the mask would be "
                        f"ignored): fill or compress them first (numpy.ma.filled, "
                        f".compressed())")


def _unwrap_0d(value, name: str):
    """A 0-d real ndarray as its scalar (so ``np.array(2.0)`` passes as a number); a masked
    array is refused."""
    refuse_masked(value, name)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return value[()]
    return value


def _shown(value) -> str:
    """An argument as a message shows it: its repr on one line, cut to about 40 characters
    (an integer of thousands of digits cannot even be converted to a string)."""
    if isinstance(value, numbers.Integral) and abs(int(value)).bit_length() > 128:
        sign = "a negative" if value < 0 else "an"
        return f"{sign} integer of {abs(int(value)).bit_length()} bits"
    text = " ".join(repr(value).split())           # one line
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text)} characters)"


def _bounds_text(above, at_least, below, at_most) -> str:
    parts = [f"{op} {b}" for op, b in ((">", above), (">=", at_least), ("<", below),
                                       ("<=", at_most)) if b is not None]
    return " and ".join(parts)


# ---- scalars ------------------------------------------------------------------------------

def check_real(value, name: str, *, above=None, at_least=None, below=None,
               at_most=None) -> float:
    """A finite real number (not a bool, not a string) with optional bounds, as a float.

    Parameters
    ----------
    value : object
        The argument: a Python or NumPy real number, or a 0-d real array.
    name : str
        The argument's name, used in the messages.
    above, at_least, below, at_most : float, optional
        Bounds: ``value > above``, ``>= at_least``, ``< below``, ``<= at_most``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        Not a real number.
    ValueError
        nan, infinite (or an integer beyond float64), or outside the bounds.
    """
    value = _unwrap_0d(value, name)
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_shown(value)} "
                        f"({type(value).__name__})")
    try:
        x = float(value)
    except OverflowError:                    # an int beyond float64
        x = math.inf
    ok = math.isfinite(x) and (
        (above is None or x > above) and (at_least is None or x >= at_least)
        and (below is None or x < below) and (at_most is None or x <= at_most))
    if not ok:
        rule = _bounds_text(above, at_least, below, at_most)
        raise ValueError(f"{name} must be finite{' and ' + rule if rule else ''}, "
                         f"got {_shown(value)}")
    return x


def check_int(value, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """An integer (Python or NumPy; not a bool, float or string) within optional bounds.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        The argument's name, used in the messages.
    minimum, maximum : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        Not an integer (``2.0`` and ``True`` are not integers here).
    ValueError
        Outside the bounds.
    """
    value = _unwrap_0d(value, name)
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_shown(value)} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {_shown(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {_shown(value)}")
    return int(value)


#: The largest count (of chains, sweeps, samples, ...) accepted: C's int64 counters hold it,
#: and no run reaches it (a larger one was an OverflowError in C, or ran for ever).
COUNT_MAX = 2**63 - 1


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """A count of things: :func:`check_int` in ``[minimum, COUNT_MAX]``, `minimum` 1 by
    default."""
    return check_int(value, name, minimum=minimum, maximum=COUNT_MAX)


def check_bool(value, name: str) -> bool:
    """A yes/no argument: a Python or NumPy bool, or the integers 0 and 1 (as NumPy and
    scikit-learn accept them); a string, whose truth would be its length, is refused.

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        Anything else.
    """
    if _is_bool(value) or (isinstance(value, numbers.Integral) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {_shown(value)}")


def check_verbose(value, name: str = "verbose") -> int:
    """A verbosity level: an integer >= 0 (True and False count as 1 and 0)."""
    if _is_bool(value):
        return int(value)
    return check_int(value, name, minimum=0)


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """numpy.float32 or numpy.float64, in any spelling :class:`numpy.dtype` understands."""
    try:
        with warnings.catch_warnings():       # what an odd object's methods warn about
            warnings.simplefilter("ignore")
            dt = np.dtype(dtype)
    except Exception:                         # numpy raises what the object's methods raise
        raise TypeError(f"{name} must be float32 or float64, got {_shown(dtype)}") from None
    if dt not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {dt}")
    return dt


def follow_float_dtype(data_dtype) -> np.dtype:
    """The working dtype that follows the data (scikit-learn's rule for estimators that
    keep float32): float32 for float32 data, float64 for anything else (float64, float16,
    ints, bools, objects, or None)."""
    if data_dtype is not None and np.dtype(data_dtype) == np.float32:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def renamed_parameter(old: str, new: str, removed_in: str = "0.3") -> None:
    """Warn (DeprecationWarning) that argument or attribute `old` is now called `new`."""
    warn_user(f"{old} is deprecated and will be removed in {removed_in}: use {new}",
              DeprecationWarning)


def check_choice(value, name: str, options):
    """One of the named `options`; with a mapping, the value it maps `value` to.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        The argument's name, used in the messages.
    options : sequence or mapping
        The allowed values (a mapping's keys); an unhashable `value` (a list, say) is
        refused with the same message as an unknown one, not with "unhashable type".

    Returns
    -------
    object
        `value`, or ``options[value]`` for a mapping.

    Raises
    ------
    TypeError
        `value` is not a string while every option is one (``method=['gibbs']``).
    ValueError
        `value` is not one of the options.
    """
    listed = ", ".join(repr(o) for o in options)
    try:
        known = value in options
    except TypeError:                            # unhashable, e.g. a list
        known = False
    if not known:
        exc = (TypeError if all(isinstance(o, str) for o in options)
               and not isinstance(value, str) else ValueError)
        raise exc(f"{name} must be one of {listed}; got {_shown(value)}")
    return options[value] if isinstance(options, Mapping) else value


def check_temperature(temperature, name: str = "temperature", *,
                      scalar: bool = False) -> np.ndarray | float:
    """A finite temperature T > 0, scalar or array (only a scalar with ``scalar=True``).

    Returns
    -------
    float or ndarray of float64
        A float for a scalar (or 0-d array), else a float64 array of the same shape.

    Raises
    ------
    TypeError
        Not real (strings, bools, complex, objects).
    ValueError
        Some value is nan, infinite or <= 0.
    """
    temperature = _unwrap_0d(temperature, name)
    if scalar and not isinstance(temperature, (numbers.Real, str)) and np.ndim(temperature):
        raise TypeError(f"{name} must be a single real number here (one temperature per call; "
                        f"boltz.thermodynamics takes many), got {temperature!r}")
    if scalar or (np.ndim(temperature) == 0 and not isinstance(temperature, np.ndarray)):
        return check_real(temperature, name, above=0.0)
    return as_float_array(temperature, name, above=0.0, finite=True, dtype=np.float64,
                          bools=False)


def check_beta(beta, name: str = "beta") -> float:
    """An inverse temperature: a finite real number >= 0, as a float."""
    return check_real(beta, name, at_least=0.0)


_MAX_DIMS = 64      # NumPy's limit on an array's dimensions (32 before NumPy 2)


def check_shape(shape, name: str) -> tuple[int, ...]:
    """An output shape: None (``()``), an int, or a sequence of ints, each >= 0.

    Returns
    -------
    tuple of int

    Raises
    ------
    TypeError
        Not None, an int or a sequence of ints (strings and floats are refused).
    ValueError
        A negative entry.
    """
    shape = _unwrap_0d(shape, name)
    if shape is None:
        return ()
    if isinstance(shape, numbers.Integral) and not _is_bool(shape):
        return (check_positive_int(shape, name, minimum=0),)
    if not isinstance(shape, (tuple, list, range, np.ndarray)):
        raise TypeError(f"{name} must be None, an int or a tuple of ints, got "
                        f"{_shown(shape)}")
    if len(shape) > _MAX_DIMS:
        raise ValueError(f"{name} has {len(shape)} dimensions, more than NumPy's "
                         f"{_MAX_DIMS}")
    return tuple(check_positive_int(s, name, minimum=0) for s in shape)


# ---- arrays -------------------------------------------------------------------------------

def as_float_array(x, name: str, *, ndim: int | None = None, finite: bool = False,
                   above=None, at_least=None, dtype=None, bools: bool = True) -> np.ndarray:
    """`x` as an ndarray of float32 or float64, with optional shape and value rules.

    dtype rules: integers (and bools, unless ``bools=False``) become float64, float16
    becomes float32, float32 and float64 stay as they are; strings, complex, object,
    datetime/timedelta, structured and long-double input is refused, and so are masked
    arrays (their mask would be silently ignored). Every public dense array argument goes
    through here.

    Parameters
    ----------
    x : array_like
        The argument.
    name : str
        The argument's name, used in the messages.
    ndim : int, optional
        Required number of dimensions.
    finite : bool
        Refuse nan and ±inf.
    above, at_least : float, optional
        Every value ``> above`` / ``>= at_least`` (nan fails these).
    dtype : numpy dtype, optional
        Cast the result to it (e.g. float64 for parameters).
    bools : bool
        Accept bool arrays (default True: binary data).

    Returns
    -------
    ndarray

    Raises
    ------
    TypeError
        A refused dtype, or a masked array.
    ValueError
        Ragged input, the wrong number of dimensions, or values breaking the rules.
    """
    refuse_masked(x, name)
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be a rectangular array of numbers: {exc}") from None
    kind = arr.dtype.kind
    if kind in "iu" or (kind == "b" and bools):
        arr = arr.astype(np.float64)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    elif arr.dtype not in (np.float32, np.float64):
        accepted = "integers and bools are" if bools else "integers are"
        raise TypeError(f"{name} must be a real array of float32 or float64 values "
                        f"({accepted} converted); got dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no nan or inf)")
    if above is not None or at_least is not None:
        with np.errstate(invalid="ignore"):
            ok = np.all(arr > above) if above is not None else True
            ok = ok and (np.all(arr >= at_least) if at_least is not None else True)
        if not ok:
            raise ValueError(f"{name} must be {_bounds_text(above, at_least, None, None)}"
                             f"{' and finite' if finite else ''}, got {x!r}")
    return arr


def as_class_labels(labels, name: str, num_rows: int, num_classes: int) -> np.ndarray:
    """Class indices: a 1-D integer array of `num_rows` entries in ``[0, num_classes)``, as
    ``intp``. Integral floats (``3.0``) are accepted, as scikit-learn's classifiers accept
    them; bools, fractions, strings and objects are not."""
    refuse_masked(labels, name)
    try:
        arr = np.asarray(labels)
    except ValueError as exc:
        raise ValueError(f"{name} must be a 1-D array of class indices: {exc}") from None
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            integral = np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
        if not integral:
            raise ValueError(f"{name} must hold integer class indices, got non-integral "
                             f"values")
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an array of integer class indices, got dtype "
                        f"{arr.dtype}")
    if arr.shape != (num_rows,):
        raise ValueError(f"{name} must have shape ({num_rows},), one class per row, got "
                         f"shape {arr.shape}")
    if arr.size and not (arr.min() >= 0 and arr.max() < num_classes):
        raise ValueError(f"{name} must be class indices in [0, {num_classes}), got values "
                         f"from {_shown(arr.min())} to {_shown(arr.max())}")
    return arr.astype(np.intp)


# ---- axes and threads ---------------------------------------------------------------------

def check_binary(X, name: str, width: int) -> np.ndarray:
    """X as an int8 {0, 1} array of shape (rows, width), rows >= 1 (a single row may be
    1-D); bools, integers and floats are accepted (not masked arrays)."""
    refuse_masked(X, name)
    try:
        arr = np.asarray(X)
    except ValueError as exc:
        raise ValueError(f"{name} must be a rectangular array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold 0/1 values (bool, int or float), "
                        f"got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(f"{name} must have shape (n, {width}), got {np.shape(X)}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must have at least one row")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must be binary: every entry 0 or 1")
    return arr.astype(np.int8)


def check_axes(axis, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """axis (None, an int or a tuple of distinct ints; not bools) as a sorted tuple of axes
    >= 0, each checked by :func:`check_axis`."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, tuple):
        return (check_axis(axis, ndim, name),)
    if len(axis) > ndim:
        raise ValueError(f"{name} lists {len(axis)} axes, more than the {ndim} dimension(s)")
    axes = [check_axis(a, ndim, name) for a in axis]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name} repeats an axis: {axis!r}")
    return tuple(sorted(axes))


def check_axis(axis, ndim: int, name: str = "axis") -> int:
    """One axis: an int (not a bool) in ``[-ndim, ndim)``, returned as ``0 <= axis < ndim``."""
    ax = check_int(axis, name)
    if not -ndim <= ax < ndim:
        raise ValueError(f"{name} {ax} is out of bounds for an array with {ndim} "
                         f"dimension(s)")
    return ax % ndim


def warn_user(message: str, category: type[Warning] = RuntimeWarning) -> None:
    """Warn, filed at the first frame outside boltz (the user's line), whatever the depth."""
    import sys

    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("boltz"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


#: Threads per available core above which a call is clamped (with a warning).
THREADS_PER_CORE_LIMIT = 4


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports one)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_num_threads(num_threads) -> int:
    """The thread count one call uses: the single place where it is decided.

    None: what OpenMP would use now (``OMP_NUM_THREADS``, threadpoolctl). An int >= 1 is used
    as given for this call only. Either is clamped, with a RuntimeWarning, to
    ``THREADS_PER_CORE_LIMIT`` (4) × the available cores: results do not depend on the thread
    count, and libgomp fails to create (~10⁴) or segfaults on (~10⁵) absurd team sizes.
    """
    if num_threads is None:
        n = max(1, _parallel.default_num_threads())
        source = f"OpenMP's default of {n} threads"
    else:
        n, source = check_int(num_threads, "num_threads", minimum=1), f"num_threads={num_threads}"
    cores = available_cores()
    limit = THREADS_PER_CORE_LIMIT * cores
    if n > limit:
        warn_user(f"{source} is more than {THREADS_PER_CORE_LIMIT} threads per available core "
                  f"({cores} cores): using {limit} threads")
        n = limit
    return n


#: Elements of work (exponentials, draws) per thread below which a call runs on fewer
#: threads: starting a parallel region costs about as much as 10^4 exponentials, and on a
#: busy machine waiting for a descheduled thread costs milliseconds (a (200, 10) softmax took
#: 15 ms on 2 threads against 0.2 ms on one). Results never depend on the thread count.
PARALLEL_MIN_WORK = 32768


def threads_for_work(nthreads: int, work: int, min_work: int = PARALLEL_MIN_WORK) -> int:
    """`nthreads` (from :func:`resolve_num_threads`) capped so that each thread gets at
    least `min_work` units of `work` (default ``PARALLEL_MIN_WORK`` elements)."""
    return max(1, min(nthreads, int(work) // min_work))


def as_rows(arr: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """View/copy of `arr` as a C-contiguous (rows, n) array whose rows run over `axes`."""
    kept = [i for i in range(arr.ndim) if i not in axes]
    moved = np.transpose(arr, kept + list(axes))
    rows = int(np.prod([arr.shape[i] for i in kept], dtype=np.int64))
    n = int(np.prod([arr.shape[i] for i in axes], dtype=np.int64))
    return np.ascontiguousarray(moved).reshape(rows, n)


def reduced_shape(shape, axes, keepdims: bool) -> tuple[int, ...]:
    """`shape` with `axes` removed, or kept with length 1 when `keepdims`."""
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)
