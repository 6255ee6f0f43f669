"""Hardening of boltz.RBM (issue 14): learned state of any shape cannot crash a kernel, files
are read safely and continue bit-identically, Ctrl-C stops training between mini-batches."""
import json
import os
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest
from scipy import sparse

import boltz
from boltz import _npz
from boltz.machines import _rbm_persistence
from interrupting import interrupt_call

NV, NH, BATCH = 6, 4, 5


def data(rows=40, nv=NV, seed=0):
    return (np.random.default_rng(seed).random((rows, nv)) < 0.4).astype(float)


def fitted(**kwargs):
    params = dict(n_components=NH, n_iter=2, batch_size=BATCH, random_state=0, momentum=0.5,
                  monitor_rows=10, dtype=np.float32)
    params.update(kwargs)
    return boltz.RBM(**params).fit(data())


# ---- item 2: the learned attributes -------------------------------------------------------

BAD_VALUES = {
    "transposed": "lambda a: a.T if a.ndim == 2 else a[None]",
    "one short": "lambda a: a[..., :-1]",
    "one long": "lambda a: np.concatenate([a, a[..., :1]], axis=-1)",
    "wide": "lambda a: np.ones((10, 50), a.dtype)",
    "extra axis": "lambda a: a[None]",
    "scalar": "lambda a: np.float32(1)",
    "empty": "lambda a: a[:0]",
    "None": "lambda a: None",
    "complex": "lambda a: a.astype(complex)",
    "object": "lambda a: a.astype(object)",
    "strings": "lambda a: a.astype(str)",
    "nan": "lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.nan, a)",
    "inf": "lambda a: np.where(np.arange(a.size).reshape(a.shape) == 0, np.inf, a)",
    "masked": "lambda a: np.ma.masked_array(a, mask=np.zeros(a.shape, bool))",
}
METHODS = {
    "partial_fit": "lambda r: r.partial_fit(X)",
    "transform": "lambda r: r.transform(X)",
    "transform_sparse": "lambda r: r.transform(sparse.csr_matrix(X))",
    "free_energy": "lambda r: r.free_energy(X)",
    "reconstruct": "lambda r: r.reconstruct(X)",
    "gibbs": "lambda r: r.gibbs(X)",
    "score_samples": "lambda r: r.score_samples(X)",
    "sample": "lambda r: r.sample(3, 2, seed=0)",
    "log_partition": "lambda r: r.log_partition()",
    "ais": "lambda r: r.log_partition('ais', n_betas=5, n_runs=3, seed=0)",
    "log_likelihood": "lambda r: r.log_likelihood(X)",
    "save": "lambda r: r.save(os.path.join(tmp, 'm'))",
}


def run_child(program: str) -> dict:
    """Run `program` in a fresh interpreter (a crash fails the test, not pytest); it prints
    one JSON line last."""
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=300, cwd=os.path.dirname(__file__))
    assert proc.returncode == 0, f"child died (rc {proc.returncode}):\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize("attribute", ["components_", "intercept_hidden_",
                                       "intercept_visible_", "h_samples_"])
def test_wrong_learned_attributes_raise_naming_them_and_never_crash(attribute):
    """Hardening item 2: every wrong shape, dtype or value of a learned attribute, for every
    method that reaches a kernel, is a ValueError/TypeError naming the attribute (the
    issue's h_samples_ of shape (10, 50) corrupted the heap); run in a subprocess."""
    program = f"""
import gc, json, os, tempfile, numpy as np, boltz
from scipy import sparse
X = (np.random.default_rng(0).random((40, {NV})) < 0.4).astype(float)
tmp = tempfile.mkdtemp()
bad = {{{", ".join(f"{k!r}: {v}" for k, v in BAD_VALUES.items())}}}
methods = {{{", ".join(f"{k!r}: {v}" for k, v in METHODS.items())}}}
good = boltz.RBM(n_components={NH}, n_iter=2, batch_size={BATCH}, random_state=0,
                 momentum=0.5).fit(X)
out = {{}}
for case, change in bad.items():
    for name, method in methods.items():
        rbm = boltz.RBM(**good.get_params())
        for attr in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_",
                     "n_features_in_"):
            setattr(rbm, attr, getattr(good, attr).copy() if attr != "n_features_in_"
                    else good.n_features_in_)
        setattr(rbm, {attribute!r}, change(getattr(good, {attribute!r})))
        try:
            method(rbm)
            out[case + " " + name] = "ok"
        except (ValueError, TypeError) as exc:
            out[case + " " + name] = type(exc).__name__ + ": " + str(exc)
    gc.collect()           # heap corruption shows up here at the latest
print(json.dumps(out))
"""
    results = run_child(program)
    assert len(results) == len(BAD_VALUES) * len(METHODS)
    # the chains are read by training and saving only; the other methods never touch them
    uses = ("partial_fit", "save") if attribute == "h_samples_" else tuple(METHODS)
    for key, outcome in results.items():
        if key.split()[-1] in uses:
            assert outcome.split(":")[0] in ("ValueError", "TypeError"), (key, outcome)
            assert attribute in outcome, (key, outcome)
        else:
            assert outcome == "ok", (key, outcome)


def test_learned_attributes_of_other_layouts_and_dtypes_give_the_same_results():
    """Hardening item 2: what the check accepts (another real dtype, a non-contiguous or
    Fortran-ordered array) is converted, and gives exactly the results of the plain
    arrays."""
    X = data()
    good = fitted()
    expected = (good.transform(X), good.score_samples(X), good.free_energy(X))
    for attr in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
        value = getattr(good, attr)
        for variant in (value.astype(np.float64), np.asfortranarray(value),
                        np.repeat(value, 2, axis=-1)[..., ::2]):
            rbm = boltz.RBM(**good.get_params())
            for name in ("components_", "intercept_hidden_", "intercept_visible_",
                         "h_samples_", "n_features_in_"):
                setattr(rbm, name, getattr(good, name))
            setattr(rbm, attr, variant)
            got = (rbm.transform(X), rbm.score_samples(X), rbm.free_energy(X))
            for a, b in zip(got, expected, strict=True):
                np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="h_samples_ must hold hidden states"):
        rbm = fitted()
        rbm.h_samples_ = np.full_like(rbm.h_samples_, 0.5)
        rbm.partial_fit(X)


def test_epoch_kernel_refuses_inconsistent_sizes():
    """Hardening item 2: the compiled kernels check the sizes they are given against each
    other (the last line of defence) instead of reading past the arrays."""
    from boltz._core import _rbm_epoch
    from boltz._random import RandomStreams
    dt = np.float32
    X = data(20).astype(dt)
    W, Wt = np.zeros((NH, 8), dt), np.zeros((NV, 8), dt)
    b, c = np.zeros(8, dt), np.zeros(8, dt)
    vel = [np.zeros_like(Wt), np.zeros_like(b), np.zeros_like(c)]
    streams = RandomStreams(0, 10)
    args = dict(chains=np.zeros((BATCH, NH), dt), order=np.arange(20))

    def call(chains, order, W=W):
        return _rbm_epoch.train_epoch(X, order, BATCH, W, Wt, b, c, chains, *vel, 0.1, 0.0,
                                      0.0, 1, True, streams.addresses, 1)

    assert call(**args) == 4                                 # batches done
    for change, word in (({"chains": np.ones((10, 50), dt)}, "W must be"),
                         ({"order": np.array([0, 25])}, "order"),
                         ({"order": np.array([-1])}, "order"),
                         ({"W": np.zeros((NH, 5), dt)}, "padded")):
        with pytest.raises(ValueError, match=word):
            call(**{**args, **change})
    with pytest.raises(ValueError, match="flip"):
        _rbm_epoch.monitor_stats(X, np.full(20, NV), W, Wt, b, c, 1)
    with pytest.raises(ValueError, match="rows"):
        _rbm_epoch.row_products(X, np.zeros((NV + 1, 8), dt), c, 1)


# ---- item 12: complex sparse and masked X --------------------------------------------------

def test_complex_sparse_and_masked_input_is_refused():
    """Hardening item 12 (RBM part): complex sparse X was silently truncated to its real
    part, a masked array's mask silently ignored; both are refused naming the argument."""
    X = data()
    with pytest.raises(ValueError, match="Complex data not supported: X"):
        boltz.RBM(n_iter=1).fit(sparse.csr_matrix(X + 5j))
    with pytest.raises(TypeError, match="X: masked arrays are not supported"):
        boltz.RBM(n_iter=1).fit(np.ma.masked_array(X, mask=X > 0.5))
    rbm = fitted()
    with pytest.raises(TypeError, match="validation_data: masked arrays are not supported"):
        rbm.fit(X, validation_data=np.ma.masked_array(X))
    with pytest.raises(ValueError, match="Complex data not supported: X"):
        rbm.transform(sparse.csr_matrix(X.astype(complex)))
    with pytest.raises(ValueError, match="Complex data not supported: v"):
        rbm.gibbs(sparse.csr_matrix(X + 1j))


# ---- item 22: save / load continue bit-identically ------------------------------------------

def continuation(rbm, X):
    """What a model does next: each step's results, in order."""
    out = [rbm.score_samples(X), rbm.gibbs(X)]
    for rows in (slice(0, 13), slice(5, 9)):
        rbm.partial_fit(X[rows])
        out += [rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_,
                rbm.h_samples_, rbm.gibbs(X)]
    if rbm.random_state is not None:                  # a new fit draws fresh entropy
        rbm.fit(X)
        out += [rbm.components_, rbm.h_samples_, rbm.score_samples(X),
                np.array(rbm.history_["pseudo_likelihood"])]
    return out


@pytest.mark.parametrize("seed", ["int", "int64", "SeedSequence", "Generator", "None"])
@pytest.mark.parametrize("sampler, centered", [("pcd", False), ("cd", False), ("pt", True)])
def test_a_reloaded_model_continues_exactly_as_the_original(tmp_path, seed, sampler, centered):
    """Hardening item 22: random_state of type np.int64, SeedSequence or Generator was saved
    as None, and the estimator's random streams, momentum buffers, history_ and n_iter_ were
    not saved, so a reloaded model went on differently. Now fit, partial_fit, score_samples
    and gibbs after a reload equal those of the original, bit for bit."""
    make = {"int": lambda: 7, "int64": lambda: np.int64(7),
            "SeedSequence": lambda: np.random.SeedSequence(7),
            "Generator": lambda: np.random.default_rng(7), "None": lambda: None}[seed]
    X = data(57)
    original = fitted(random_state=make(), sampler=sampler, centered=centered,
                      betas=[1.0, 0.7, 0.4], weight_decay=0.01)
    original.save(tmp_path / "model.npz")
    back = boltz.RBM.load(tmp_path / "model.npz")
    assert back.n_iter_ == original.n_iter_ == 2 and back.interrupted_ is False
    assert back.history_ == original.history_
    if seed in ("int", "int64"):
        assert back.get_params() == original.get_params()
    for a, b in zip(continuation(original, X), continuation(back, X), strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_saving_does_not_change_what_the_model_does_next(tmp_path):
    """Hardening item 22: save only reads a seeded model: it goes on like its unsaved twin."""
    X = data(57)
    for make in (lambda: 3, lambda: np.random.SeedSequence(3),
                 lambda: np.random.default_rng(3)):
        saved, twin = fitted(random_state=make()), fitted(random_state=make())
        saved.save(tmp_path / "model")
        for a, b in zip(continuation(saved, X), continuation(twin, X), strict=True):
            np.testing.assert_array_equal(a, b)


def write_v1(path, rbm):
    """A format-1 file as boltz 0.1 wrote it."""
    params = {k: (np.dtype(v).name if k == "dtype" else v)
              for k, v in rbm.get_params().items()}
    np.savez(path, format_version=1, params=json.dumps(params),
             **{name: getattr(rbm, name) for name in _rbm_persistence.LEARNED})


def test_version_1_files_still_load(tmp_path):
    """Hardening item 22: the format version is 2; version-1 files load with the same
    parameters and arrays (they do not continue bit-identically: documented)."""
    rbm = fitted()
    write_v1(tmp_path / "old.npz", rbm)
    back = boltz.RBM.load(tmp_path / "old.npz")
    assert back.get_params() == rbm.get_params()
    for name in _rbm_persistence.LEARNED:
        np.testing.assert_array_equal(getattr(back, name), getattr(rbm, name))
    np.testing.assert_array_equal(back.transform(data()), rbm.transform(data()))
    assert _rbm_persistence.FORMAT_VERSION == 2


# ---- item 23: file names ------------------------------------------------------------------------

def test_load_follows_the_file_name_rule_of_save(tmp_path):
    """Hardening item 23: save("noext") wrote noext.npz and load("noext") raised
    FileNotFoundError. Both now follow numpy's rule (.npz appended when missing); a path
    that exists is read as given."""
    rbm = fitted()
    for name in ("noext", "model.bin", "model.npz"):
        rbm.save(tmp_path / name)
        written = tmp_path / (name if name.endswith(".npz") else name + ".npz")
        assert written.exists()
        for given in (tmp_path / name, str(tmp_path / name), written):
            np.testing.assert_array_equal(boltz.RBM.load(given).components_, rbm.components_)
    os.rename(tmp_path / "noext.npz", tmp_path / "renamed")
    np.testing.assert_array_equal(boltz.RBM.load(tmp_path / "renamed").components_,
                                  rbm.components_)
    with pytest.raises(FileNotFoundError):
        boltz.RBM.load(tmp_path / "absent")


# ---- items 24 and 5: damaged and hostile files -------------------------------------------------

def members_of(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def tampered(tmp_path, change, name="bad.npz"):
    good = tmp_path / "good.npz"
    fitted().save(good)
    members = members_of(good)
    change(members)
    np.savez(tmp_path / name, **members)
    return tmp_path / name


def _json_member(key, edit):
    def change(m):
        obj = json.loads(str(m[key]))
        edit(obj)
        m[key] = json.dumps(obj)
    return change


DAMAGE = {
    "short intercept": lambda m: m.update(intercept_visible_=m["intercept_visible_"][:-1]),
    "NaN weights": lambda m: m["components_"].__setitem__((0, 0), np.nan),
    "inf bias": lambda m: m["intercept_hidden_"].__setitem__(0, np.inf),
    "wide chains": lambda m: m.update(h_samples_=np.ones((10, 50), np.float32)),
    "non-binary chains": lambda m: m["h_samples_"].__setitem__((0, 0), 0.5),
    "int64 weights": lambda m: m.update(components_=m["components_"].astype(np.int64)),
    "float64 weights": lambda m: m.update(components_=m["components_"].astype(np.float64)),
    "missing member": lambda m: m.pop("intercept_hidden_"),
    "params not JSON": lambda m: m.update(params="{not json"),
    "params a list": lambda m: m.update(params="[1, 2]"),
    "unknown parameter": _json_member("params", lambda p: p.update(colour=1)),
    "dtype object": _json_member("params", lambda p: p.update(dtype="object")),
    "string learning rate": _json_member("params", lambda p: p.update(learning_rate="0.1")),
    "bad random_state": _json_member("params", lambda p: p.update(random_state={"x": 1})),
    "negative n_iter_": _json_member("state", lambda s: s.update(n_iter_=-1)),
    "huge n_chains": _json_member("state", lambda s: s.update(n_chains=2**40)),
    "history too long": _json_member("state", lambda s: s.update(history_length=99)),
    "format 3": lambda m: m.update(format_version=3),
    "format text": lambda m: m.update(format_version="2"),
    "stream states": lambda m: m.update(chain_streams=m["chain_streams"][:, :5]),
    "velocity NaN": lambda m: m["velocity_hidden"].__setitem__(0, np.nan),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_files_raise_one_clear_error(tmp_path, damage):
    """Hardening item 24: damaged files raised BadZipFile, EOFError, KeyError,
    JSONDecodeError or IndexError, short intercepts were zero-padded and NaN weights
    accepted; now every one is ValueError("not a boltz RBM file: <path>: <reason>")."""
    path = tampered(tmp_path, DAMAGE[damage])
    with pytest.raises(ValueError, match=r"not a boltz RBM file: .*bad\.npz: "):
        boltz.RBM.load(path)


def test_broken_zip_files_raise_one_clear_error(tmp_path):
    """Hardening item 24: bytes that are not a zip, a truncated file, a flipped data byte
    (CRC), a pickled object member: the same ValueError."""
    good = tmp_path / "good.npz"
    rbm = fitted()
    rbm.save(good)
    raw = good.read_bytes()
    weights = raw.find(rbm.components_.tobytes())
    flipped = bytearray(raw)
    flipped[weights + 3] ^= 0xFF
    cases = {"empty": b"", "text": b"hello", "half": raw[:len(raw) // 2],
             "crc": bytes(flipped), "tail cut": raw[:-30]}
    for name, content in cases.items():
        (tmp_path / f"{name}.npz").write_bytes(content)
    members = members_of(good)
    with zipfile.ZipFile(tmp_path / "pickle.npz", "w") as zf:
        for key, value in members.items():
            with zf.open(key + ".npy", "w") as fp:
                np.lib.format.write_array(
                    fp, np.array([{"x": 1}], dtype=object) if key == "h_samples_" else value,
                    allow_pickle=True)
    for name in [*cases, "pickle"]:
        with pytest.raises(ValueError, match=f"not a boltz RBM file: .*{name}.npz"):
            boltz.RBM.load(tmp_path / f"{name}.npz")


def bomb(path, member, shape, dtype="<f4", params_edit=None):
    """A valid boltz file except for `member`: a deflated .npy of zeros declaring `shape`."""
    good = path.with_name("good.npz")
    fitted().save(good)
    members = members_of(good)
    if params_edit:
        members["params"] = json.dumps({**json.loads(str(members["params"])), **params_edit})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for key, value in members.items():
            if key == member:
                continue
            with zf.open(key + ".npy", "w") as fp:
                np.lib.format.write_array(fp, value)
        with zf.open(member + ".npy", "w", force_zip64=True) as fp:
            header = {"descr": dtype, "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_1_0(fp, header)
            left = int(np.prod(shape)) * np.dtype(dtype).itemsize
            zeros = bytes(1 << 24)
            while left:
                fp.write(zeros[:min(left, len(zeros))])
                left -= min(left, len(zeros))
    return path


@pytest.mark.parametrize("member, shape", [("components_", (NH, 2**26)),
                                           ("h_samples_", (2**24, NH)),
                                           ("params", ())])
def test_a_zip_bomb_is_refused_from_its_header(tmp_path, member, shape):
    """Hardening item 5: RBM.load of a 1 MB zip bomb unpacked a 1 GiB array (10 s, 2.1 GB
    peak). Each member's .npy header is checked against the sizes the file declares before
    any data is decompressed: the 256 MiB members here are refused with a few MiB of
    memory."""
    dtype = "<U67108864" if member == "params" else "<f4"
    path = bomb(tmp_path / "bomb.npz", member, shape, dtype)
    assert path.stat().st_size < 8 << 20              # 256 MiB of zeros, quickly deflated
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="not a boltz RBM file"):
            boltz.RBM.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def test_arrays_larger_than_memory_are_refused_before_reading(tmp_path, monkeypatch):
    """Hardening item 5: a file whose sizes agree but declare more than this machine's
    memory is refused before any allocation."""
    path = tmp_path / "model.npz"
    fitted().save(path)
    monkeypatch.setattr(_npz, "memory_limit",
                        lambda: (100, "this machine has {} of memory"))
    with pytest.raises(ValueError, match="more than this process may hold"):
        boltz.RBM.load(path)


# ---- Ctrl-C ------------------------------------------------------------------------------

FIT_SETUP = """
import json, numpy as np, boltz
X = (np.random.default_rng(0).random((4000, 400)) < 0.2).astype(np.float32)
# zero visible biases: partial_fit would start them from its first batch, fit from all of X
kw = dict(n_components=200, batch_size=20, random_state=4, shuffle=False, monitor_rows=0,
          momentum=0.5, num_threads=1, visible_bias_init="zeros")
rbm = boltz.RBM(n_iter=10**6, **kw)
"""
FIT_REPORT = """
# replay the training one mini-batch at a time (partial_fit: the same updates) until it
# reaches the interrupted model
replay, batches = boltz.RBM(n_iter=1, **kw), None
for b in range(1, (rbm.n_iter_ + 1) * 200 + 1):
    s = (b - 1) % 200 * 20
    replay.partial_fit(X[s:s + 20])
    if np.array_equal(replay.components_, rbm.components_):
        batches = b
        break
same = batches is not None and all(np.array_equal(getattr(replay, a), getattr(rbm, a))
                                   for a in ("intercept_visible_", "intercept_hidden_",
                                             "h_samples_"))
print(json.dumps({"n_iter_": rbm.n_iter_, "interrupted_": rbm.interrupted_,
                  "batches": batches, "same": same, "history": rbm.history_}))
"""


def test_ctrl_c_stops_fit_between_mini_batches_keeping_every_update():
    """Hardening Ctrl-C (RBM.fit): training stops at a mini-batch boundary, not at the end
    of an epoch; the model holds exactly the finished mini-batches (the same state as
    replaying them one by one), n_iter_ counts whole epochs, interrupted_ is set."""
    got = interrupt_call(FIT_SETUP, "rbm.fit(X)", FIT_REPORT, delay=0.3, hang_limit=60)
    report = got.report
    assert report["interrupted_"] is True
    assert report["same"], report
    assert report["n_iter_"] == (report["batches"]) // 200
    assert report["history"] == {}


def test_ctrl_c_during_fit_keeps_history_consistent():
    """Hardening Ctrl-C (RBM.fit with monitors): every history_ list has one entry per
    whole epoch whose monitors finished."""
    setup = FIT_SETUP.replace("monitor_rows=0", "monitor_rows=100")
    report = "print(json.dumps([rbm.n_iter_, rbm.interrupted_, " \
             "sorted({len(v) for v in rbm.history_.values()})]))"
    got = interrupt_call(setup, "rbm.fit(X, validation_data=X[:50])", report, delay=0.5,
                         hang_limit=60)
    n_iter, interrupted, lengths = got.report
    assert interrupted is True and len(lengths) == 1 and lengths[0] in (n_iter, n_iter - 1)


def test_ctrl_c_stops_ais_with_keyboard_interrupt():
    """Hardening Ctrl-C (AIS): log_partition("ais") stops within one beta step and raises
    KeyboardInterrupt (a partial AIS estimate would be biased); ais_ is left as it was."""
    setup = """
import json, numpy as np, boltz
rng = np.random.default_rng(0)
rbm = boltz.RBM(n_components=300, dtype=np.float64)
rbm.components_ = rng.normal(0, 0.05, (300, 400)); rbm.intercept_hidden_ = np.zeros(300)
rbm.intercept_visible_ = np.zeros(400); rbm.h_samples_ = np.zeros((10, 300))
rbm.n_features_in_ = 400
def call():
    try:
        return rbm.log_partition("ais", n_betas=10**6, n_runs=100, seed=0)
    except KeyboardInterrupt:
        return "KeyboardInterrupt"
"""
    got = interrupt_call(setup, "call()", "print(json.dumps([result, hasattr(rbm, 'ais_')]))",
                         delay=0.5, hang_limit=60)
    assert got.report == ["KeyboardInterrupt", False]
