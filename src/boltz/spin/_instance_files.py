"""Ising models from instance files: a Gset/rudy edge list (Max-Cut) or an ``.npz`` of the
couplings, as ``boltz anneal`` and :func:`boltz.map_models` read them."""
from __future__ import annotations

import os
import warnings
import zipfile

import numpy as np

from boltz._files import open_regular


class InstanceFileError(ValueError):
    """An instance file that is missing or cannot be read as a model (the message starts
    with its path)."""


def _is_npz(path) -> bool:
    fh, _ = open_regular(path, "a model")        # a FIFO or device: refused unopened
    with fh:
        return (str(path).lower().endswith(".npz")
                or fh.read(4) == b"PK\x03\x04")  # a zip archive, which is what .npz is


_NPZ_ARRAYS = ("J", "rows", "cols", "values", "h", "offset", "num_spins")


def _npz_arrays(path) -> dict:
    """The arrays of a model's .npz, each header checked against its member's size and the
    total against the memory before any data is read (a zip bomb is refused unread)."""
    from boltz._memory import check_allocation
    from boltz._npz import DamagedFile, NpyMember

    try:
        with zipfile.ZipFile(path) as zf:
            names = {n[:-4] for n in zf.namelist() if n.endswith(".npy")}
            members = [NpyMember(zf, n) for n in _NPZ_ARRAYS if n in names]
            for m in members:
                if m.dtype.kind not in "biuf":
                    raise DamagedFile(f"{m.name} has dtype {m.dtype}, not a real number type")
            try:
                check_allocation(sum(m.nbytes for m in members), path, "its arrays")
            except ValueError as exc:
                raise InstanceFileError(str(exc)) from None
            return {m.name: m.read() for m in members}
    except InstanceFileError:
        raise
    except Exception as exc:                      # damaged: the zip, a header or the data
        raise InstanceFileError(f"{path}: not a readable .npz file ({exc})") from None


def _load_npz(path, dtype):
    from boltz.spin.ising_model import IsingModel

    data = _npz_arrays(path)
    if "J" in data:
        J = data["J"]
    elif {"rows", "cols", "values"} <= set(data):
        J = (data["rows"], data["cols"], data["values"])
    else:
        raise InstanceFileError(f"{path}: expected an array 'J' (dense n x n) or arrays "
                          f"'rows', 'cols', 'values'; found {sorted(data) or 'none'}")
    h = data.get("h")
    offset = data.get("offset", 0.0)
    num_spins = data.get("num_spins")
    if np.ndim(offset) != 0:
        if np.size(offset) != 1:
            raise InstanceFileError(f"{path}: 'offset' must be a single number")
        offset = np.ravel(offset)[0]
    try:
        return IsingModel(J, h=h, offset=float(offset),
                                num_spins=None if num_spins is None else num_spins[()],
                                dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise InstanceFileError(f"{path}: {exc}") from None


def load_instance(path, dtype=np.float64):
    """(model, kind) from a Gset/rudy edge list (kind "maxcut") or an .npz ("npz").

    Raises InstanceFileError (a ValueError whose message starts with the path) when the
    file is missing or unreadable."""
    from boltz.spin.ising_model import IsingModel

    if not os.path.exists(path):
        raise InstanceFileError(f"{path}: no such file")
    try:
        if _is_npz(path):
            return _load_npz(path, dtype), "npz"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # loadtxt's "no data" warning: error below
            model = IsingModel.from_maxcut(path, dtype=dtype)
        return model, "maxcut"
    except InstanceFileError:
        raise
    except UnicodeDecodeError:
        raise InstanceFileError(f"{path}: not a text edge list (Gset/rudy format: first line "
                          f"'n m', then 'i j w' per edge) nor an .npz archive") from None
    except (OSError, ValueError, TypeError, IndexError) as exc:
        detail = str(exc)
        if detail.startswith(f"{path}"):   # from_maxcut's errors already name the file
            raise InstanceFileError(detail) from None
        raise InstanceFileError(f"{path}: cannot read as a Gset/rudy edge list "
                          f"(first line 'n m', then 'i j w' per edge, 1-based): {exc}") from None
