"""GaussianRBM: its partition function against numerical integration, AIS against the exact
value, the kernel's CD-1 update against its exact expectation (quadrature), features on
digits against scikit-learn's BernoulliRBM, thread-count independence, constant columns,
argument checks and the scikit-learn contract."""
import numpy as np
import pytest

import boltz
from boltz._core import _gaussian_epoch
from boltz._random import RandomStreams
from boltz.machines import _gaussian_partition

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import BernoulliRBM  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


def _joint_energy(v, h, W, b, c, sigma):
    """E(v, h) straight from its definition (DESIGN.md), v (..., nv), h (nh,)."""
    return (((v - b) ** 2) / (2 * sigma ** 2)).sum(-1) - c @ h - ((v / sigma ** 2) @ W) @ h


def test_exact_log_z_matches_numerical_integration_on_two_visible_units():
    rng = np.random.default_rng(1)
    W = rng.normal(0, 0.6, (2, 3))
    b, c, sigma = np.array([0.3, -0.5]), rng.normal(0, 1, 3), np.array([0.7, 1.3])
    # a fine grid over +-12 sigma around every mean b + W h (trapezoid = Riemann here:
    # the integrand is negligible at the edges)
    g0 = np.linspace(-12, 12, 801) * sigma[0] + 0.0
    g1 = np.linspace(-12, 12, 801) * sigma[1] + 0.0
    V = np.stack(np.meshgrid(g0, g1, indexing="ij"), axis=-1)
    total = 0.0
    for bits in range(8):
        h = np.array([(bits >> k) & 1 for k in range(3)], dtype=float)
        total += np.exp(-_joint_energy(V, h, W, b, c, sigma)).sum()
    log_z_grid = np.log(total * (g0[1] - g0[0]) * (g1[1] - g1[0]))
    log_z = _gaussian_partition.log_partition_exact(W, b, c, sigma)
    assert log_z == pytest.approx(log_z_grid, abs=1e-8)


def test_free_energy_is_minus_log_of_the_sum_over_hidden_states():
    rng = np.random.default_rng(2)
    W, b, c = rng.normal(0, 0.5, (3, 4)), rng.normal(0, 1, 3), rng.normal(0, 1, 4)
    sigma = np.array([0.5, 1.0, 2.0])
    V = rng.normal(0, 1, (5, 3))
    hs = [np.array([(k >> j) & 1 for j in range(4)], dtype=float) for k in range(16)]
    direct = -np.log(sum(np.exp(-_joint_energy(V, h, W, b, c, sigma)) for h in hs))
    np.testing.assert_allclose(_gaussian_partition.free_energy(V, W, b, c, sigma), direct,
                               rtol=1e-12)


@pytest.fixture(scope="module")
def digits_model(digits):
    X, _ = digits
    return boltz.GaussianRBM(n_components=20, learning_rate=0.005, n_iter=5, batch_size=20,
                             learn_sigma=True, random_state=0).fit(X)


def test_ais_is_within_a_tenth_of_a_nat_of_exact_on_digits(digits_model):
    exact = digits_model.log_partition("exact")
    ais = digits_model.log_partition("ais", n_betas=1000, n_runs=100, seed=3)
    assert abs(ais - exact) < 0.1
    assert abs(ais - exact) < 4 * digits_model.ais_.log_z_se + 1e-3
    assert digits_model.log_partition("auto") == exact


def test_log_likelihood_is_a_normalised_density_in_raw_units():
    # one visible unit: integrate exp(score_samples) over a fine grid of raw values
    rng = np.random.default_rng(4)
    X = np.concatenate([rng.normal(-2, 0.5, (200, 1)), rng.normal(3, 1.0, (200, 1))]) * 7 + 5
    rbm = boltz.GaussianRBM(n_components=3, learning_rate=0.01, n_iter=10, learn_sigma=True,
                            random_state=0).fit(X)
    grid = np.linspace(X.min() - 300, X.max() + 300, 40001)[:, None]
    mass = np.exp(rbm.score_samples(grid)).sum() * (grid[1, 0] - grid[0, 0])
    assert mass == pytest.approx(1.0, abs=1e-6)
    assert rbm.log_likelihood(X) == pytest.approx(np.mean(rbm.score_samples(X)))
    assert rbm.score(X) == pytest.approx(rbm.log_likelihood(X))


def _kernel_once(W, b, c, sigma, v0, rows, seed, learn_sigma=True):
    """One CD-1 batch of `rows` copies of v0 through the kernel (float64, no momentum);
    returns the changes of (W (nv, nh), b, c, z)."""
    nv, nh = W.shape
    pv, ph = 4 * -(-nv // 4), 4 * -(-nh // 4)

    def pad(a, n):
        out = np.zeros((*a.shape[:-1], n))
        out[..., :a.shape[-1]] = a
        return out

    Wt, Wk = pad(W, ph), pad(W.T, pv)
    z = pad(2 * np.log(sigma), pv)
    bk, ck = pad(b, pv), pad(c, ph)
    z0, b0, c0, Wt0 = z.copy(), bk.copy(), ck.copy(), Wt.copy()
    X = np.tile(v0, (rows, 1))
    streams = RandomStreams(seed, rows)
    vel = [np.zeros((nv, ph)), np.zeros(pv), np.zeros(ph), np.zeros(pv)]
    learn = pad(np.full(nv, float(learn_sigma)), pv)
    _gaussian_epoch.train_epoch(X, np.arange(rows, dtype=np.int64), rows, Wk, Wt, bk, ck, z,
                                np.zeros((1, nh)), *vel, learn, 1.0, 1.0, 0.0, 0.0, -50.0, 1,
                                False, streams.addresses, 1)
    return (Wt - Wt0)[:, :nh], (bk - b0)[:nv], (ck - c0)[:nh], (z - z0)[:nv]


def test_cd1_update_matches_its_exact_expectation():
    """The kernel's CD-1 step (learning rate 1, one batch of identical rows, each with its
    own stream) against the exact expectation of the CD-1 estimator: the hidden states
    enumerated, the Gaussian visible draw by Gauss-Hermite quadrature. Tolerance: 4
    standard errors from repeated batches."""
    W = np.array([[0.8, -0.5]])
    b, c, sigma = np.array([0.2]), np.array([0.1, -0.3]), np.array([0.8])
    v0 = np.array([1.1])
    u = 1 / sigma ** 2

    def sig(x):
        return 1 / (1 + np.exp(-x))

    def stats(v):                   # -dE/dtheta with h replaced by p(h | v), v (m, 1)
        p = sig(c + (v * u) @ W)
        dW = (v * u)[:, :, None] * p[:, None, :]
        db = (v - b) * u
        dz = u * ((v - b) ** 2 / 2 - v * (p @ W.T))
        return dW[:, :, :], db, p, dz

    t, w = np.polynomial.hermite.hermgauss(80)
    ph0 = sig(c + (v0 * u) @ W)
    expect = [0, 0, 0, 0]
    for bits in range(4):
        h = np.array([bits & 1, bits >> 1], dtype=float)
        prob = np.prod(np.where(h == 1, ph0, 1 - ph0))
        mean = b + W @ h
        v = (mean + np.sqrt(2) * sigma * t)[:, None]
        for i, s in enumerate(stats(v)):
            expect[i] = expect[i] + prob * np.tensordot(w / np.sqrt(np.pi), s, axes=1)
    positive = [s[0] for s in stats(v0[None, :])]
    exact = [p - e for p, e in zip(positive, expect, strict=True)]
    runs = [_kernel_once(W, b, c, sigma, v0, 4000, seed) for seed in range(12)]
    for i, name in enumerate(("W", "b", "c", "z")):
        got = np.array([r[i].ravel() for r in runs])
        se = got.std(axis=0, ddof=1) / np.sqrt(len(runs))
        assert np.all(np.abs(got.mean(axis=0) - np.ravel(exact[i])) < 4 * se + 1e-12), name


@pytest.mark.slow
def test_digits_features_beat_bernoulli_rbm_in_a_logistic_regression(digits):
    X, y = digits
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
    # scikit-learn's example: BernoulliRBM on pixels scaled to [0, 1]
    bern = Pipeline([("rbm", BernoulliRBM(n_components=100, learning_rate=0.06, n_iter=20,
                                          random_state=0)),
                     ("lr", LogisticRegression(C=100, max_iter=2000))])
    bern_acc = bern.fit(Xtr / 16, ytr).score(Xte / 16, yte)
    gauss = Pipeline([("rbm", boltz.GaussianRBM(n_components=100, learning_rate=0.01,
                                                n_iter=20, sampler="pcd", random_state=0)),
                      ("lr", LogisticRegression(C=100, max_iter=2000))])
    gauss_acc = gauss.fit(Xtr, ytr).score(Xte, yte)
    assert gauss_acc >= bern_acc


@pytest.mark.parametrize("sampler,learn_sigma,dtype", [("cd", False, np.float64),
                                                        ("pcd", True, np.float32)])
def test_same_seed_same_model_for_any_thread_count(digits, sampler, learn_sigma, dtype):
    X = digits[0][:600]
    fits = [boltz.GaussianRBM(n_components=48, batch_size=100, n_iter=2, learning_rate=0.005,
                              momentum=0.5, weight_decay=1e-4, sampler=sampler,
                              learn_sigma=learn_sigma, dtype=dtype, random_state=5,
                              num_threads=t, monitor_rows=0).fit(X) for t in (1, 2, 3)]
    for other in fits[1:]:
        for name in ("components_", "intercept_visible_", "intercept_hidden_", "sigma_",
                     "h_samples_"):
            np.testing.assert_array_equal(getattr(fits[0], name), getattr(other, name))


def test_constant_columns_give_no_nan(digits, digits_model):
    X = digits[0]
    constant = X.max(axis=0) == X.min(axis=0)
    assert constant.any()                    # digits has blank border pixels
    rbm = digits_model
    assert np.all(rbm.scale_[constant] == 1) and np.all(rbm.mean_[constant] == X[0, constant])
    assert np.all(rbm.sigma_[constant] == 1)                  # never learned
    assert np.all(rbm.sigma_ > 0) and np.all(np.isfinite(rbm.sigma_))
    for out in (rbm.transform(X), rbm.reconstruct(X), rbm.sample(5, num_sweeps=20, seed=0),
                rbm.gibbs(X[:5]), rbm.score_samples(X[:20])):
        assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(rbm.sample(5, num_sweeps=3, seed=1)[:, constant],
                                  np.broadcast_to(X[0, constant], (5, constant.sum())))
    np.testing.assert_array_equal(rbm.reconstruct(X[:4])[:, constant],
                                  np.broadcast_to(X[0, constant], (4, constant.sum())))


def test_constant_columns_come_back_at_their_constant_without_standardising(tmp_path):
    rng = np.random.default_rng(8)
    X = rng.normal(0, 1, (60, 3))
    X[:, 1] = 4.5                                       # a constant column, not at 0
    rbm = boltz.GaussianRBM(n_components=3, n_iter=2, standardize=False,
                            random_state=0).fit(X)
    for out in (rbm.reconstruct(X[:4]), rbm.gibbs(X[:4]), rbm.sample(4, num_sweeps=3, seed=1)):
        np.testing.assert_array_equal(out[:, 1], 4.5)
    rbm.save(tmp_path / "g")
    back = boltz.GaussianRBM.load(tmp_path / "g")
    np.testing.assert_array_equal(back.reconstruct(X[:4])[:, 1], 4.5)


def test_standardisation_is_undone_on_reconstruct_and_sample():
    rng = np.random.default_rng(6)
    X = rng.normal(0, 1, (500, 2)) * [100.0, 0.01] + [1000.0, -3.0]
    rbm = boltz.GaussianRBM(n_components=4, n_iter=10, random_state=0).fit(X)
    np.testing.assert_allclose(rbm.mean_, X.mean(axis=0))
    np.testing.assert_allclose(rbm.scale_, X.std(axis=0))
    S = rbm.sample(2000, num_sweeps=20, seed=0)
    assert np.all(np.abs(S.mean(axis=0) - X.mean(axis=0)) < 0.2 * X.std(axis=0))
    assert np.all(np.abs(np.log(S.std(axis=0) / X.std(axis=0))) < 0.3)
    R = rbm.reconstruct(X[:50])
    assert np.all(np.abs(R.mean(axis=0) - X.mean(axis=0)) < X.std(axis=0))


def test_partial_fit_sets_the_standardisation_from_the_first_batch(digits):
    X = digits[0]
    rbm = boltz.GaussianRBM(n_components=8, random_state=0)
    rbm.partial_fit(X[:100])
    mean = rbm.mean_.copy()
    rbm.partial_fit(X[100:200])
    np.testing.assert_array_equal(rbm.mean_, mean)
    assert np.all(np.isfinite(rbm.components_))


@pytest.mark.parametrize("kwargs,name", [
    ({"n_components": 0}, "n_components"), ({"learning_rate": -1.0}, "learning_rate"),
    ({"batch_size": 0}, "batch_size"), ({"n_iter": 0}, "n_iter"), ({"k": 0}, "k"),
    ({"momentum": 1.0}, "momentum"), ({"weight_decay": -1.0}, "weight_decay"),
    ({"sampler": "pt"}, "sampler"), ({"sigma_learning_rate": 0.0}, "sigma_learning_rate"),
    ({"monitor_rows": -1}, "monitor_rows")])
def test_bad_hyper_parameters_raise_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        boltz.GaussianRBM(**kwargs).fit(np.ones((4, 2)))


@pytest.mark.parametrize("kwargs,name", [({"standardize": "yes"}, "standardize"),
                                         ({"learn_sigma": 2}, "learn_sigma"),
                                         ({"learning_rate": "0.1"}, "learning_rate")])
def test_wrong_types_raise_type_errors_naming_them(kwargs, name):
    with pytest.raises(TypeError, match=name):
        boltz.GaussianRBM(**kwargs).fit(np.ones((4, 2)))


def test_bad_data_raises_value_errors(digits_model):
    for bad in (np.nan, np.inf):
        X = np.zeros((3, 64))
        X[1, 2] = bad
        with pytest.raises(ValueError, match="NaN or infinity"):
            boltz.GaussianRBM(n_components=2).fit(X)
        with pytest.raises(ValueError, match="NaN or infinity"):
            digits_model.transform(X)
    with pytest.raises(ValueError, match="features"):
        digits_model.transform(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="2D"):
        boltz.GaussianRBM().fit(np.zeros(5))
    with pytest.raises(TypeError, match="X"):
        boltz.GaussianRBM().fit(np.array([["a", "b"]]))
    tampered = clone(digits_model).set_params(n_iter=1).fit(np.ones((4, 64)) + np.eye(4, 64))
    tampered.sigma_ = -tampered.sigma_
    with pytest.raises(ValueError, match="sigma_"):
        tampered.transform(np.zeros((1, 64)))
    with pytest.raises(ValueError, match="method"):
        digits_model.log_partition("nope")
    with pytest.raises(boltz.machines._rbm_sklearn.NotFittedError):
        boltz.GaussianRBM().transform(np.zeros((1, 2)))


def test_clone_and_pipeline(digits):
    X, y = digits
    rbm = boltz.GaussianRBM(n_components=16, n_iter=2, random_state=0)
    twin = clone(rbm)
    assert twin.get_params() == rbm.get_params()
    pipe = Pipeline([("rbm", rbm), ("lr", LogisticRegression(max_iter=200))])
    pipe.fit(X[:300], y[:300])
    assert pipe.predict(X[300:310]).shape == (10,)
    again = clone(rbm).fit(X[:300])
    np.testing.assert_array_equal(again.components_, pipe.named_steps["rbm"].components_)
    out = rbm.fit_transform(X[:50])
    assert out.shape == (50, 16) and out.dtype == np.float64
    assert list(rbm.get_feature_names_out()[:2]) == ["gaussianrbm0", "gaussianrbm1"]


def test_float32_trains_in_float32(digits):
    X = digits[0].astype(np.float32)
    rbm = boltz.GaussianRBM(n_components=8, n_iter=2, learn_sigma=True, random_state=0).fit(X)
    assert rbm.components_.dtype == np.float32 and rbm.transform(X).dtype == np.float32
    assert np.isfinite(rbm.log_likelihood(X))


# ---- persistence ---------------------------------------------------------------------------

def _small_rows(seed=0):
    X = np.random.default_rng(seed).normal(size=(40, 4)) @ [[1, 1, 0, 0], [0, 1, 1, 0],
                                                          [0, 0, 1, 1], [0, 0, 0, 1]]
    X[:, 2] = 3.0                                     # a constant column
    return X


@pytest.mark.parametrize("kw", [{}, {"sampler": "pcd", "learn_sigma": True, "momentum": 0.5,
                                     "dtype": np.float32},
                                {"standardize": False, "k": [1, 2], "monitor_rows": 0},
                                {"random_state": np.random.SeedSequence(7)}],
                         ids=["cd", "pcd-sigma-momentum-f32", "raw-k-list", "seedsequence"])
def test_save_and_load_compute_and_continue_the_same(tmp_path, kw):
    X = _small_rows()
    kw = {"random_state": 3, **kw}
    rbm = boltz.GaussianRBM(n_components=3, n_iter=3, batch_size=5, **kw).fit(X)
    rbm.save(tmp_path / "model")                      # numpy's rule: model.npz
    assert (tmp_path / "model.npz").exists()
    back = boltz.GaussianRBM.load(tmp_path / "model")
    for attr in ("components_", "intercept_visible_", "intercept_hidden_", "sigma_", "mean_",
                 "scale_", "h_samples_"):
        got, want = getattr(back, attr), getattr(rbm, attr)
        assert got.dtype == want.dtype and np.array_equal(got, want), attr
    assert back.n_features_in_ == rbm.n_features_in_ and back.n_iter_ == rbm.n_iter_
    assert back.history_ == rbm.history_
    for method in ("transform", "score_samples", "reconstruct", "free_energy"):
        np.testing.assert_array_equal(getattr(back, method)(X), getattr(rbm, method)(X))
    np.testing.assert_array_equal(back.sample(4, 20, seed=1), rbm.sample(4, 20, seed=1))
    if rbm.standardize:          # the constant column stays at its constant
        assert np.all(back.sample(4, 5, seed=2)[:, 2] == 3.0)
    # what training continues from is kept: the estimator's stream, the chains' streams,
    # the momentum buffers
    np.testing.assert_array_equal(back.gibbs(X), rbm.gibbs(X))
    back.partial_fit(X[:6])
    rbm.partial_fit(X[:6])
    np.testing.assert_array_equal(back.components_, rbm.components_)
    np.testing.assert_array_equal(back.sigma_, rbm.sigma_)
    assert back.get_params().keys() == rbm.get_params().keys()


def test_loaded_model_refits_as_a_fresh_one(tmp_path):
    X = _small_rows(1)
    rbm = boltz.GaussianRBM(n_components=2, n_iter=2, random_state=5, dtype=np.float32).fit(X)
    rbm.save(tmp_path / "m.npz")
    back = boltz.GaussianRBM.load(tmp_path / "m.npz")
    assert back.dtype is np.float32
    fresh = clone(rbm).fit(X)
    np.testing.assert_array_equal(back.fit(X).components_, fresh.components_)


def _tampered(path, tamper, *args):
    """Damage the saved model at `path`: truncate or flip a byte of the file, drop or
    replace a member, or make one declare a huge shape or hold objects."""
    import io
    import zipfile

    raw = bytearray(path.read_bytes())
    if tamper == "truncate":
        path.write_bytes(bytes(raw[:args[0]]))
        return
    if tamper == "flip":
        raw[args[0]] ^= args[1]
        path.write_bytes(bytes(raw))
        return
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        members = {name: z.read(name) for name in z.namelist()}
    name = args[0] + ".npy"
    if tamper == "drop":
        del members[name]
    else:
        buf = io.BytesIO()
        if tamper == "declared":            # a header declaring far more than it holds
            np.lib.format.write_array_header_1_0(buf, {"descr": args[2], "fortran_order": False,
                                                       "shape": args[1]})
            buf.write(b"\0" * 64)
        else:
            value = (np.array([1, "a", None], dtype=object) if tamper == "object"
                     else np.asarray(args[1]))
            np.lib.format.write_array(buf, value, allow_pickle=True)
        members[name] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for key, data in members.items():
            z.writestr(key, data)


def test_damaged_files_raise_value_errors_naming_the_file(tmp_path):
    X = _small_rows(2)
    rbm = boltz.GaussianRBM(n_components=2, n_iter=1, sampler="pcd", momentum=0.3,
                            random_state=0).fit(X)
    good = tmp_path / "good.npz"
    rbm.save(good)
    size = good.stat().st_size
    cases = {
        "truncated": ("truncate", size // 2),
        "flipped": ("flip", size // 3, 255),
        "no sigma_": ("drop", "sigma_"),
        "no constant": ("drop", "constant"),
        "sigma_ negative": ("member", "sigma_", -np.ones(4)),
        "sigma_ nan": ("member", "sigma_", np.full(4, np.nan)),
        "scale_ zero": ("member", "scale_", np.zeros(4)),
        "components_ wrong shape": ("member", "components_", np.zeros((3, 4))),
        "components_ int": ("member", "components_", np.zeros((2, 4), dtype=np.int64)),
        "h_samples_ not binary": ("member", "h_samples_", np.full((10, 2), 0.5)),
        "huge declared": ("declared", "mean_", (2**62,), "<f8"),
        "object member": ("object", "intercept_hidden_"),
        "params not ours": ("member", "params", np.array('{"n_components": 2}')),
        "params bad value": ("member", "params", np.array(json_params(rbm, n_components=-1))),
        "format version": ("member", "format_version", np.array(9)),
        "state not a dict": ("member", "state", np.array("[]")),
        "state bad size": ("member", "state", np.array('{"n_features_in_": -1}')),
    }
    for label, (tamper, *args) in cases.items():
        path = tmp_path / f"{label.replace(' ', '_')}.npz"
        path.write_bytes(good.read_bytes())
        _tampered(path, tamper, *args)
        with pytest.raises(ValueError, match=f"not a boltz GaussianRBM file: .*{path.name}"):
            boltz.GaussianRBM.load(path)
    # not a file of this kind: an RBM's, a directory, garbage
    boltz.RBM(n_components=2, n_iter=1, random_state=0).fit(X > 0).save(tmp_path / "rbm.npz")
    (tmp_path / "garbage.npz").write_bytes(b"PK\x03\x04 not a zip")
    for path in (tmp_path / "rbm.npz", tmp_path, tmp_path / "garbage.npz"):
        with pytest.raises(ValueError, match="not a boltz GaussianRBM file"):
            boltz.GaussianRBM.load(path)
    with pytest.raises(FileNotFoundError):
        boltz.GaussianRBM.load(tmp_path / "absent")
    with pytest.raises(TypeError, match="path"):
        boltz.GaussianRBM.load(3.5)
    with pytest.raises(boltz.machines._rbm_sklearn.NotFittedError):
        boltz.GaussianRBM().save(tmp_path / "unfitted.npz")


def test_arrays_larger_than_memory_are_refused_before_reading(tmp_path, monkeypatch):
    from boltz import _npz

    path = tmp_path / "model.npz"
    boltz.GaussianRBM(n_components=2, n_iter=1, random_state=0).fit(_small_rows()).save(path)
    monkeypatch.setattr(_npz, "memory_limit", lambda: (100, "this machine has {} of memory"))
    with pytest.raises(ValueError, match=r"not a boltz GaussianRBM file: .*more than this "
                                         r"process may hold"):
        boltz.GaussianRBM.load(path)


def json_params(rbm, **changes):
    import json

    params = {**rbm.get_params(), "dtype": None, **changes}
    return json.dumps(params)


def test_validation_data_gives_the_free_energy_gap_and_is_saved(tmp_path):
    rng = np.random.default_rng(9)
    X = rng.normal(0, 1, (300, 4))
    # monitor_rows above the row count: every training and held-out row is monitored
    rbm = boltz.GaussianRBM(n_components=3, n_iter=3, monitor_rows=1000, random_state=0)
    rbm.fit(X[:200], validation_data=X[200:])
    gap = rbm.history_["free_energy_gap"]
    assert len(gap) == 3 == len(rbm.history_["reconstruction_error"])
    # the last epoch's gap from the fitted model's own free energies (the standardisation's
    # log-scale term cancels in the difference)
    expected = rbm.free_energy(X[200:]).mean() - rbm.free_energy(X[:200]).mean()
    assert gap[-1] == pytest.approx(expected, rel=1e-5, abs=1e-6)
    rbm.save(tmp_path / "g")
    assert boltz.GaussianRBM.load(tmp_path / "g").history_ == rbm.history_
    with pytest.raises(ValueError, match="validation_data"):
        rbm.fit(X, validation_data=X[:, :2])
