"""Module paths of boltz 0.1 that moved into the three wings (boltz 0.2), still importable.

``import boltz.annealing`` gives a module that forwards every attribute to
:mod:`boltz.spin.annealing`, with a DeprecationWarning; the aliases go in 0.3.
(``boltz.mcmc_statistics``, documented in the README, stays public: ``boltz/__init__.py``
registers it.)
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {  # old path -> new path
    "boltz.log_domain": "boltz.numerics.log_domain",
    "boltz.distribution": "boltz.numerics.distribution",
    "boltz.boltzmann_sampling": "boltz.numerics.boltzmann_sampling",
    "boltz.ising_model": "boltz.spin.ising_model",
    "boltz.spin_sampling": "boltz.spin.sampling",
    "boltz.annealing": "boltz.spin.annealing",
    "boltz.parallel_tempering": "boltz.spin.parallel_tempering",
    "boltz.boltzmann_machine": "boltz.machines.boltzmann_machine",
    "boltz.rbm": "boltz.machines.rbm",
}


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the old paths; loads each as a module forwarding to its new home."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return None   # the default: a plain module, filled in by exec_module

    def exec_module(self, module):
        new = MOVED[module.__name__]
        _warn(module.__name__, stacklevel=3)   # the importer (importlib's frames are skipped)
        target = importlib.import_module(new)
        module.__doc__ = target.__doc__
        module.__getattr__ = lambda name: getattr(target, name)
        module.__dir__ = lambda: dir(target)


def _warn(old: str, stacklevel: int) -> None:
    warnings.warn(f"{old} moved to {MOVED[old]} in boltz 0.2; the old path goes in 0.3 (the "
                  f"public names are importable from boltz itself)", DeprecationWarning,
                  stacklevel=stacklevel)


def attribute(name: str):
    """``boltz.<name>`` for an old module path (``boltz.annealing``), warning at the caller
    of ``boltz.__getattr__``."""
    old = f"boltz.{name}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(old)
    _warn(old, stacklevel=4)
    return module


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())


__all__ = ["MOVED", "install"]
