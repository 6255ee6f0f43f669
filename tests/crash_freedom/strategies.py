"""Hypothesis strategies for the generated calls' arguments, as Python source over
:mod:`builders` (so every failing call prints as a line that reproduces it).

Each argument is drawn by its *kind* (data array, real, count, seed, ...): mostly a value
that passes the argument's checks (so that the calls reach the kernels), otherwise anything
at all: arrays of every dtype, shape (empty, 0-d, huge-declared) and memory layout,
scipy.sparse matrices of every format, and scalars such as nan, -0.0, 2**63, strings, None.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

DTYPES = ("bool", "int8", "uint8", "int32", "int64", "uint64", "float16", "float32",
          "float64", "complex64", "complex128", "object", "str")
SPARSE_KINDS = tuple(f"{fmt}_{container}" for fmt in ("csr", "csc", "coo", "lil", "dok",
                                                      "bsr", "dia")
                     for container in ("matrix", "array"))
LAYOUTS = ("C", "F", "strided", "reversed", "readonly", "masked", "masked_none", "list")


def _src(x) -> str:
    """Source of a literal: floats as repr (nan, inf name the builders' constants)."""
    if isinstance(x, complex):
        return f"complex({x.real!r}, {x.imag!r})"
    return repr(x)


def elements(dtype: str) -> st.SearchStrategy:
    if dtype == "bool":
        return st.booleans()
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        return st.one_of(st.integers(-3, 3).filter(lambda v: v >= info.min),
                         st.sampled_from([int(info.min), int(info.max)]),
                         st.integers(int(info.min), int(info.max)))
    if dtype.startswith("float"):
        width = int(dtype[5:])
        return st.one_of(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0]),
                         st.floats(width=width))
    if dtype.startswith("complex"):
        return st.builds(complex, st.floats(width=32), st.floats(width=32))
    if dtype == "str":
        return st.text(max_size=3)
    return st.one_of(st.integers(), st.floats(), st.none(), st.text(max_size=2))  # object


SHAPES = st.one_of(st.just(()), st.tuples(st.integers(0, 4)),
                   st.tuples(st.integers(0, 3), st.integers(0, 4)),
                   st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 3)))


@st.composite
def any_array(draw, dtypes=DTYPES, shapes=SHAPES, layouts=LAYOUTS) -> str:
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(shapes)
    values = draw(st.lists(elements(dtype), min_size=math.prod(shape),
                           max_size=math.prod(shape)))
    layout = draw(st.sampled_from(layouts))
    if dtype in ("object", "str") and layout.startswith("masked"):
        layout = "C"
    if layout == "strided" and shape in ((), (0,)):
        layout = "C"
    flat = "[" + ", ".join(_src(v) for v in values) + "]"
    if not shape:
        flat = _src(values[0])
    return f"arr({flat}, {dtype!r}, {shape!r}, {layout!r})"


@st.composite
def real_array(draw, shape=None, low=-3.0, high=3.0, binary=False) -> str:
    """A well-formed array: float64/float32/int/bool, finite values, any layout."""
    shape = draw(shape if shape is not None else SHAPES)
    n = math.prod(shape)
    if binary:
        values = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
        dtype = draw(st.sampled_from(["float64", "float32", "int8", "bool", "int64"]))
    else:
        values = draw(st.lists(st.floats(low, high), min_size=n, max_size=n))
        dtype = draw(st.sampled_from(["float64", "float64", "float32"]))
    layout = draw(st.sampled_from(("C", "C", "F", "strided", "reversed", "readonly", "list")))
    if (layout == "strided" and shape in ((), (0,))) or not shape:
        layout = "C"
    flat = "[" + ", ".join(_src(v) for v in values) + "]" if shape else _src(values[0])
    return f"arr({flat}, {dtype!r}, {shape!r}, {layout!r})"


@st.composite
def any_sparse(draw) -> str:
    kind = draw(st.sampled_from(SPARSE_KINDS))
    dtype = draw(st.sampled_from(("float64", "float32", "int8", "bool", "uint64",
                                  "complex128")))
    huge = draw(st.integers(0, 9)) == 0 and kind.startswith("coo")
    shape = ((10**9, 10**9) if huge else
             draw(st.tuples(st.integers(0, 4), st.integers(0, 4))))
    entries = []
    if shape[0] and shape[1]:
        entries = draw(st.lists(st.tuples(st.integers(0, min(shape[0], 5) - 1),
                                          st.integers(0, min(shape[1], 5) - 1),
                                          elements(dtype if dtype != "uint64" else "uint8")),
                                max_size=5))
    src = ", ".join(f"({r}, {c}, {_src(v)})" for r, c, v in entries)
    return f"sparse({kind!r}, {shape!r}, [{src}], {dtype!r})"


def huge_array() -> st.SearchStrategy:
    """Arrays declaring exabytes over one element (every stride 0)."""
    return st.builds(lambda value, shape, dtype: f"huge({value!r}, {shape!r}, {dtype!r})",
                     st.sampled_from([0.0, 1.0, -1.0]),
                     # >= 2**32 elements: a temporary of one byte each cannot fit in the
                     # worker's 3 GiB, so a pass over them fails at once instead of running
                     st.sampled_from([(10**6, 10**6), (2**32,), (2**59,), (4, 2**40),
                                      (2**31, 2)]),
                     st.sampled_from(["float64", "float32", "int8"]))


WILD_SCALARS = ["nan", "inf", "-inf", "-0.0", "0", "1", "-1", "2**31", "2**63", "2**64",
                "-2**63", "10**30", "10**400", "1e-39", "5e-324", "1e308", "True", "False",
                "None", "'x'", "'0.5'", "b'1'", "[]", "()", "{}", "complex(1, 2)",
                "np.float32(nan)", "np.int64(-1)", "np.uint64(2**64 - 1)", "np.float16(inf)",
                "object()", "np.array(2.0)", "np.array([1.0])", "np.int8(3)",
                "np.float64(0.5)", "np.bool_(True)", "gen(0)", "seedseq(0)",
                "np.ma.masked", "np.datetime64(1, 'D')", "np.timedelta64(1)"]


def wild() -> st.SearchStrategy:
    """Anything: a scalar, an array of any dtype and layout, sparse, huge-declared."""
    return st.one_of(st.sampled_from(WILD_SCALARS), any_array(), any_sparse(), huge_array())


@dataclass(frozen=True)
class Mixed:
    """An argument's values that pass its checks (`good`) and values that should not
    (`bad`). A call draws a bad value for at most two of its arguments, so that the rest
    are good and the check of the bad one (or the kernel behind it) is reached."""

    good: st.SearchStrategy
    bad: st.SearchStrategy


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy | None = None) -> Mixed:
    """`good` values; bad ones are `bad` or anything at all."""
    return Mixed(good, wild() if bad is None else st.one_of(bad, wild()))


def as_mixed(x) -> Mixed:
    return x if isinstance(x, Mixed) else Mixed(x, x)


def either(*parts) -> Mixed:
    """The good values of any of `parts`, or the bad values of any."""
    parts = [as_mixed(p) for p in parts]
    return Mixed(st.one_of(*[p.good for p in parts]), st.one_of(*[p.bad for p in parts]))


# ---- the kinds of arguments --------------------------------------------------------------

def reals(good=("0.5", "1.0", "2.0", "0.1")) -> st.SearchStrategy:
    return mostly(st.sampled_from(good), st.sampled_from(
        ["0", "0.0", "-1.0", "nan", "inf", "1e-39", "1e-300", "1e300", "10**400",
         "np.float32(1e-39)", "np.float32(3e38)", "'0.5'", "True", "None"]))


def counts(good=("1", "2", "3"), huge_memory=False) -> st.SearchStrategy:
    """Counts of things: small ones, or invalid ones; with `huge_memory` also sizes that
    cannot fit in memory (which must be refused, not attempted)."""
    bad = ["0", "-1", "-2**63", "2**63", "2**64", "10**30", "1.0", "2.5", "'3'", "True",
           "np.uint64(2**64 - 1)", "np.int64(2)", "np.int8(-1)"]
    if huge_memory:
        bad += ["10**12", "2**31", "2**40", "10**9"]
    return mostly(st.sampled_from(good), st.sampled_from(bad))


def seeds() -> st.SearchStrategy:
    return mostly(st.sampled_from(["None", "0", "1", "12345", "gen(3)", "seedseq(4)"]),
                  st.sampled_from(["-1", "2**63", "2**128", "10**100", "1.5", "'1'", "True",
                                   "[1, 2]", "seedseq(2**200)", "np.random.RandomState(0)",
                                   "np.int64(7)", "np.uint64(2**64 - 1)",
                                   "np.random.default_rng(0).bit_generator",
                                   "np.random.PCG64(1)"]))


def threads() -> st.SearchStrategy:
    return mostly(st.sampled_from(["None", "1", "2", "3"]),
                  st.sampled_from(["0", "-1", "10**6", "2**31", "2**63", "1.5", "'2'", "True",
                                   "np.int8(2)", "np.uint64(2**64 - 1)"]))


def axes() -> st.SearchStrategy:
    return mostly(st.sampled_from(["-1", "0", "None"]),
                  st.sampled_from(["1", "2", "5", "-5", "(0, 1)", "(0, 0)", "1.5", "'0'",
                                   "True", "2**63", "np.int64(0)", "[0]"]))


def choices(options) -> st.SearchStrategy:
    return mostly(st.sampled_from([repr(o) for o in options]),
                  st.sampled_from(["'bogus'", "['gibbs']", "None", "1", "'GIBBS'", "''",
                                   "b'gibbs'"]))


def booleans() -> st.SearchStrategy:
    return mostly(st.sampled_from(["False", "True"]),
                  st.sampled_from(["0", "1", "'yes'", "np.bool_(True)", "None", "2"]))


def dtypes(good=("np.float64", "np.float32")) -> st.SearchStrategy:
    return mostly(st.sampled_from(good),
                  st.sampled_from(["'float32'", "np.float16", "np.int8", "'bogus'", "None",
                                   "object", "float", "np.dtype('>f8')", "'complex128'",
                                   "np.longdouble", "np.bool_"]))


def data(shape=None, binary=False) -> st.SearchStrategy:
    """Data arrays: mostly well-formed (of `shape` when given), else anything."""
    return mostly(real_array(shape, binary=binary))


def rows(width: int, binary: bool = True) -> st.SearchStrategy:
    """2-D data of `width` columns, 1-4 rows."""
    return data(st.tuples(st.integers(1, 4), st.just(width)), binary=binary)


def symmetric(n_max: int = 4) -> st.SearchStrategy:
    """Symmetric matrices with a zero diagonal, dense (any layout) or sparse."""
    @st.composite
    def build(draw):
        n = draw(st.integers(1, n_max))
        upper = draw(st.lists(st.floats(-3, 3), min_size=n * n, max_size=n * n))
        J = np.array(upper).reshape(n, n)
        J = np.triu(J, 1) + np.triu(J, 1).T
        dtype = draw(st.sampled_from(["float64", "float32"]))
        layout = draw(st.sampled_from(("C", "F", "strided", "reversed", "readonly", "list")))
        if draw(st.booleans()):
            flat = ", ".join(repr(float(v)) for v in J.ravel())
            return f"arr([{flat}], {dtype!r}, {(n, n)!r}, {layout!r})"
        kind = draw(st.sampled_from(SPARSE_KINDS))
        entries = ", ".join(f"({i}, {j}, {float(J[i, j])!r})"
                            for i in range(n) for j in range(n) if J[i, j])
        return f"sparse({kind!r}, {(n, n)!r}, [{entries}], {dtype!r})"
    return build()


def triplets() -> st.SearchStrategy:
    """COO triplets (rows, cols, values) with index arrays of any integer dtype."""
    @st.composite
    def build(draw):
        k = draw(st.integers(0, 4))
        itype = draw(st.sampled_from(["int64", "int32", "uint64", "uint8", "int8", "float64"]))
        idx = st.lists(st.integers(0 if itype.startswith("u") else -1, 5), min_size=k,
                       max_size=k)
        vals = draw(st.lists(st.floats(-3, 3), min_size=k, max_size=k))
        return (f"(arr({draw(idx)}, {itype!r}), arr({draw(idx)}, {itype!r}), "
                f"arr({vals}, 'float64'))")
    return build()


def gset_content() -> st.SearchStrategy:
    """Malformed (and some well-formed) Gset/rudy edge lists, as bytes literals."""
    node = st.one_of(st.integers(1, 4), st.sampled_from(
        ["0", "-1", "1.5", "2.0", "1e3", "nan", "x", "99", "10**3", "4294967297"]))
    weight = st.one_of(st.integers(-2, 2), st.sampled_from(["0.5", "nan", "inf", "1e400",
                                                            "x", "-0"]))
    line = st.builds(lambda i, j, w: f"{i} {j} {w}", node, node, weight)
    header = st.one_of(st.builds(lambda n, m: f"{n} {m}", st.integers(0, 5), st.integers(0, 5)),
                       st.sampled_from(["1000000000000 1", "100000000 1", "4 1000000000000",
                                        "-3 2", "3.5 2", "x y", "4", "4 2 7", "",
                                        "9223372036854775808 1", "4 -1"]))
    text = st.builds(lambda h, ls, end: (h + "\n" + "\n".join(ls) + end).encode(),
                     header, st.lists(line, max_size=5), st.sampled_from(["", "\n", "\n\n"]))
    return st.one_of(text.map(repr), st.binary(max_size=40).map(repr),
                     st.sampled_from(["b''", "b'\\x00' * 64", "b'PK\\x03\\x04junk'",
                                      "b'\\xff\\xfe4 1\\n'", "b'4 2\\n1 2 1\\n2 3 1\\n'"]))


def paths() -> st.SearchStrategy:
    return st.one_of(gset_content().map(lambda c: f"gset_file({c})"),
                     st.sampled_from(["'/dev/zero'", "'/nonexistent/file'", "'/'", "123",
                                      "None", "b'/dev/null'", "'/dev/null'"]))
