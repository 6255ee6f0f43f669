"""boltz's public surface, for the tests that cover all of it (docstrings, crash freedom):
``boltz.__all__``, ``boltz.mcmc_statistics``, ``boltz.datasets``, ``boltz.plot`` and
``boltz.dimod`` (when matplotlib and dimod are installed) and
the public methods and properties their classes define."""
from __future__ import annotations

import inspect
from functools import cached_property


def public_members() -> list[tuple[str, object]]:
    """(name, object) of every public callable and property, names relative to ``boltz``
    (``"softmax"``, ``"RBM.fit"``, ``"mcmc_statistics.effective_sample_size"``); static and
    class methods unwrapped to their functions."""
    import boltz
    import boltz.datasets as ds
    import boltz.numerics.mcmc_statistics as mcmc

    roots = [(n, getattr(boltz, n)) for n in boltz.__all__ if not n.startswith("__")]
    roots += [(f"mcmc_statistics.{n}", getattr(mcmc, n)) for n in mcmc.__all__]
    roots += [(f"datasets.{n}", getattr(ds, n)) for n in ds.__all__]
    try:
        import boltz.plot as bp
        roots += [(f"plot.{n}", getattr(bp, n)) for n in bp.__all__]
    except ImportError:  # pragma: no cover - matplotlib is in the test extra
        pass
    try:
        import boltz.dimod as bd
        roots += [(f"dimod.{n}", getattr(bd, n)) for n in bd.__all__]
    except ImportError:  # pragma: no cover - dimod is in the test extra
        pass
    out = []
    for qual, obj in roots:
        out.append((qual, obj))
        if not inspect.isclass(obj):
            continue
        for name, member in vars(obj).items():
            if name.startswith("_"):
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, (property, cached_property)) or callable(member):
                out.append((f"{qual}.{name}", member))
    return out
