"""Saving an ``RBM`` to an ``.npz`` file and loading it back (format version 1): the
constructor arguments as JSON (``random_state`` only when None or an int; ``dtype`` by
name) and the learned arrays. Read with ``allow_pickle=False``."""
from __future__ import annotations

import json

import numpy as np

FORMAT_VERSION = 1
LEARNED = ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")


def save(rbm, path) -> None:
    params = {key: (np.dtype(v).name if key == "dtype" else v)
              for key, v in rbm.get_params().items()
              if key != "random_state" or v is None or isinstance(v, int)}
    np.savez(path, format_version=FORMAT_VERSION, params=json.dumps(params),
             **{name: getattr(rbm, name) for name in LEARNED})


def load(cls, path):
    with np.load(path, allow_pickle=False) as data:
        version = int(data["format_version"])
        if version != FORMAT_VERSION:
            raise ValueError(f"{path}: RBM file format {version}, this boltz reads "
                             f"{FORMAT_VERSION}")
        params = json.loads(str(data["params"]))
        params["dtype"] = np.dtype(params["dtype"]).type
        rbm = cls(**params)
        for name in LEARNED:
            setattr(rbm, name, data[name].copy())
    rbm.n_features_in_ = rbm.components_.shape[1]
    return rbm
