"""The argument contract of the machines wing, on top of ``boltz._validation``.

Both machines check their constructor arguments with these (``BoltzmannMachine`` when it is
built and again when it is used, ``RBM`` in ``fit`` / ``partial_fit`` as scikit-learn
estimators do): a number is never accepted as a string, and every error is a ``TypeError``
or ``ValueError`` that names the argument.

Naming rule of the wing (stated in both machines' module docstrings):

- estimator hyperparameters and learned attributes take scikit-learn's names where
  scikit-learn has the concept: ``n_components``, ``n_iter``, ``batch_size``,
  ``learning_rate``, ``random_state``, ``warm_start``, ``verbose``, ``n_samples``, and
  ``n_visible`` / ``n_hidden`` for layer sizes;
- sampler settings take the names of boltz's samplers (:func:`boltz.sample`,
  :class:`boltz.Annealer`): ``num_sweeps``, ``num_chains``, ``num_threads``, ``burn_in``,
  ``temperature``, and ``seed`` for the randomness of one call.

A renamed argument keeps its old name for one minor version as an alias that warns
(:func:`deprecated_alias`).
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from boltz._validation import check_positive_int, check_real

SeedLike = None | int | np.random.SeedSequence | np.random.Generator
"""What every ``seed`` / ``random_state`` accepts (see ``boltz._random.seed_sequence``)."""


def check_flag(value, name: str) -> bool:
    """A yes/no argument: bool, numpy bool, or the integers 0 and 1 (never a string, whose
    truth would be its length)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """numpy.float32 or numpy.float64 (any spelling numpy.dtype understands)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from None
    if dt not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {dt}")
    return dt


def check_verbose(value, name: str = "verbose") -> int:
    """A verbosity level: an integer >= 0 (True and False count as 1 and 0)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    return check_positive_int(value, name, minimum=0)


def check_scalar_temperature(value, name: str = "temperature") -> float:
    """One temperature T > 0 (a real number, not a string nor an array of them)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if not isinstance(value, numbers.Real) and np.ndim(value) > 0:
        raise TypeError(f"{name} must be a single real number (one temperature for the whole "
                        f"machine), got {value!r}")
    return check_real(value, name, above=0.0)


def deprecated_alias(old: str, new: str, removed_in: str = "0.3") -> None:
    """Warn that argument or attribute `old` is now called `new`."""
    warnings.warn(f"{old} is deprecated and will be removed in {removed_in}: use {new}",
                  DeprecationWarning, stacklevel=3)


def check_binary(X, name: str, width: int) -> np.ndarray:
    """X as an int8 {0, 1} array of shape (rows, width), rows >= 1 (a single row may be
    1-D); bools, integers and floats are accepted."""
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
