"""Saving a ``GaussianRBM`` to an ``.npz`` file and loading it back.

File name rule (numpy's ``savez``, as ``RBM.save``): ``.npz`` is appended to a name that
does not end with it; ``load`` reads a path that exists as given, else that name.

Format version 1, members (``.npy`` arrays, read with ``allow_pickle=False``):

- ``format_version``; ``params``: the constructor arguments as JSON (``dtype`` by name, or
  null for ``dtype=None``, the model's dtype then being that of ``components_``;
  ``random_state`` as ``RBM.save`` writes it); ``state``: JSON of the sizes
  (``n_features_in_``, ``n_hidden``, ``n_chains``, ``n_streams``, ``history_length``),
  the σ floor of training (``z_min``), ``n_iter_``, ``interrupted_``, whether momentum
  buffers and a history are saved, and the estimator's own Generator;
- ``components_``, ``intercept_visible_``, ``intercept_hidden_``, ``sigma_``, ``mean_``,
  ``scale_``, ``h_samples_``, and ``constant`` (the training data's constant columns);
- when they exist: the momentum buffers (unpadded), the chains' PCG64 states and
  ``history_<key>`` for each key of ``history_`` (``reconstruction_error``,
  ``free_energy_gap``).

A reloaded model computes exactly as the original (``transform``, ``score_samples``,
``sample``, ``reconstruct``) and continues exactly as it would (``gibbs``, ``fit``,
``partial_fit``), except where the original draws fresh OS entropy (``random_state=None``).
Not kept: ``ais_``.

Reading checks each member's ``.npy`` header (dtype, shape, byte count) against the sizes
the file declares, and their total against this machine's memory, before any data is
decompressed; then the values through the estimator's own checks. Anything that is not a
well-formed file raises ``ValueError("not a boltz GaussianRBM file: <path>: <reason>")``;
a missing file raises ``FileNotFoundError``.
"""
from __future__ import annotations

import json
import math
import zipfile

import numpy as np

from boltz._npz import (
    DamagedFile,
    NpyMember,
    format_version,
    load_archive,
    npz_file_name,
)
from boltz._random import RandomStreams
from boltz.machines._rbm_kernels import padded
from boltz.machines._rbm_persistence import (
    MAX_JSON_CHARS,
    add_streams,
    estimator,
    load_counts,
    load_rng,
    optional,
    read_members,
    rng_state,
    sizes,
)
from boltz.machines._rbm_state import check_chains, seed_from_json, seed_json

FORMAT_VERSION = 1
VELOCITY = ("velocity_components", "velocity_visible", "velocity_hidden", "velocity_log_var")
HISTORY_KEYS = ("reconstruction_error", "free_energy_gap")


def _widths(nv: int, nh: int, dt: np.dtype) -> tuple[int, int]:
    """The kernel's padded row lengths (whole 32-byte vectors)."""
    lanes = 32 // dt.itemsize
    return -(-nv // lanes) * lanes, -(-nh // lanes) * lanes


def save(rbm, path) -> None:
    Wt, b, c, sigma, mean, scale = rbm._params()
    nh, nv = Wt.shape
    dt = Wt.dtype
    chains = check_chains(getattr(rbm, "h_samples_", None), nh, dt)
    constant = getattr(rbm, "_constant", None)
    if constant is None or np.shape(constant) != (nv,):
        constant = np.zeros(nv, dtype=bool)
    constant_at = getattr(rbm, "_constant_at", None)
    if constant_at is None or np.shape(constant_at) != (nv,):
        constant_at = np.zeros(nv)
    constant_at = np.asarray(constant_at, dtype=np.float64)
    if rbm.random_state is None:
        rbm._stream()          # drawn now from fresh entropy and saved: both continue alike
    params = rbm.get_params()
    params["dtype"] = None if params["dtype"] is None else dt.name
    params["random_state"] = seed_json(params["random_state"], "random_state")
    if np.ndim(params["k"]) == 1:
        params["k"] = [int(step) for step in params["k"]]
    params = {key: value.item() if isinstance(value, np.generic) else value
              for key, value in params.items()}
    members = {"components_": Wt, "intercept_visible_": b, "intercept_hidden_": c,
               "sigma_": sigma, "mean_": mean, "scale_": scale, "h_samples_": chains,
               "constant": np.asarray(constant, dtype=bool),
               "constant_at": constant_at}
    velocity = getattr(rbm, "_velocity", None)
    pv, ph = _widths(nv, nh, dt)
    if (isinstance(velocity, list) and [a.shape for a in velocity]
            == [(nv, ph), (pv,), (ph,), (pv,)] and all(a.dtype == dt for a in velocity)):
        members.update(zip(VELOCITY, (velocity[0][:, :nh], velocity[1][:nv],
                                      velocity[2][:nh], velocity[3][:nv]), strict=True))
    streams = getattr(rbm, "_chain_streams", None)
    if streams is not None:
        members["chain_streams"] = streams.state
    history = getattr(rbm, "history_", None)
    if history is not None:
        if set(history) - set(HISTORY_KEYS) or len({len(v) for v in history.values()}) > 1:
            raise ValueError(f"history_ must map some of {HISTORY_KEYS} to lists of equal "
                             "length")
        members.update({f"history_{key}": np.asarray(values, dtype=np.float64)
                        for key, values in history.items()})
    z_min = getattr(rbm, "_z_min", None)
    state = {"n_features_in_": nv, "n_hidden": nh, "n_chains": chains.shape[0],
             "n_streams": None if streams is None else len(streams),
             "velocity": VELOCITY[0] in members,
             "history": None if history is None else sorted(history),
             "history_length": len(next(iter(history.values()), [])) if history else 0,
             "z_min": None if z_min is None else float(z_min),
             "n_iter_": optional(rbm, "n_iter_", int),
             "interrupted_": optional(rbm, "interrupted_", bool), **rng_state(rbm)}
    np.savez(npz_file_name(path), format_version=FORMAT_VERSION, params=json.dumps(params),
             state=json.dumps(state), **members)


def load(cls, path):
    return load_archive(path, "GaussianRBM", "a", lambda zf: _load(cls, zf))


def _load(cls, zf: zipfile.ZipFile):
    version = format_version(zf)
    if version != FORMAT_VERSION:
        raise DamagedFile(f"GaussianRBM file format {version}; this boltz reads version "
                          f"{FORMAT_VERSION}")
    params = NpyMember(zf, "params").json(MAX_JSON_CHARS)
    state = NpyMember(zf, "state").json(MAX_JSON_CHARS)
    if not isinstance(params, dict) or set(params) != set(cls._get_param_names()):
        raise DamagedFile("params must hold GaussianRBM's constructor arguments")
    if not isinstance(state, dict):
        raise DamagedFile("state must be a JSON object")
    params["random_state"] = seed_from_json(params["random_state"])
    dtype = params["dtype"]
    if dtype is None:                     # dtype=None: the model's is that of components_
        dtype = NpyMember(zf, "components_").dtype.name
    if not isinstance(dtype, str) or dtype not in ("float32", "float64"):
        raise DamagedFile(f"the model's dtype must be float32 or float64, got {dtype!r:.40}")
    dt = np.dtype(dtype)
    rbm = estimator(cls, params, dt)
    nv, nh, n_chains, n_streams, length = sizes(state)
    history = state.get("history")
    if history is not None and (not isinstance(history, list)
                                or not all(key in HISTORY_KEYS for key in history)
                                or len(set(history)) != len(history)):
        raise DamagedFile(f"state: history must be null or a list of keys among "
                          f"{HISTORY_KEYS}")
    z_min = state.get("z_min")
    if z_min is not None and (not isinstance(z_min, float) or math.isnan(z_min)
                              or z_min == math.inf):      # -inf: no floor
        raise DamagedFile(f"state: z_min must be a float < inf, got {z_min!r:.40}")
    exact = (dt.type,)
    shapes = {"components_": (nh, nv), "intercept_visible_": (nv,),
              "intercept_hidden_": (nh,), "sigma_": (nv,), "mean_": (nv,), "scale_": (nv,),
              "h_samples_": (n_chains, nh)}
    members = {key: NpyMember(zf, key).expect(shape, exact) for key, shape in shapes.items()}
    members["constant"] = NpyMember(zf, "constant").expect((nv,), (np.bool_,))
    members["constant_at"] = NpyMember(zf, "constant_at").expect((nv,), (np.float64,))
    if state.get("velocity") is True:
        for key, shape in zip(VELOCITY, ((nv, nh), (nv,), (nh,), (nv,)), strict=True):
            members[key] = NpyMember(zf, key).expect(shape, exact)
    add_streams(zf, members, n_streams)
    data = read_members(zf, members, history, length)
    for key in shapes:
        setattr(rbm, key, data[key])
    rbm.n_features_in_ = nv
    rbm._constant = data["constant"]
    rbm._constant_at = data["constant_at"]
    if not np.all(np.isfinite(rbm._constant_at)):
        raise DamagedFile("constant_at must be finite")
    try:
        rbm._params()                      # finite, sigma_ and scale_ > 0
        rbm.h_samples_ = check_chains(rbm.h_samples_, nh, dt)
    except (TypeError, ValueError) as exc:
        raise DamagedFile(str(exc)) from None
    if z_min is not None:
        rbm._z_min = z_min
    if VELOCITY[0] in data:
        parts = [data[key] for key in VELOCITY]
        if not all(np.all(np.isfinite(a)) for a in parts):
            raise DamagedFile("the momentum buffers must be finite")
        pv, ph = _widths(nv, nh, dt)
        rbm._velocity = [padded(parts[0], ph), padded(parts[1], pv), padded(parts[2], ph),
                         padded(parts[3], pv)]
    if "chain_streams" in data:
        rbm._chain_streams = RandomStreams.from_state(data["chain_streams"])
    if history is not None:
        rbm.history_ = {key: data[f"history_{key}"].tolist() for key in history}
    load_rng(rbm, state)
    load_counts(rbm, state)
    return rbm
