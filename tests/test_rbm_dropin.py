"""boltz.RBM as a drop-in for scikit-learn's BernoulliRBM (issue 19): a legacy RandomState
as ``random_state`` (and as any ``seed``), the dtype that follows the input
(``dtype=None``), output feature names, scikit-learn's verbose line, and saving all of it.
scikit-learn's own tests of BernoulliRBM run in tests/test_sklearn_rbm_suite.py."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from scipy import sparse

import boltz
from boltz._random import RandomStreams, seed_sequence


def data(rows=60, nv=12, seed=0):
    return (np.random.default_rng(seed).random((rows, nv)) < 0.4).astype(np.float64)


def small(**kw):
    params = dict(n_components=5, n_iter=3, batch_size=10, monitor_rows=20)
    params.update(kw)
    return boltz.RBM(**params)


# ---- random_state=np.random.RandomState(...) ----------------------------------------------------

def test_a_random_state_gives_128_bits_drawn_from_it_and_advances():
    rs = np.random.RandomState(7)
    words = np.random.RandomState(7).randint(0, 2**32, size=4, dtype=np.uint32)
    seq = seed_sequence(rs)
    assert list(seq.entropy) == words.tolist()
    # advanced exactly as by those four draws
    ref = np.random.RandomState(7)
    ref.randint(0, 2**32, size=4, dtype=np.uint32)
    assert rs.randint(0, 2**32) == ref.randint(0, 2**32)


def test_rbm_with_equal_random_states_gives_equal_models_and_reuse_gives_new_ones():
    X = data()
    a = small(random_state=np.random.RandomState(3)).fit(X)
    b = small(random_state=np.random.RandomState(3)).fit(X)
    for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    assert b.random_state.randint(2**31) != np.random.RandomState(3).randint(2**31)  # advanced
    b.fit(X)                                   # the same RandomState object: a new model
    assert not np.array_equal(b.components_, a.components_)


def test_rbm_partial_fit_and_gibbs_accept_a_random_state():
    X = data()
    rbm = small(random_state=np.random.RandomState(0))
    for batch in np.array_split(X, 4):
        rbm.partial_fit(batch)
    out = rbm.gibbs(X)
    assert out.shape == X.shape and out.dtype == bool


def test_boltzmann_machine_accepts_a_random_state():
    X = data(rows=30, nv=4)
    kw = dict(n_hidden=1, n_iter=3, batch_size=10)
    a = boltz.BoltzmannMachine(4, random_state=np.random.RandomState(5), **kw).fit(X)
    b = boltz.BoltzmannMachine(4, random_state=np.random.RandomState(5), **kw).fit(X)
    np.testing.assert_array_equal(a.weights_, b.weights_)


def test_seed_arguments_accept_a_random_state_through_the_same_contract():
    energies = np.linspace(0.0, 3.0, 7)
    a = boltz.sample_boltzmann(energies, size=50, seed=np.random.RandomState(1))
    b = boltz.sample_boltzmann(energies, size=50, seed=np.random.RandomState(1))
    np.testing.assert_array_equal(a, b)
    streams = RandomStreams(np.random.RandomState(2), 3)
    assert len(streams) == 3


def test_other_objects_are_still_refused_naming_the_argument():
    with pytest.raises(TypeError, match=r"random_state must be None, .* RandomState"):
        small(random_state=np.random.PCG64(0)).fit(data())


# ---- dtype=None follows the input ---------------------------------------------------------------

@pytest.mark.parametrize("make, expected", [
    (lambda X: X.astype(np.float32), np.float32),
    (lambda X: X, np.float64),
    (lambda X: X.astype(np.int64), np.float64),
    (lambda X: X.astype(bool), np.float64),
    (lambda X: X.astype(np.float16), np.float64),
    (lambda X: X.tolist(), np.float64),
    (lambda X: sparse.csr_matrix(X.astype(np.float32)), np.float32),
    (lambda X: sparse.csc_matrix(X.astype(np.int32)), np.float64),
    (lambda X: sparse.lil_matrix(X), np.float64),
], ids=["float32", "float64", "int64", "bool", "float16", "list", "csr32", "csc-int", "lil"])
def test_dtype_none_follows_the_fit_input(make, expected):
    X = data()
    rbm = small(random_state=0).fit(make(X))
    for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
        assert getattr(rbm, name).dtype == expected, name
    # later calls keep the model's dtype whatever they are given
    other = X.astype(np.float32) if expected == np.float64 else X
    assert rbm.transform(other).dtype == expected
    assert rbm.transform(X.astype(np.int8)).dtype == expected
    assert rbm.reconstruct(other).dtype == expected
    assert rbm.sample(2, num_sweeps=2, seed=0).dtype == expected
    assert rbm.fit_transform(make(X)).dtype == expected


def test_dtype_none_decided_by_the_first_partial_fit():
    X = data()
    rbm = small(random_state=0).partial_fit(X[:20].astype(np.float32))
    rbm.partial_fit(X[20:])                   # float64: converted to the model's float32
    assert rbm.components_.dtype == np.float32
    assert rbm.transform(X).dtype == np.float32


def test_a_refit_on_other_data_follows_the_new_data():
    X = data()
    rbm = small(random_state=0).fit(X.astype(np.float32))
    assert rbm.fit(X).transform(X).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32"])
def test_an_explicit_dtype_is_kept_whatever_the_input(dtype):
    X = data()
    for given in (X, X.astype(np.float32), X.astype(int)):
        rbm = small(random_state=0, dtype=dtype).fit(given)
        assert rbm.components_.dtype == np.dtype(dtype)
        assert rbm.transform(given).dtype == np.dtype(dtype)


def test_float32_and_float64_input_train_alike():
    X = data()
    a = small(random_state=4).fit(X)
    b = small(random_state=4).fit(X.astype(np.float32))
    np.testing.assert_allclose(a.transform(X), b.transform(X), rtol=1e-5)
    np.testing.assert_array_equal(a.h_samples_, b.h_samples_)


def test_tags_say_which_dtypes_are_preserved():
    pytest.importorskip("sklearn")
    from sklearn.utils import get_tags
    assert get_tags(boltz.RBM()).transformer_tags.preserves_dtype == ["float64", "float32"]
    assert get_tags(boltz.RBM(dtype=np.float32)).transformer_tags.preserves_dtype == ["float32"]


def test_weights_set_by_hand_give_their_dtype():
    rbm = boltz.RBM(n_components=2)
    rbm.components_ = np.zeros((2, 3), np.float32)
    rbm.intercept_hidden_, rbm.intercept_visible_ = np.zeros(2), np.zeros(3)
    rbm.n_features_in_ = 3
    assert rbm.transform(np.eye(3)).dtype == np.float32
    rbm.components_ = np.zeros((2, 3), int)
    assert rbm.transform(np.eye(3)).dtype == np.float64


# ---- output feature names ---------------------------------------------------------------------

@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_feature_names_out_are_the_class_name_and_index(method):
    pytest.importorskip("sklearn")
    rbm = getattr(small(random_state=0), method)(data())
    names = rbm.get_feature_names_out()
    assert names.tolist() == [f"rbm{i}" for i in range(5)]
    assert names.dtype == object


def test_feature_names_out_before_fit_raises_not_fitted():
    pytest.importorskip("sklearn")
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        boltz.RBM().get_feature_names_out()


def test_set_output_pandas_uses_the_names():
    pytest.importorskip("sklearn")
    pd = pytest.importorskip("pandas")
    X = data()
    rbm = small(random_state=0).set_output(transform="pandas").fit(X)
    out = rbm.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"rbm{i}" for i in range(5)]


def test_feature_names_and_fallback_without_scikit_learn():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import numpy as np, boltz\n"
            "rbm = boltz.RBM(n_components=3, n_iter=2, random_state=0)\n"
            "try:\n    rbm.get_feature_names_out()\nexcept ValueError as e:\n"
            "    print('not fitted:', isinstance(e, AttributeError))\n"
            "rbm.fit(np.eye(4))\n"
            "print(list(rbm.get_feature_names_out()))\n"
            "print(list(rbm.get_feature_names_out(['a', 'b', 'c', 'd'])))\n"
            "try:\n    rbm.get_feature_names_out(['a'])\nexcept ValueError as e:\n"
            "    print('length:', 'input_features' in str(e))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[:4] == [
        "not fitted: True", "['rbm0', 'rbm1', 'rbm2']", "['rbm0', 'rbm1', 'rbm2']",
        "length: True"]


# ---- verbose ------------------------------------------------------------------------------------

# the time is printed (its value is not checked: timings belong in bench/)
LINE = r"\[RBM\] Iteration (\d+), pseudo-likelihood = (-?\d+\.\d\d), time = \S+"


def test_verbose_prints_scikit_learns_line_per_epoch(capsys):
    X = data()
    rbm = small(random_state=0, verbose=1).fit(X)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    for epoch, (line, pl) in enumerate(zip(out, rbm.history_["pseudo_likelihood"],
                                           strict=True), 1):
        match = re.fullmatch(LINE, line)
        assert match, line
        assert int(match[1]) == epoch
        assert match[2] == f"{pl:.2f}"


def test_verbose_without_monitors_prints_the_time_only(capsys):
    small(random_state=0, verbose=True, monitor_rows=0).fit(data())
    out = capsys.readouterr().out.splitlines()
    assert [re.fullmatch(r"\[RBM\] Iteration (\d), time = \S+", o)[1]
            for o in out] == ["1", "2", "3"]


def test_verbose_2_also_prints_the_monitors_and_0_prints_nothing(capsys):
    small(random_state=0, verbose=2).fit(data())
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 6
    assert all(line.startswith("{'reconstruction_error'") for line in out[0::2])
    assert all(re.fullmatch(LINE, line) for line in out[1::2])
    small(random_state=0).fit(data())
    assert capsys.readouterr().out == ""


def test_verbose_line_names_a_subclass(capsys):
    class MyRBM(boltz.RBM):
        pass
    MyRBM(n_components=2, n_iter=1, verbose=1).fit(data())
    assert capsys.readouterr().out.startswith("[MyRBM] Iteration 1, pseudo-likelihood = ")


# ---- sparse csc / lil inputs ------------------------------------------------------------------

@pytest.mark.parametrize("container", [sparse.csc_matrix, sparse.lil_matrix, sparse.csc_array,
                                       sparse.lil_array, sparse.coo_matrix])
def test_sparse_fit_and_score_samples_match_dense(container):
    X = data()
    dense = small(random_state=np.random.RandomState(42)).fit(X)
    sp = small(random_state=np.random.RandomState(42)).fit(container(X))
    np.testing.assert_array_equal(sp.components_, dense.components_)
    np.testing.assert_array_equal(dense.score_samples(container(X)), dense.score_samples(X))


# ---- saving -------------------------------------------------------------------------------------

def test_save_and_load_a_random_state_random_state(tmp_path):
    X = data()
    rbm = small(random_state=np.random.RandomState(11)).fit(X)
    rbm.random_state.normal()                 # a cached Gaussian is part of the state
    rbm.save(tmp_path / "m.npz")
    back = boltz.RBM.load(tmp_path / "m.npz")
    assert isinstance(back.random_state, np.random.RandomState)
    assert back.random_state is not rbm.random_state
    saved, loaded = rbm.random_state.get_state(), back.random_state.get_state()
    assert saved[0] == loaded[0] and saved[2:] == loaded[2:]
    np.testing.assert_array_equal(saved[1], loaded[1])
    # both continue alike: a new fit from each gives the same model
    np.testing.assert_array_equal(back.fit(X).components_, rbm.fit(X).components_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_and_load_keep_dtype_none_and_the_models_dtype(tmp_path, dtype):
    X = data().astype(dtype)
    rbm = small(random_state=0).fit(X)
    rbm.save(tmp_path / "m.npz")
    back = boltz.RBM.load(tmp_path / "m.npz")
    assert back.get_params() == rbm.get_params() and back.dtype is None
    assert back.transform(data()).dtype == dtype
    np.testing.assert_array_equal(back.transform(X), rbm.transform(X))
    np.testing.assert_array_equal(back.partial_fit(X).components_,
                                  rbm.partial_fit(X).components_)


def rewrite(path, out, edit):
    with zipfile.ZipFile(path) as zf:
        members = {name[:-4]: np.load(zf.open(name)) for name in zf.namelist()}
    edit(members)
    np.savez(out, **members)
    return out


def _json(members, key, change):
    obj = json.loads(str(members[key]))
    change(obj)
    members[key] = json.dumps(obj)


@pytest.mark.parametrize("damage", [
    "float64 weights", "float16 weights", "random_state pos", "random_state key",
    "generator pos"])
def test_damaged_files_of_the_new_kinds_are_refused(tmp_path, damage):
    X = data()
    random_state = (np.random.Generator(np.random.MT19937(3)) if damage == "generator pos"
                    else np.random.RandomState(3))
    small(random_state=random_state, dtype=None).fit(X.astype(np.float32)).save(
        tmp_path / "good.npz")
    edits = {
        "float64 weights": lambda m: m.update(components_=m["components_"].astype(np.float64)),
        "float16 weights": lambda m: m.update(components_=m["components_"].astype(np.float16)),
        "random_state pos": lambda m: _json(m, "params", lambda p: p["random_state"][
            "RandomState"].update(pos=10**7)),
        "random_state key": lambda m: _json(m, "params", lambda p: p["random_state"][
            "RandomState"].update(key=[1, 2])),
        "generator pos": lambda m: _json(m, "params", lambda p: p["random_state"][
            "Generator"]["state"]["state"].update(pos=-(10**7))),
    }
    bad = rewrite(tmp_path / "good.npz", tmp_path / "bad.npz", edits[damage])
    with pytest.raises(ValueError, match=r"not a boltz RBM file: .*bad\.npz: "):
        boltz.RBM.load(bad)
