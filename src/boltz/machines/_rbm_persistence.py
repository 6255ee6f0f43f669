"""Saving an ``RBM`` to an ``.npz`` file and loading it back.

File name rule (numpy's ``savez``): ``.npz`` is appended to a name that does not end with
it; ``load`` reads a path that exists as given, and otherwise the name ``save`` would have
written (so ``save("model")`` and ``load("model")`` agree).

Format version 2 (written), members (``.npy`` arrays, read with ``allow_pickle=False``):

- ``format_version``; ``params``: the constructor arguments as JSON (``dtype`` by name, or
  null for ``dtype=None``, the model's dtype then being that of ``components_``;
  ``random_state`` as an int, a SeedSequence's fields, a Generator's seed sequence and
  bit-generator state, or a RandomState's MT19937 state); ``state``: JSON of the sizes
  (``n_features_in_``, ``n_hidden``, ``n_chains``, ``n_streams``, ``history_length``),
  ``n_iter_``, ``interrupted_``, the history's keys and the estimator's own Generator;
- ``components_``, ``intercept_hidden_``, ``intercept_visible_``, ``h_samples_``;
- when they exist: the centring offsets (``visible_offset_``, ``hidden_offset_``), the
  momentum buffers (unpadded), the chains' PCG64 states
  (``RandomStreams.state``), the pseudo-likelihood's row hash and ``history_``.

A reloaded model continues exactly as the original would (``fit``, ``partial_fit``,
``score_samples``, ``gibbs`` bit-identical), except where the original draws fresh OS
entropy (``random_state=None``: a new ``fit`` differs, as it would for the original). Not
kept: ``ais_`` (the result of the last AIS call). Version-1 files (constructor arguments with
``random_state`` only when None or an int, and the four learned arrays) still load; they do
not continue bit-identically (no random-stream state, no momentum, no history).

Reading checks before decompressing any data: each member's ``.npy`` header (dtype, shape,
byte count) against the sizes the file itself declares (and version 1's ``n_components``
and ``batch_size``), the JSON members' length, and the total against this machine's memory;
then the values (finite parameters, binary chains) through ``_rbm_state``. Anything that is
not a well-formed boltz RBM file raises ``ValueError("not a boltz RBM file: <path>:
<reason>")``; a missing file raises ``FileNotFoundError``.
"""
from __future__ import annotations

import json
import zipfile

import numpy as np

from boltz._npz import (
    DamagedFile,
    NpyMember,
    check_memory,
    format_version,
    load_archive,
    npz_file_name,
    state_int,
)
from boltz._random import RandomStreams
from boltz.machines import _rbm_kernels
from boltz.machines._rbm_state import (
    LEARNED,
    check_chains,
    check_parameters,
    check_velocity,
    seed_from_json,
    seed_json,
)

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_JSON_CHARS = 1 << 20            # params and state members (characters)
VELOCITY = ("velocity_components", "velocity_visible", "velocity_hidden")
HISTORY_KEYS = ("reconstruction_error", "pseudo_likelihood", "free_energy_gap")


# ---- saving ----------------------------------------------------------------------------------

def save(rbm, path) -> None:
    arrays = rbm._arrays()
    nh, nv = arrays.components.shape
    chains = check_chains(getattr(rbm, "h_samples_", None), nh, arrays.dtype)
    if rbm.random_state is None:
        # what the original would draw later from fresh entropy is drawn now and saved,
        # so that both continue alike
        rbm._stream()
        rbm._row_hash_of(nv)
    params = rbm.get_params()
    params["dtype"] = None if params["dtype"] is None else arrays.dtype.name
    params["random_state"] = seed_json(params["random_state"], "random_state")
    for key in ("k", "betas"):                # sequences (arrays among them) as JSON lists
        if params[key] is not None and np.ndim(params[key]) == 1:
            params[key] = np.asarray(params[key]).tolist()
    params = {key: value.item() if isinstance(value, np.generic) else value
              for key, value in params.items()}    # NumPy scalars as Python numbers
    members = {"components_": arrays.components, "intercept_hidden_": arrays.c,
               "intercept_visible_": arrays.b, "h_samples_": chains}
    velocity = getattr(rbm, "_velocity", None)
    if _rbm_kernels.velocity_fits(velocity, arrays):
        members.update(zip(VELOCITY, _rbm_kernels.unpadded_velocity(velocity, arrays), strict=True))
    streams = getattr(rbm, "_chain_streams", None)
    if streams is not None:
        members["chain_streams"] = streams.state
    offsets = rbm._offsets(arrays)
    if offsets is not None:
        members["visible_offset_"], members["hidden_offset_"] = offsets[0][:nv], offsets[1][:nh]
    row_hash = getattr(rbm, "_row_hash", None)
    if row_hash is not None and row_hash.shape == (nv,):
        members["row_hash"] = row_hash
    history = getattr(rbm, "history_", None)
    length = 0
    if history is not None:
        if set(history) - set(HISTORY_KEYS) or len({len(v) for v in history.values()}) > 1:
            raise ValueError(f"history_ must map {HISTORY_KEYS} to lists of equal length")
        length = len(next(iter(history.values()), []))
        members.update({f"history_{key}": np.asarray(values, dtype=np.float64)
                        for key, values in history.items()})
    state = {"n_features_in_": nv, "n_hidden": nh, "n_chains": chains.shape[0],
             "n_streams": None if streams is None else len(streams),
             "velocity": VELOCITY[0] in members, "row_hash": "row_hash" in members,
             "offsets": offsets is not None,
             "history": None if history is None else sorted(history),
             "history_length": length,
             "n_iter_": optional(rbm, "n_iter_", int), "interrupted_": optional(
                 rbm, "interrupted_", bool),
             **rng_state(rbm)}
    np.savez(npz_file_name(path), format_version=FORMAT_VERSION, params=json.dumps(params),
             state=json.dumps(state), **members)


def rng_state(rbm) -> dict:
    """The estimator's Generator as the ``state`` JSON holds it: ``rng`` and whether it
    was built over the random_state SeedSequence itself."""
    rng = getattr(rbm, "_rng", None)
    return {"rng": None if rng is None else seed_json(rng, "_rng"),
            "rng_shares_random_state": rng is not None and isinstance(
                rbm.random_state, np.random.SeedSequence)
            and rng.bit_generator.seed_seq is rbm.random_state}


def load_rng(rbm, state: dict) -> None:
    """The estimator's Generator back from ``state`` (`rng_state`), when one was saved."""
    shared = rbm.random_state if state.get("rng_shares_random_state") is True else None
    if shared is not None and not isinstance(shared, np.random.SeedSequence):
        raise DamagedFile("state: rng_shares_random_state without a SeedSequence random_state")
    rng = seed_from_json(state.get("rng"), "rng", seed_seq=shared)
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise DamagedFile("state: rng must be a saved Generator")
        rbm._rng = rng


def load_counts(rbm, state: dict) -> None:
    """``n_iter_`` and ``interrupted_`` back from ``state``, when saved."""
    for key, kind in (("n_iter_", int), ("interrupted_", bool)):
        value = state.get(key)
        if value is not None:
            if type(value) is not kind or (kind is int and value < 0):
                raise DamagedFile(f"state: {key} must be {kind.__name__}, got {value!r:.40}")
            setattr(rbm, key, value)


def optional(rbm, name, kind):
    value = getattr(rbm, name, None)
    return None if value is None else kind(value)


# ---- loading ----------------------------------------------------------------------------------

def load(cls, path):
    return load_archive(path, "RBM", "an", lambda zf: _load(cls, zf))


def _load(cls, zf: zipfile.ZipFile):
    version = format_version(zf)
    if version not in READABLE_VERSIONS:
        raise DamagedFile(f"RBM file format {version}; this boltz reads versions "
                       f"{', '.join(map(str, READABLE_VERSIONS))}")
    params = NpyMember(zf, "params").json(MAX_JSON_CHARS)
    if not isinstance(params, dict):
        raise DamagedFile("params must be a JSON object")
    names = set(cls._get_param_names())
    if set(params) - names:
        raise DamagedFile(f"unknown parameters {sorted(set(params) - names)}")
    params["random_state"] = seed_from_json(params.get("random_state"))
    # files of boltz before visible_bias_init and sampler: their training, named today
    params.setdefault("visible_bias_init", "zeros")
    if "sampler" not in params and params.get("persistent") is not None:
        params["sampler"] = "pcd" if params.pop("persistent") is True else "cd"
    dtype = params.get("dtype")
    if version == 2 and dtype is None:     # dtype=None: the model's is that of components_
        dtype = NpyMember(zf, "components_").dtype.name
        if dtype not in ("float32", "float64"):
            raise DamagedFile(f"components_ must be float32 or float64, got {dtype}")
    elif not isinstance(dtype, str) or dtype not in ("float32", "float64"):
        raise DamagedFile(f"params: dtype must be 'float32' or 'float64', got "
                       f"{dtype!r:.40}")
    dt = np.dtype(dtype)
    rbm = estimator(cls, params, dt)
    if version == 1:
        return _load_v1(rbm, zf, dt)
    return _load_v2(rbm, zf, dt)


def estimator(cls, params: dict, dt: np.dtype):
    """``cls(**params)`` with a dtype given by name as `dt`'s type, its arguments
    checked."""
    if params.get("dtype") is not None:
        params["dtype"] = dt.type
    rbm = cls(**params)
    try:
        rbm._check_hyper()
    except (TypeError, ValueError) as exc:
        raise DamagedFile(f"params: {exc}") from None
    return rbm


def sizes(state: dict) -> tuple[int, int, int, int | None, int]:
    """The sizes ``state`` declares: n_features_in_, n_hidden, n_chains, n_streams (None
    without saved streams) and history_length."""
    return (state_int(state, "n_features_in_"), state_int(state, "n_hidden"),
            state_int(state, "n_chains"), state_int(state, "n_streams", optional=True),
            state_int(state, "history_length", minimum=0))


def add_streams(zf, members: dict, n_streams: int | None) -> None:
    """The chains' streams' header into `members`, when saved."""
    if n_streams is not None:
        members["chain_streams"] = NpyMember(zf, "chain_streams").expect((n_streams, 6),
                                                                        (np.uint64,))


def read_members(zf, members: dict, history, length: int) -> dict:
    """The arrays of the `members` headers (name: NpyMember), with the history's lists
    when saved, read once their total is checked against this machine's memory."""
    for key in history or ():
        members[f"history_{key}"] = NpyMember(zf, f"history_{key}").expect((length,),
                                                                          (np.float64,))
    check_memory(members.values())
    return {key: m.read() for key, m in members.items()}


def _install(rbm, W, b, c, chains, dt) -> None:
    nv = W.shape[1]
    rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_ = check_parameters(
        W, b, c, nv, dt)
    rbm.h_samples_ = check_chains(chains, W.shape[0], dt)
    rbm.n_features_in_ = nv


def _load_v1(rbm, zf, dt):
    """Version 1: the four learned arrays, sized by n_components, batch_size and the width
    of components_."""
    floats = (np.float32, np.float64)
    nh, rows = rbm.n_components, rbm.batch_size
    W = NpyMember(zf, "components_")
    if len(W.shape) != 2:
        raise DamagedFile(f"components_ must be 2-D, got shape {W.shape}")
    nv = W.shape[1]
    members = [W.expect((nh, nv), floats),
               NpyMember(zf, "intercept_visible_").expect((nv,), floats),
               NpyMember(zf, "intercept_hidden_").expect((nh,), floats),
               NpyMember(zf, "h_samples_").expect((rows, nh), floats)]
    check_memory(members)
    W, b, c, chains = (m.read() for m in members)
    _install(rbm, W, b, c, chains, dt)
    return rbm


def _load_v2(rbm, zf, dt):
    state = NpyMember(zf, "state").json(MAX_JSON_CHARS)
    if not isinstance(state, dict):
        raise DamagedFile("state must be a JSON object")
    nv, nh, n_chains, n_streams, length = sizes(state)
    history = state.get("history")
    if history is not None and (not isinstance(history, list)
                                or not set(history) <= set(HISTORY_KEYS)):
        raise DamagedFile(f"state: history must list some of {HISTORY_KEYS}")
    exact = (dt.type,)
    members = {"components_": NpyMember(zf, "components_").expect((nh, nv), exact),
               "intercept_visible_": NpyMember(zf, "intercept_visible_").expect((nv,), exact),
               "intercept_hidden_": NpyMember(zf, "intercept_hidden_").expect((nh,), exact),
               "h_samples_": NpyMember(zf, "h_samples_").expect((n_chains, nh), exact)}
    if state.get("velocity") is True:
        for key, shape in zip(VELOCITY, ((nv, nh), (nv,), (nh,)), strict=True):
            members[key] = NpyMember(zf, key).expect(shape, exact)
    add_streams(zf, members, n_streams)
    if state.get("offsets") is True:
        members["visible_offset_"] = NpyMember(zf, "visible_offset_").expect((nv,), exact)
        members["hidden_offset_"] = NpyMember(zf, "hidden_offset_").expect((nh,), exact)
    if state.get("row_hash") is True:
        members["row_hash"] = NpyMember(zf, "row_hash").expect((nv,), (np.float64,))
    data = read_members(zf, members, history, length)
    _install(rbm, *(data[key] for key in ("components_", "intercept_visible_",
                                          "intercept_hidden_", "h_samples_")), dt)
    if "visible_offset_" in data:
        rbm.visible_offset_, rbm.hidden_offset_ = data["visible_offset_"], data["hidden_offset_"]
        rbm._offsets(rbm._arrays())                  # checked: finite
    if "chain_streams" in data:
        rbm._chain_streams = RandomStreams.from_state(data["chain_streams"])
    if VELOCITY[0] in data:
        parts = check_velocity([data[key] for key in VELOCITY], nv, nh, dt)
        rbm._velocity = _rbm_kernels.padded_velocity(parts, rbm._arrays())
    if "row_hash" in data:
        if not np.all(np.isfinite(data["row_hash"])):
            raise DamagedFile("row_hash must be finite")
        rbm._row_hash = data["row_hash"]
    if history is not None:
        rbm.history_ = {key: data[f"history_{key}"].tolist() for key in history}
    load_rng(rbm, state)
    load_counts(rbm, state)
    return rbm


__all__ = ["FORMAT_VERSION", "LEARNED", "load", "save"]
