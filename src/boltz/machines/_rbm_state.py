"""The learned state of an ``RBM`` and its contract, in one place: every array that reaches
a kernel passes through these checks, whether it was set by ``fit``, by the user as an
attribute, or read from a file (``_rbm_persistence``).

With nh hidden units (the rows of ``components_``) and nv = ``n_features_in_``:

- ``components_`` (nh, nv), ``intercept_visible_`` (nv,), ``intercept_hidden_`` (nh,): real
  and finite, converted to the model's dtype and made C-contiguous (the user's array is not
  modified);
- ``h_samples_`` (n_chains, nh), n_chains >= 1: the persistent chains' hidden states, 0 or 1;
- the momentum buffers, unpadded (nv, nh), (nv,), (nh,): finite, in the model's dtype.

A wrong shape, dtype or value raises ``ValueError`` (``TypeError`` for a non-numeric dtype)
naming the attribute, before any kernel runs.

Seeds and generators are also written here as JSON values (for saving): an int, a
``SeedSequence`` (entropy, spawn key, pool size and children spawned), a ``Generator``
(its seed sequence and its bit generator's state) or a legacy ``RandomState`` (its MT19937
key and position and its cached Gaussian), read back into objects that continue exactly
where the originals were.
"""
from __future__ import annotations

import numbers

import numpy as np

from boltz._validation import as_float_array

LEARNED = ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")


def _finite(name: str, arr: np.ndarray) -> None:
    # a float64 sum of float32 values cannot overflow, so a finite sum proves every value
    # finite without a boolean temporary; only a non-finite sum needs the element test
    if not np.isfinite(arr.sum(dtype=np.float64)) and not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (no nan or inf)")


def check_array(value, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """`value` as a finite C-contiguous array of `dtype` and exactly `shape` (an entry None
    takes any length >= 1); ValueError / TypeError naming `name` otherwise."""
    if value is None:
        raise ValueError(f"{name} is missing (None): fit the model first")
    arr = as_float_array(value, name)
    if arr.ndim != len(shape) or any(want is not None and got != want
                                     for got, want in zip(arr.shape, shape, strict=True)):
        wanted = "(" + ", ".join("n" if s is None else str(s) for s in shape) + \
                 ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {wanted}, got {arr.shape}")
    if any(want is None and got < 1 for got, want in zip(arr.shape, shape, strict=True)):
        raise ValueError(f"{name} must have at least one row, got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    _finite(name, arr)
    return arr


def check_parameters(components, b, c, n_features, dtype: np.dtype):
    """(components_, intercept_visible_, intercept_hidden_) checked against each other and
    `n_features` (None: take it from components_), in `dtype`."""
    W = check_array(components, "components_", (None, n_features), dtype)
    nh, nv = W.shape
    return (W, check_array(b, "intercept_visible_", (nv,), dtype),
            check_array(c, "intercept_hidden_", (nh,), dtype))


def check_chains(h, n_hidden: int, dtype: np.dtype, n_chains: int | None = None) -> np.ndarray:
    """``h_samples_`` as a (n_chains, n_hidden) array of 0/1 in `dtype`."""
    H = check_array(h, "h_samples_", (n_chains, n_hidden), dtype)
    if not np.all((H == 0) | (H == 1)):
        raise ValueError("h_samples_ must hold hidden states, 0 or 1")
    return H


def check_velocity(parts, n_features: int, n_hidden: int, dtype: np.dtype) -> list:
    """The unpadded momentum buffers [dW^T (nv, nh), db (nv), dc (nh)], checked."""
    names = ("velocity of components_", "velocity of intercept_visible_",
             "velocity of intercept_hidden_")
    shapes = ((n_features, n_hidden), (n_features,), (n_hidden,))
    return [check_array(p, name, shape, dtype)
            for p, name, shape in zip(parts, names, shapes, strict=True)]


# ---- seeds and generators as JSON ------------------------------------------------------------

_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def _plain(value):
    """A bit generator's state dict with its arrays as {"array": [...], "dtype": ...}."""
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, numbers.Integral):
        return int(value)
    return value


def _arrays(value):
    if isinstance(value, dict):
        if set(value) == {"array", "dtype"}:
            return np.array(value["array"], dtype=np.dtype(value["dtype"]))
        return {key: _arrays(v) for key, v in value.items()}
    return value


def _sequence_json(seq: np.random.SeedSequence) -> dict:
    entropy = seq.entropy
    return {"entropy": (int(entropy) if isinstance(entropy, numbers.Integral)
                        else [int(e) for e in entropy]),
            "spawn_key": [int(k) for k in seq.spawn_key], "pool_size": int(seq.pool_size),
            "n_children_spawned": int(seq.n_children_spawned)}


# Bounds on a saved SeedSequence, far above what numpy writes (pool_size 4, a few words of
# entropy and spawn key): its mixing is quadratic in pool_size, so a tampered file could hang.
_MAX_POOL_SIZE = 64
_MAX_WORDS = 1024


def _sequence(obj: dict) -> np.random.SeedSequence:
    entropy, key, pool = obj["entropy"], obj["spawn_key"], obj["pool_size"]
    if not isinstance(pool, int) or not 4 <= pool <= _MAX_POOL_SIZE:
        raise ValueError(f"pool_size must be an int in [4, {_MAX_POOL_SIZE}], got {pool!r:.40}")
    if not isinstance(key, list) or len(key) > _MAX_WORDS or (
            isinstance(entropy, list) and len(entropy) > _MAX_WORDS):
        raise ValueError(f"spawn_key and entropy must be lists of at most {_MAX_WORDS} words")
    if isinstance(entropy, int) and entropy.bit_length() > 32 * _MAX_WORDS:
        raise ValueError(f"entropy must have at most {32 * _MAX_WORDS} bits")
    return np.random.SeedSequence(obj["entropy"], spawn_key=tuple(obj["spawn_key"]),
                                  pool_size=obj["pool_size"],
                                  n_children_spawned=obj["n_children_spawned"])


_MT_WORDS = 624                     # MT19937's key


def _random_state_json(rs: np.random.RandomState) -> dict:
    state = rs.get_state(legacy=False)
    return {"key": [int(k) for k in state["state"]["key"]], "pos": int(state["state"]["pos"]),
            "has_gauss": int(state["has_gauss"]), "gauss": float(state["gauss"])}


def _random_state(obj: dict) -> np.random.RandomState:
    """A RandomState from `_random_state_json`'s fields, each checked first (numpy's own
    setter accepts a position past the key, which its next draw would read beyond)."""
    key, pos, has_gauss, gauss = obj["key"], obj["pos"], obj["has_gauss"], obj["gauss"]
    if not (isinstance(key, list) and len(key) == _MT_WORDS and all(
            type(k) is int and 0 <= k < 2**32 for k in key)):
        raise ValueError(f"key must be {_MT_WORDS} ints in [0, 2**32)")
    if type(pos) is not int or not 0 <= pos <= _MT_WORDS:
        raise ValueError(f"pos must be an int in [0, {_MT_WORDS}], got {pos!r:.40}")
    if has_gauss not in (0, 1) or type(has_gauss) is not int:
        raise ValueError(f"has_gauss must be 0 or 1, got {has_gauss!r:.40}")
    if type(gauss) not in (int, float) or not np.isfinite(gauss):
        raise ValueError(f"gauss must be a finite number, got {gauss!r:.40}")
    rs = np.random.RandomState(0)
    rs.set_state({"bit_generator": "MT19937",
                  "state": {"key": np.array(key, dtype=np.uint32), "pos": pos},
                  "has_gauss": has_gauss, "gauss": float(gauss)})
    return rs


def _check_position(kind: str, state: dict) -> None:
    """Refuse a saved read position outside the bit generator's buffer: numpy's setters
    accept any (MT19937's ``pos``, Philox's ``buffer_pos``) and the next draw then reads
    far outside the state, crashing the process."""
    if kind == "MT19937":
        pos, size = state["state"]["pos"], _MT_WORDS
    elif kind == "Philox":
        pos, size = state["buffer_pos"], 4
    else:
        return
    if not isinstance(pos, int) or isinstance(pos, bool) or not 0 <= pos <= size:
        raise ValueError(f"{kind} position must be an int in [0, {size}], got {pos!r:.40}")


def seed_json(seed, name: str = "random_state"):
    """`seed` (None, int, SeedSequence, Generator or RandomState) as a JSON value that
    `seed_from_json` turns back into an equivalent object (a copy continuing exactly where
    `seed` is)."""
    if seed is None:
        return None
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)):
        return int(seed)
    if isinstance(seed, np.random.SeedSequence):
        return {"SeedSequence": _sequence_json(seed)}
    if isinstance(seed, np.random.Generator):
        bitgen = seed.bit_generator
        state = bitgen.state
        if state.get("bit_generator") not in _BIT_GENERATORS:
            raise TypeError(f"{name}: cannot save a Generator over {type(bitgen).__name__}")
        seq = bitgen.seed_seq
        return {"Generator": {"state": _plain(state), "seed_seq": (
            _sequence_json(seq) if isinstance(seq, np.random.SeedSequence) else None)}}
    if isinstance(seed, np.random.RandomState):
        return {"RandomState": _random_state_json(seed)}
    raise TypeError(f"{name} must be None, an int, a numpy SeedSequence, a numpy Generator "
                    f"or a numpy RandomState to be saved; got {type(seed).__name__}")


def seed_from_json(obj, name: str = "random_state", seed_seq=None):
    """The seed object that `seed_json` wrote (ValueError when `obj` is not one). A saved
    Generator is rebuilt over `seed_seq` when given (a SeedSequence object it shared with
    another saved object: spawning from either advances both)."""
    if obj is None or (isinstance(obj, int) and not isinstance(obj, bool) and obj >= 0):
        return obj
    try:
        if isinstance(obj, dict) and set(obj) == {"SeedSequence"}:
            return _sequence(obj["SeedSequence"])
        if isinstance(obj, dict) and set(obj) == {"RandomState"}:
            return _random_state(obj["RandomState"])
        if isinstance(obj, dict) and set(obj) == {"Generator"}:
            gen = obj["Generator"]
            state = _arrays(gen["state"])
            kind = state["bit_generator"]
            if kind not in _BIT_GENERATORS:
                raise ValueError(f"unknown bit generator {kind!r}")
            seq = None if gen["seed_seq"] is None else _sequence(gen["seed_seq"])
            if seed_seq is not None and seq is not None:
                if _sequence_json(seed_seq) != _sequence_json(seq):
                    raise ValueError("the shared seed sequence differs")
                seq = seed_seq
            _check_position(kind, state)
            bitgen = getattr(np.random, kind)(seq)
            bitgen.state = state
            return np.random.Generator(bitgen)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name}: not a saved seed or generator ({exc})") from None
    raise ValueError(f"{name}: not a saved seed or generator: {obj!r:.80}")
