"""Render a Tempita template with the Tempita bundled in Cython (as scikit-learn's build does).

    python src/boltz/_core/tempita.py TEMPLATE OUTPUT

CMakeLists.txt runs it at build time for every src/boltz/_core/*.pxd.tp; the outputs live in
the build folder, never in git.

The C kernels come in pairs, ``boltz_<name>_f32`` (float) and ``boltz_<name>_f64`` (double).
A template lists each pair once, as ``(result, name, params)`` with the word ``real`` for the
C type and ``{}`` in `name` where the suffix goes (``("void", "axpy_{}", "real *y, ...")``),
and renders the list with two functions it sees besides Python's builtins:

- ``declarations(kernels)``: both members of every pair, for a ``cdef extern from`` block;
- ``fused_wrappers(kernels)``: one ``cdef inline`` function per pair over Cython's fused type
  ``floating``, named `name` without the suffix, that calls the member of the caller's
  precision (resolved at compile time: the call compiles to a direct call). A pair whose
  parameters have no ``real`` gets a first parameter ``const floating *like``, unused but
  for selecting the precision.
"""
import re
import sys
from pathlib import Path

from Cython import Tempita

PRECISIONS = (("f32", "float"), ("f64", "double"))


def _typed(text, real):
    """`text` with every word ``real`` replaced by the type `real`."""
    return re.sub(r"\breal\b", real, text)


def _call(params):
    """``"const real *x, Py_ssize_t n"`` -> ``"x, n"``: the last word of each parameter."""
    return ", ".join(re.findall(r"(\w+)\s*(?:,|$)", params))


def declarations(kernels):
    """Both members of every pair, one indented line each."""
    return "\n".join(f"    {_typed(result, real)} boltz_{name.format(suffix)}"
                     f"({_typed(params, real)})"
                     for result, name, params in kernels for suffix, real in PRECISIONS)


def fused_wrappers(kernels):
    """One fused ``cdef inline`` dispatcher per pair."""
    out = []
    for result, name, params in kernels:
        ret = "" if result == "void" else "return "
        fused = _typed(params, "floating")
        if fused == params:
            fused = ", ".join(["const floating *like"] + ([params] if params else []))
        out.append(
            f"cdef inline {_typed(result, 'floating')} {name.replace('_{}', '')}("
            f"{fused}) noexcept nogil:\n"
            f"    if floating is float:\n"
            f"        {ret}boltz_{name.format('f32')}({_call(params)})\n"
            f"    else:\n"
            f"        {ret}boltz_{name.format('f64')}({_call(params)})\n")
    return "\n\n".join(out)


def render(template: Path, output: Path) -> None:
    """Write the rendered `template` to `output`, with a line naming its source."""
    text = Tempita.Template(template.read_text(encoding="utf-8"), name=str(template)).substitute(
        declarations=declarations, fused_wrappers=fused_wrappers)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(f"# Generated from {template.name} by _core/tempita.py: edit the "
                      f"template.\n{text}", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    render(Path(sys.argv[1]), Path(sys.argv[2]))
