"""The examples in the docstrings run and print what they say."""
import doctest

import pytest

import boltz
import boltz.datasets._mnist
import boltz.datasets._movielens
import boltz.machines.boltzmann_machine
import boltz.machines.rbm
import boltz.numerics.boltzmann_sampling
import boltz.numerics.distribution
import boltz.numerics.log_domain
import boltz.numerics.mcmc_statistics
import boltz.spin.annealing
import boltz.spin.ising_model
import boltz.spin.parallel_tempering
from public_api import public_members

MODULES = [boltz.numerics.log_domain, boltz.numerics.distribution,
           boltz.numerics.boltzmann_sampling, boltz.numerics.mcmc_statistics,
           boltz.spin.ising_model, boltz.spin.annealing, boltz.spin.parallel_tempering,
           boltz.machines.boltzmann_machine, boltz.machines.rbm, boltz.datasets._mnist,
           boltz.datasets._movielens]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_public_name_is_documented():
    for name in boltz.__all__:
        obj = getattr(boltz, name)
        if name.startswith("__"):
            continue
        doc = obj.__doc__ or ""
        assert len(doc) > 200, name
        assert "Parameters" in doc or "Attributes" in doc or name == "log_softmax", name


# ---- numpydoc and type hints on every public callable, no exemptions ----------------------

def _public_api():
    """(qualified name, object) of every public callable: boltz's names, the methods and
    properties their classes define, boltz.mcmc_statistics and boltz.dimod."""
    return [(f"boltz.{qual}", obj) for qual, obj in public_members()]


def _sections(doc):
    """numpydoc section name -> its text."""
    import re
    import textwrap
    doc = textwrap.dedent("\n".join(doc.splitlines()[1:])) if doc else ""
    parts = re.split(r"^(\w[\w ]*)\n-{3,}\n", doc, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _documented_params(text):
    import re
    names = set()
    for line in text.splitlines():
        m = re.match(r"^(\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(?::|$)", line)
        if m and not line.startswith(" "):
            names |= {n.strip().lstrip("*") for n in m.group(1).split(",")}
    return names


@pytest.mark.parametrize("qual, obj", _public_api(), ids=lambda x: x if isinstance(x, str) else "")
def test_public_callable_has_numpydoc_and_type_hints(qual, obj):
    import dataclasses
    import inspect

    doc = inspect.getdoc(obj.fget if isinstance(obj, property) else obj)
    assert doc and doc.strip(), f"{qual}: no docstring"
    if isinstance(obj, property):
        assert "return" in inspect.get_annotations(obj.fget), f"{qual}: no return type hint"
        return
    sections = _sections(inspect.getdoc(obj))
    if dataclasses.is_dataclass(obj):
        fields = {f.name for f in dataclasses.fields(obj)}
        missing = fields - _documented_params(sections.get("Attributes", ""))
        assert not missing, f"{qual}: fields missing from Attributes: {sorted(missing)}"
        return
    func = obj.__init__ if inspect.isclass(obj) else obj
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    unannotated = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    assert not unannotated, f"{qual}: parameters without type hints: {unannotated}"
    if params:
        missing = {p.name for p in params} - _documented_params(sections.get("Parameters", ""))
        assert not missing, f"{qual}: parameters missing from Parameters: {sorted(missing)}"
    if inspect.isclass(obj):
        return
    assert sig.return_annotation is not inspect.Signature.empty, f"{qual}: no return type hint"
    if sig.return_annotation not in (None, "None"):
        assert "Returns" in sections or "Yields" in sections, f"{qual}: no Returns section"
