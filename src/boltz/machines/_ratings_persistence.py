"""Saving a ``RatingsRBM`` to an ``.npz`` file and loading it back.

File name rule (numpy's ``savez``, as ``RBM.save``): ``.npz`` is appended to a name that
does not end with it; ``load`` reads a path that exists as given, else that name.

Members (``.npy`` arrays, read with ``allow_pickle=False``, each header checked against its
member's size before any data is decompressed, ``boltz._npz``): ``format_version``;
``params``, the constructor arguments as JSON; ``components_``, ``intercept_visible_``,
``intercept_hidden_``, ``levels_``, ``user_ids_``, ``item_ids_`` (numbers or strings: a
model whose ids are other objects cannot be saved); the training lists the predictions
condition on (``indptr``, ``units``, ``unit_levels``), and in the conditional variant
``conditional_components_``, ``seen_indptr``, ``seen_units``; ``history_*`` when fitted
by ``fit``. The momentum buffers and random streams are not kept: a loaded model predicts
exactly as the saved one, and ``fit`` starts afresh from ``random_state`` as for any model.

Anything that is not a well-formed file raises ``ValueError("not a boltz RatingsRBM file:
<path>: <reason>")``; a missing file raises ``FileNotFoundError``.
"""
from __future__ import annotations

import json
import zipfile

import numpy as np

from boltz._npz import DamagedFile, NpyMember, load_archive, npz_file_name
from boltz.machines._ratings_data import IdMap, RowLists, check_levels
from boltz.machines._rbm_state import seed_from_json, seed_json

FORMAT_VERSION = 1
HISTORY_KEYS = ("reconstruction_rmse", "train_rmse", "epoch_time", "validation_rmse",
                "validation_mae")
FLOATS = (np.float32, np.float64)
INTS = (np.int32, np.int64)


def _ids_member(ids: np.ndarray, name: str) -> np.ndarray:
    if ids.dtype.kind in "iuU":
        return ids
    raise ValueError(f"{name} holds ids that are neither numbers nor strings: this model "
                     "cannot be saved (map the ids to ints or strings first)")


def save(rbm, path) -> None:
    rbm._check_fitted()
    params = rbm.get_params()
    params["dtype"] = np.dtype(params["dtype"]).name
    params["random_state"] = seed_json(params["random_state"], "random_state")
    params["levels"] = np.asarray(params["levels"], dtype=np.float64).tolist()
    if np.ndim(params["k"]) == 1:
        params["k"] = [int(step) for step in params["k"]]
    if isinstance(params["learning_rate"], dict):
        params["learning_rate"] = {k: float(v) for k, v in params["learning_rate"].items()}
    params = {key: value.item() if isinstance(value, np.generic) else value
              for key, value in params.items()}
    members = {"components_": rbm.components_, "intercept_visible_": rbm.intercept_visible_,
               "intercept_hidden_": rbm.intercept_hidden_, "levels_": rbm.levels_,
               "user_ids_": _ids_member(rbm.user_ids_, "user_ids_"),
               "item_ids_": _ids_member(rbm.item_ids_, "item_ids_"),
               "indptr": rbm._lists.indptr, "units": rbm._lists.units,
               "unit_levels": rbm._lists.levels}
    if rbm._seen is not None:
        members.update(conditional_components_=rbm.conditional_components_,
                       seen_indptr=rbm._seen.indptr, seen_units=rbm._seen.units)
    history = getattr(rbm, "history_", None) or {}
    members.update({f"history_{key}": np.asarray(v, dtype=np.float64)
                    for key, v in history.items()})
    state = {"history": sorted(history), "n_iter_": int(getattr(rbm, "n_iter_", 0)),
             "interrupted_": bool(getattr(rbm, "interrupted_", False))}
    np.savez(npz_file_name(path), format_version=FORMAT_VERSION, params=json.dumps(params),
             state=json.dumps(state), **members)


def load(cls, path):
    return load_archive(path, "RatingsRBM", "a", lambda zf: _load(cls, zf))


def _lists(zf, ptr: str, units: str, n_rows: int, n_units: int, levels: str | None,
           K: int) -> RowLists:
    indptr = NpyMember(zf, ptr).expect((n_rows + 1,), INTS).read().astype(np.int64)
    n = int(indptr[-1]) if indptr.size else -1
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise DamagedFile(f"{ptr} must increase from 0")
    unit = NpyMember(zf, units).expect((n,), INTS).read().astype(np.int32)
    level = (np.zeros(n, dtype=np.int32) if levels is None
             else NpyMember(zf, levels).expect((n,), INTS).read().astype(np.int32))
    if np.any((unit < 0) | (unit >= n_units)) or np.any((level < 0) | (level >= K)):
        raise DamagedFile(f"{units} names units or levels outside the model")
    # each row's units increase (predictions find a pair's own rating by binary search)
    first = np.zeros(n, dtype=bool)
    first[indptr[:-1][indptr[:-1] < n]] = True
    if np.any(~first[1:] & (unit[1:] <= unit[:-1])):
        raise DamagedFile(f"{units} must increase within each row")
    return RowLists(indptr, unit, level)


def _load(cls, zf: zipfile.ZipFile):
    version = NpyMember(zf, "format_version").read()
    if version.shape != () or int(version) != FORMAT_VERSION:
        raise DamagedFile(f"format version {version!r:.20}; this boltz reads {FORMAT_VERSION}")
    params = NpyMember(zf, "params").json(1 << 20)
    state = NpyMember(zf, "state").json(1 << 20)
    if not isinstance(params, dict) or set(params) != set(cls._get_param_names()):
        raise DamagedFile("params must hold RatingsRBM's constructor arguments")
    params["random_state"] = seed_from_json(params["random_state"])
    if isinstance(params["levels"], list):
        params["levels"] = tuple(params["levels"])
    rbm = cls(**params)
    rbm._check_hyper()
    W = NpyMember(zf, "components_")
    if len(W.shape) != 3:
        raise DamagedFile(f"components_ must be 3-D, got shape {W.shape}")
    n_units, K, F = W.shape
    levels = check_levels(NpyMember(zf, "levels_").expect((K,), FLOATS).read())
    if F != params["n_components"] or not np.array_equal(levels, check_levels(rbm.levels)):
        raise DamagedFile("components_ and levels_ disagree with the parameters")
    dt = np.dtype(params["dtype"])
    rbm.components_ = W.expect((n_units, K, F), FLOATS).read().astype(dt)
    rbm.intercept_visible_ = NpyMember(zf, "intercept_visible_").expect(
        (n_units, K), FLOATS).read().astype(dt)
    rbm.intercept_hidden_ = NpyMember(zf, "intercept_hidden_").expect((F,), FLOATS).read(
        ).astype(dt)
    user_ids = NpyMember(zf, "user_ids_").read()
    item_ids = NpyMember(zf, "item_ids_").read()
    if user_ids.ndim != 1 or item_ids.ndim != 1:
        raise DamagedFile("user_ids_ and item_ids_ must be 1-D")
    n_cases = user_ids.size if rbm.orientation == "user" else item_ids.size
    if n_units != (item_ids.size if rbm.orientation == "user" else user_ids.size):
        raise DamagedFile("components_ disagrees with the ids")
    rbm.levels_ = levels
    # fit maps ids in sorted order (a model whose ids do not sort cannot be saved): the
    # saved ids map back to the same indices
    rbm._user_map, rbm._item_map = IdMap(user_ids), IdMap(item_ids)
    if not (np.array_equal(rbm._user_map.ids, user_ids)
            and np.array_equal(rbm._item_map.ids, item_ids)):
        raise DamagedFile("user_ids_ and item_ids_ must be distinct and sorted, as fit "
                          "maps them")
    rbm.user_ids_, rbm.item_ids_ = rbm._user_map.ids, rbm._item_map.ids
    rbm._n_units = n_units
    rbm._lists = _lists(zf, "indptr", "units", n_cases, n_units, "unit_levels", K)
    rbm._seen, rbm.conditional_components_ = None, None
    if rbm.conditional:
        rbm.conditional_components_ = NpyMember(zf, "conditional_components_").expect(
            (n_units, F), FLOATS).read().astype(dt)
        rbm._seen = _lists(zf, "seen_indptr", "seen_units", n_cases, n_units, None, K)
    for name in ("components_", "intercept_visible_", "intercept_hidden_",
                 "conditional_components_"):
        value = getattr(rbm, name)
        if value is not None and not np.all(np.isfinite(value)):
            raise DamagedFile(f"{name} holds nan or inf")
    rbm._counts_from_lists()
    keys = state.get("history") if isinstance(state, dict) else None
    if not isinstance(keys, list) or set(keys) - set(HISTORY_KEYS):
        raise DamagedFile("state: history must list history_'s keys")
    if keys:
        rbm.history_ = {key: NpyMember(zf, f"history_{key}").read() for key in keys}
        if any(v.ndim != 1 or v.dtype.kind not in "iuf" for v in rbm.history_.values()):
            raise DamagedFile("history_ members must be 1-D arrays of numbers")
        rbm.history_ = {key: v.astype(float).tolist() for key, v in rbm.history_.items()}
    rbm.n_iter_ = int(state.get("n_iter_", 0))
    rbm.interrupted_ = bool(state.get("interrupted_", False))
    rbm._velocity = None
    return rbm
