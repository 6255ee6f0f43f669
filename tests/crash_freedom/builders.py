"""What the generated calls are written in: small functions that build an argument (an array
of a given dtype and memory layout, a scipy.sparse matrix, a seed, a valid small model, a
damaged file) from literal values, so that every call is a line of Python that reproduces it.

A reproducer printed by the suite runs as it is, from the repository root::

    PYTHONPATH=tests python -c "from crash_freedom.builders import *; <call>"
"""
from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile
from math import inf, nan

import numpy as np

import boltz
from boltz import (
    Annealer,
    BoltzmannMachine,
    IsingModel,
    ParallelTempering,
    RatingsRBM,
)

__all__ = ["arr", "huge", "sparse", "gen", "seedseq", "ising", "rbm", "bm", "gset_file",
           "rbm_file", "tampered_rbm", "np", "boltz", "nan", "inf", "Annealer",
           "BoltzmannMachine", "IsingModel", "ParallelTempering", "RatingsRBM", "cli", "result",
           "axes", "plot", "out_path", "datasets", "mnist_home", "movielens_home",
           "ratings_data", "ratings", "ratings_file",
           "RBM", "GaussianRBM", "grbm", "grbm_file"]  # noqa: F822 - RBM, GaussianRBM: __getattr__

LAYOUTS = ("C", "F", "strided", "reversed", "readonly", "masked", "masked_none", "list")


def arr(values, dtype: str, shape=None, layout: str = "C"):
    """An array of `values` (flat, reshaped to `shape`) as `dtype`, in a memory `layout`.

    ``"C"``/``"F"``: contiguous in that order; ``"strided"``: every other element of a
    larger array; ``"reversed"``: negative strides; ``"readonly"``; ``"masked"``: a masked
    array with every other element masked (``"masked_none"``: nothing masked); ``"list"``:
    nested Python lists (``tolist``).
    """
    a = np.array(values, dtype=dtype)
    if shape is not None:
        a = a.reshape(shape)
    if layout == "F":
        a = np.asfortranarray(a)
    elif layout == "strided":
        big = np.empty((*a.shape[:-1], 2 * a.shape[-1]) if a.ndim else (2,), dtype=a.dtype)
        view = big[..., ::2] if a.ndim else big[::2].reshape(())
        view[...] = a
        a = view
    elif layout == "reversed" and a.ndim:
        flip = tuple(slice(None, None, -1) for _ in range(a.ndim))
        a = a[flip].copy()[flip]
    elif layout == "readonly":
        a.setflags(write=False)
    elif layout in ("masked", "masked_none"):
        mask = np.zeros(a.shape, bool)
        if layout == "masked":
            mask.reshape(-1)[::2] = True
        a = np.ma.masked_array(a, mask=mask)
    elif layout == "list":
        a = a.tolist()
    return a


def huge(value, shape, dtype: str = "float64"):
    """A read-only array declaring `shape` (up to exabytes) that holds one element: every
    stride 0 (``numpy.broadcast_to``)."""
    return np.broadcast_to(np.array(value, dtype=dtype), shape)


def sparse(kind: str, shape, entries, dtype: str = "float64"):
    """A scipy.sparse matrix or array (`kind`: ``"csr_matrix"``, ``"coo_array"``, ...) with
    ``entries``: (row, col, value) triplets (repeats add up)."""
    import scipy.sparse as sp

    rows = [r for r, _, _ in entries]
    cols = [c for _, c, _ in entries]
    vals = np.array([v for _, _, v in entries], dtype=dtype)
    coo = sp.coo_matrix((vals, (rows, cols)), shape=shape, dtype=dtype)
    fmt, container = kind.split("_")
    out = coo.asformat(fmt)
    return getattr(sp, f"{fmt}_array")(out) if container == "array" else out


def gen(seed: int):
    """``numpy.random.default_rng(seed)``."""
    return np.random.default_rng(seed)


def seedseq(entropy):
    """``numpy.random.SeedSequence(entropy)``."""
    return np.random.SeedSequence(entropy)


_MODELS = (
    lambda: IsingModel.square_lattice(2),
    lambda: IsingModel([[0, 1.5], [1.5, 0]], h=[0.5, -1.0]),
    lambda: IsingModel.sherrington_kirkpatrick(5, seed=1, dtype=np.float32),
    lambda: IsingModel(([0, 1, 2], [1, 2, 0], [1.0, -2.0, 0.5]), num_spins=4, storage="sparse"),
    lambda: IsingModel(np.zeros((1, 1))),
    lambda: IsingModel.from_maxcut(np.array([[1, 2], [2, 3], [3, 1]])),
    lambda: IsingModel(np.zeros((3, 3)), h=[1e300, -1e-300, 0.0]),
)


def ising(k: int) -> IsingModel:
    """One of a few valid small Ising models (dense, sparse, float32, one spin, fields)."""
    return _MODELS[k % len(_MODELS)]()


def _X(n_features: int, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((6, n_features)) < 0.5).astype(float)


def __getattr__(name):
    if name == "RBM":       # scikit-learn's import costs a second: only when a call uses it
        from boltz import RBM
        return RBM
    if name == "GaussianRBM":
        from boltz import GaussianRBM
        return GaussianRBM
    raise AttributeError(name)


def rbm(k: int, fitted: bool = True):
    """A small RBM (float32 or float64; CD, PCD or tempered, centred or not), fitted on 6
    rows or not."""
    from boltz import RBM

    est = RBM(n_components=2 + k % 2, batch_size=3, n_iter=1, sampler=("cd", "pcd", "pt")[k % 3],
              centered=bool(k % 4 // 2),
              dtype=(np.float32, np.float64)[k % 2], random_state=k, monitor_rows=0)
    return est.fit(_X(3 + k % 2, k)) if fitted else est


def ratings_data(k: int):
    """Small valid ratings (levels 1..5) for RatingsRBM, in the form k says: int ids,
    string ids, or a users x items scipy.sparse matrix."""
    rng = np.random.default_rng(k)
    users, items = np.nonzero(rng.random((6, 5)) < 0.6)
    ratings = rng.integers(1, 6, users.size).astype(float)
    if k % 3 == 1:
        return (np.array([f"u{u}" for u in users]), items, ratings)
    if k % 3 == 2:
        from scipy import sparse as sp
        return sp.csr_matrix((ratings, (users, items)), shape=(6, 5))
    return (users, items, ratings)


def ratings(k: int, fitted: bool = True):
    """A small RatingsRBM (user or item orientation, conditional or not, float32 or
    float64), fitted on ratings_data(k) or not."""
    est = boltz.RatingsRBM(2 + k % 2, n_iter=1, batch_size=3, conditional=k % 4 == 3,
                           orientation=("user", "item")[k // 4 % 2],
                           dtype=(np.float32, np.float64)[k % 2], random_state=k)
    return est.fit(ratings_data(k)) if fitted else est


def ratings_file(k: int, tamper: str = "none", *args) -> str:
    """Save ``ratings(k)`` and damage the file as ``rbm_file`` does; the path."""
    path = os.path.join(tempfile.mkdtemp(dir=_TMP), "ratings.npz")
    ratings(k).save(path)
    return _tamper(path, tamper, *args)


def grbm(k: int, fitted: bool = True):
    """A small GaussianRBM (float32 or float64; CD or PCD; σ fixed or learned; standardised
    or not), fitted on 6 real rows (a constant column among them) or not."""
    from boltz import GaussianRBM

    est = GaussianRBM(n_components=2 + k % 2, batch_size=3, n_iter=1,
                      sampler=("cd", "pcd")[k % 2], learn_sigma=bool(k % 4 // 2),
                      standardize=k % 3 != 2, dtype=(np.float32, np.float64)[k % 2],
                      random_state=k, monitor_rows=0)
    X = np.random.default_rng(k).normal(0, 1, (6, 3 + k % 2))
    X[:, 0] = 2.0
    return est.fit(X) if fitted else est


def grbm_file(k: int, tamper: str = "none", *args) -> str:
    """Save ``grbm(k)`` and damage the file as ``rbm_file`` does; the path."""
    path = os.path.join(tempfile.mkdtemp(dir=_TMP), "grbm.npz")
    grbm(k).save(path)
    return _tamper(path, tamper, *args)


def result(kind: str, k: int):
    """A small sampler result of `kind` on ising(k): "trace" (boltz.sample), "anneal",
    "anneal_records" (record_every = k % 5 + 1) or "tempering" (a ladder from beta = 0)."""
    model = ising(k)
    if kind == "trace":
        return boltz.sample(model, 0.5, num_chains=2, num_sweeps=10 + k, burn_in=2, seed=k)
    if kind.startswith("anneal"):
        return Annealer(num_sweeps=8 + k, num_cycles=1 + k % 2).sample(
            model, num_reads=2, seed=k, record_every=k % 5 + 1 if kind.endswith("s") else None)
    return ParallelTempering([0.0, 0.5, 1.0][k % 2:], num_sweeps=10 + k, burn_in=0).sample(
        model, seed=k)


def axes(n: int):
    """n Axes of a new matplotlib Figure (not pyplot's: collected with it), one Axes for 1."""
    from matplotlib.figure import Figure

    made = Figure().subplots(1, n, squeeze=False).ravel()
    return made[0] if n == 1 else list(made)


def plot(name: str):
    """boltz.plot's function `name` (boltz.plot imports matplotlib: only when used)."""
    import boltz.plot

    return getattr(boltz.plot, name)


def bm(k: int, fitted: bool = True) -> BoltzmannMachine:
    """A small Boltzmann machine (2-4 units, with or without hidden units), fitted or not."""
    machine = BoltzmannMachine(2 + k % 2, n_hidden=k % 3 % 2, n_iter=1,
                               num_sweeps=2, num_chains=4, random_state=k,
                               dtype=(np.float64, np.float32)[k % 2])
    return machine.fit(_X(2 + k % 2, k)) if fitted else machine


def tampered_rbm(k: int, attribute: str, value, method: str, *args):
    """Fit ``rbm(k)``, set its `attribute` to `value` as a user can, then call `method`."""
    est = rbm(k)
    setattr(est, attribute, value)
    return getattr(est, method)(*args)


_TMP = tempfile.mkdtemp(prefix="boltz-crash-freedom-")


def gset_file(content: bytes, suffix: str = ".txt") -> str:
    """A file holding `content`, for ``IsingModel.from_maxcut`` and ``boltz anneal``."""
    fd, path = tempfile.mkstemp(suffix=suffix, dir=_TMP)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return path


def out_path(name: str) -> str:
    """A path in the suite's temporary folder, for files a call writes (``--plot``)."""
    return os.path.join(_TMP, name)


def _npy(array=None, *, header: dict | None = None, data: bytes | None = None) -> bytes:
    """An .npy member: `array` written by NumPy, or a hand-made `header` with raw `data`."""
    if header is None:
        buf = io.BytesIO()
        np.save(buf, array, allow_pickle=True)
        return buf.getvalue()
    text = repr(header).encode("latin1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + (data or b"")


def rbm_file(k: int, tamper: str = "none", *args) -> str:
    """Save ``rbm(k)`` and damage the file; the path.

    tamper: ``"none"``; ``"truncate", n`` (keep n bytes); ``"flip", i, byte`` (xor byte
    ``i % size``); ``"member", name, array`` (replace or add member `name`); ``"drop",
    name``; ``"params", text`` (the JSON text); ``"declared", name, shape, dtype`` (an
    .npy header declaring `shape` over a few bytes of data: a zip bomb's declared size);
    ``"object", name`` (an object array, which needs pickle).
    """
    path = os.path.join(tempfile.mkdtemp(dir=_TMP), "model.npz")
    rbm(k).save(path)
    return _tamper(path, tamper, *args)


def _tamper(path: str, tamper: str, *args) -> str:
    """Damage the .npz file at `path` as `tamper` says (see rbm_file); the path."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    if tamper == "member":
        members[args[0] + ".npy"] = _npy(np.asarray(args[1]))
    elif tamper == "drop":
        members.pop(args[0] + ".npy", None)
    elif tamper == "params":
        members["params.npy"] = _npy(np.array(args[0]))
    elif tamper == "declared":
        name, shape, dtype = args
        members[name + ".npy"] = _npy(header={"descr": np.dtype(dtype).str,
                                              "fortran_order": False, "shape": tuple(shape)},
                                      data=b"\0" * 64)
    elif tamper == "object":
        members[args[0] + ".npy"] = _npy(np.array([1, "a", None], dtype=object))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    if tamper in ("truncate", "flip"):
        with open(path, "rb") as fh:
            raw = bytearray(fh.read())
        if tamper == "truncate":
            raw = raw[: args[0] % (len(raw) + 1)]
        else:
            raw[args[0] % len(raw)] ^= args[1] or 1
        with open(path, "wb") as fh:
            fh.write(bytes(raw))
    return path


def datasets(name: str):
    """boltz.datasets's function `name`."""
    import boltz.datasets

    return getattr(boltz.datasets, name)


def _data_home(k: int, folder_name: str, file_name: str, small: bytes, size: int) -> str:
    """A data_home whose ``<folder_name>/<file_name>`` is: 0 absent; 1 the bytes `small` (a
    well-formed file, not the pinned one: refused by its checksum); 2 a directory; 3 a link
    to /dev/zero; 4 zeros of the real file's `size`; 5 a FIFO; 6 absent under a file called
    `folder_name`."""
    home = tempfile.mkdtemp(dir=_TMP)
    folder = os.path.join(home, folder_name)
    path = os.path.join(folder, file_name)
    if k == 6:
        with open(folder, "wb"):
            pass
        return home
    os.mkdir(folder)
    if k == 1:
        with open(path, "wb") as fh:
            fh.write(small)
    elif k == 2:
        os.mkdir(path)
    elif k == 3:
        os.symlink("/dev/zero", path)
    elif k == 4:
        with open(path, "wb") as fh:
            fh.truncate(size)
    elif k == 5:
        os.mkfifo(path)
    return home


def mnist_home(k: int) -> str:
    """A data_home for ``fetch_mnist(..., download_if_missing=False)`` (``_data_home``'s
    cases for ``mnist/mnist.pkl.gz``; case 1 a small pickle of MNIST's structure)."""
    import gzip
    import pickle

    part = (np.zeros((2, 784), np.float32), np.zeros(2, np.int64))
    small = gzip.compress(pickle.dumps((part, part, part), protocol=2)) if k == 1 else b""
    return _data_home(k, "mnist", "mnist.pkl.gz", small, 17_051_982)


def movielens_home(k: int) -> str:
    """A data_home for ``fetch_movielens_100k(..., download_if_missing=False)``
    (``_data_home``'s cases for ``ml-100k/ml-100k.inter``; case 1 a small .inter file)."""
    small = (b"user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
             b"1\t2\t3\t881250949\n")
    return _data_home(k, "ml-100k", "ml-100k.inter", small, 1_979_230)


def cli(*argv: str) -> int:
    """``boltz <argv>`` in this process: the exit status (argparse's SystemExit included)."""
    from boltz.cli import main

    try:
        return main(list(argv))
    except SystemExit as exc:
        return exc.code


def huge_json(depth: int) -> str:
    """JSON nested `depth` lists deep."""
    return "[" * depth + "]" * depth


__all__ += ["huge_json", "json"]
