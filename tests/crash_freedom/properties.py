"""Properties a returned value must have, checked in the worker beside crash-freedom: a call
that returns must not return NaN for finite input where the result is a distribution.

Each check takes the call's evaluated arguments and its result and returns a description
of what is wrong, or None. Only properties that hold for every accepted input are checked.
"""
from __future__ import annotations

import numpy as np


def _finite_real(a) -> bool:
    if isinstance(a, np.ma.MaskedArray):
        return False
    try:
        x = np.asarray(a)
    except Exception:
        return False
    return x.dtype.kind in "biuf" and x.size > 0 and bool(np.all(np.isfinite(x)))


def _distribution(args, kwargs, result, name):
    x = args[0] if args else kwargs.get(name)
    if not _finite_real(x):
        return None
    p = np.asarray(result, dtype=np.float64)
    if not np.all(np.isfinite(p)):
        return f"non-finite probabilities {p.ravel()[:6]} for finite input"
    if np.any(p < 0) or np.any(p > 1 + 1e-6):
        return f"probabilities outside [0, 1]: {p.ravel()[:6]}"
    return None


def _log_distribution(args, kwargs, result, name):
    x = args[0] if args else kwargs.get(name)
    if not _finite_real(x):
        return None
    lp = np.asarray(result, dtype=np.float64)
    if np.any(np.isnan(lp)) or np.any(lp > 1e-6):
        return f"log-probabilities NaN or > 0: {lp.ravel()[:6]} for finite input"
    return None


def _binary_like(args, kwargs, result):
    x = np.asarray(args[0] if args else kwargs.get("X"))
    r = np.asarray(result)
    if r.shape != x.shape or not np.all((r == 0) | (r == 1)):
        return f"binarize_mnist returned shape {r.shape} for {x.shape}, or values not 0/1"
    return None


def _exit_status(result):
    return None if result in (0, 2) else f"exit status {result!r} (expected 0 or 2)"


_CHECKS = {
    "datasets.binarize_mnist": _binary_like,
    "cli anneal": lambda a, k, r: _exit_status(r),
    "cli ising": lambda a, k, r: _exit_status(r),
    "softmax": lambda a, k, r: _distribution(a, k, r, "x"),
    "log_softmax": lambda a, k, r: _log_distribution(a, k, r, "x"),
    "boltzmann_probs": lambda a, k, r: (None if k.get("degeneracy") is not None
                                        else _distribution(a, k, r, "energies")),
}


def check(label: str, args, kwargs, result) -> str | None:
    """What is wrong with `result` of the call `label`, or None."""
    f = _CHECKS.get(label)
    return f(args, kwargs, result) if f else None
