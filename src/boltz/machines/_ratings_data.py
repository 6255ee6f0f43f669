"""Ratings as ``RatingsRBM`` takes them: the three input forms read into one (user, item,
rating) triple of arrays, ids mapped to indices and back, ratings to level indices, and the
per-row lists the kernels read.

Input forms (one function, :func:`read_triples`, for ``fit``, ``validation_data``,
``rmse``...):

- a scipy.sparse matrix, users x items, whose *stored* entries are the ratings (an unstored
  entry is missing; a stored zero is a rating of 0, an error unless 0 is a level); the ids
  are the row and column numbers;
- a tuple ``(users, items, ratings)`` of three equally long 1-D array-likes; ids of any
  hashable type (ints, strings...);
- a pandas DataFrame whose first three columns are user, item and rating (scikit-surprise's
  ``Dataset.load_from_df`` order).

Neither scipy nor pandas is imported: sparse matrices are recognised by ``tocoo`` and data
frames by ``iloc``/``columns``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boltz._validation import as_float_array


def _is_sparse(X) -> bool:
    return hasattr(X, "tocoo") and hasattr(X, "shape") and hasattr(X, "nnz")


def _is_frame(X) -> bool:
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _ids(values, name: str) -> np.ndarray:
    """A 1-D array of ids (numbers, strings or other hashables)."""
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ValueError(f"{name} must be a 1-D sequence of ids")
    arr = np.asarray(values)
    if arr.dtype.kind in "US" and not isinstance(values, np.ndarray):
        # numpy turns a list mixing numbers and strings into strings (1 -> "1"): keep the
        # ids as given, so that the int 1 stays the id 1
        items = list(values)
        if not all(isinstance(v, (str, bytes)) for v in items):
            arr = np.empty(len(items), dtype=object)
            arr[:] = items
    if arr.dtype.kind in "fc":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must not contain nan or inf ids")
        if arr.dtype.kind == "c" or np.any(arr != np.round(arr)):
            raise TypeError(f"{name} must be ids (ints, strings...), got fractional numbers")
        if arr.size and np.max(np.abs(arr)) >= 2.0 ** 63:
            raise ValueError(f"{name} holds float ids beyond the int64 range (give large "
                             "ids as integers or strings)")
        arr = arr.astype(np.int64)
    if arr.dtype.kind in "mMV":
        raise TypeError(f"{name} must be ids (ints, strings...), got dtype {arr.dtype}")
    if arr.dtype.kind == "O":
        try:
            for v in arr.tolist():
                hash(v)
        except TypeError:
            raise TypeError(f"{name} must be hashable ids, got {type(v).__name__}") from None
    return arr


def read_triples(X, name: str = "X") -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple | None]:
    """(users, items, ratings, shape) from any input form; shape is the sparse matrix's
    (users, items), else None. Ratings are float64 and finite."""
    shape = None
    if _is_sparse(X):
        coo = X.tocoo()
        users, items, ratings = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
        shape = tuple(int(n) for n in X.shape)
        if len(shape) != 2:
            raise ValueError(f"{name} must be a 2-D sparse matrix (users x items)")
    elif _is_frame(X):
        if X.shape[1] < 3:
            raise ValueError(f"{name}, a DataFrame, needs three columns: user, item, rating")
        users, items, ratings = (X.iloc[:, j].to_numpy() for j in range(3))
    elif isinstance(X, (tuple, list)) and len(X) == 3:
        users, items, ratings = X
    else:
        raise TypeError(f"{name} must be a scipy.sparse matrix (users x items), a tuple "
                        f"(users, items, ratings) or a DataFrame, got {type(X).__name__}")
    users, items = _ids(users, f"{name}'s users"), _ids(items, f"{name}'s items")
    ratings = as_float_array(ratings, f"{name}'s ratings", ndim=1, finite=True,
                             dtype=np.float64, bools=False)
    if not len(users) == len(items) == len(ratings):
        raise ValueError(f"{name}'s users, items and ratings must have the same length, got "
                         f"{len(users)}, {len(items)} and {len(ratings)}")
    return users, items, ratings, shape


def check_levels(levels) -> np.ndarray:
    """The rating levels: 2 to 64 distinct finite reals, returned sorted (float64)."""
    values = as_float_array(levels, "levels", ndim=1, finite=True, dtype=np.float64,
                            bools=False)
    if not 2 <= values.size <= 64:
        raise ValueError(f"levels must have 2 to 64 entries, got {values.size}")
    if np.unique(values).size != values.size:
        raise ValueError("levels must be distinct")
    return np.sort(values)


# a rating is a level when within this relative distance of it (float32 rounds 0.1 to
# 0.10000000149...)
LEVEL_TOLERANCE = 1e-6


def level_index(ratings: np.ndarray, levels: np.ndarray, name: str) -> np.ndarray:
    """The index of each rating among `levels` (int32); a rating that is not a level
    (within LEVEL_TOLERANCE, relative) is a ValueError naming it."""
    # the nearest level, within float32's resolution (a float32 column of 0.1 steps)
    at = np.clip(np.searchsorted(levels, ratings), 1, levels.size - 1)
    at -= np.abs(ratings - levels[at - 1]) <= np.abs(levels[at] - ratings)
    bad = np.abs(levels[at] - ratings) > LEVEL_TOLERANCE * np.maximum(1.0, np.abs(levels[at]))
    if np.any(bad):
        raise ValueError(f"{name} holds the rating {ratings[np.argmax(bad)]!r}, not one of the "
                         f"levels {tuple(levels.tolist())} (set levels= to the ratings used)")
    return at.astype(np.int32)


class IdMap:
    """Ids (any hashable) to indices 0 .. n - 1 and back, in sorted order where the ids
    sort (else in order of first appearance)."""

    def __init__(self, ids: np.ndarray, n: int | None = None):
        if n is not None:                       # a sparse matrix's rows or columns
            self.ids = np.arange(n, dtype=np.int64)
        else:
            try:
                self.ids = np.unique(ids)
            except TypeError:                   # ids that do not sort (mixed types)
                self.ids = np.array(list(dict.fromkeys(ids.tolist())), dtype=object)
        self._index = None if n is not None else {k: i for i, k in
                                                  enumerate(self.ids.tolist())}

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, ids: np.ndarray) -> np.ndarray:
        """The index of each id, -1 for an id not in the map (int64)."""
        if self._index is None:
            out = np.full(len(ids), -1, dtype=np.int64)
            if ids.dtype.kind in "iu":
                inside = (ids >= 0) & (ids < len(self.ids))
                out[inside] = ids[inside]
            return out
        get = self._index.get
        return np.fromiter((get(k, -1) for k in ids.tolist()), dtype=np.int64,
                           count=len(ids))


@dataclass
class RowLists:
    """Per row (a user, or an item in the item orientation), its rated units and levels,
    as CSR: row r's entries are units[indptr[r]:indptr[r + 1]], sorted by unit."""

    indptr: np.ndarray     # int64 (n_rows + 1)
    units: np.ndarray      # int32
    levels: np.ndarray     # int32

    @classmethod
    def build(cls, rows: np.ndarray, units: np.ndarray, levels: np.ndarray, n_rows: int,
              name: str) -> RowLists:
        order = np.lexsort((units, rows))
        rows, units, levels = rows[order], units[order], levels[order]
        same = (rows[1:] == rows[:-1]) & (units[1:] == units[:-1])
        if np.any(same):
            raise ValueError(f"{name} rates a (user, item) pair twice")
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        return cls(indptr, units.astype(np.int32), levels.astype(np.int32))

    def visible_rows(self, K: int) -> np.ndarray:
        """The kernels' visible row of each entry: unit K + level (int32)."""
        return (self.units.astype(np.int64) * K + self.levels).astype(np.int32)

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.indptr)
