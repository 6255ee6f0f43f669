"""boltz.RBM: scikit-learn's contract, exact quantities against enumeration, the expected CD
update, learning measured by the exact likelihood, sampling, persistence."""
import itertools
import subprocess
import sys

import numpy as np
import pytest
from scipy import sparse, stats

import boltz
from ising_exact import chi_square

sklearn = pytest.importorskip("sklearn")


def test_scikit_learn_estimator_checks():
    import warnings

    from sklearn.exceptions import SkipTestWarning
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():                  # the skip is asserted on below
        warnings.simplefilter("ignore", SkipTestWarning)
        results = check_estimator(boltz.RBM(n_components=4, n_iter=3, random_state=0),
                                  on_fail=None)
    failed = [(r["check_name"], str(r["exception"])) for r in results
              if r["status"] == "failed"]
    assert not failed
    assert len(results) > 40
    # the one check scikit-learn skips: array-API input, which needs SCIPY_ARRAY_API=1
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert skipped <= {"check_array_api_input"}


def binary(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)


def machine(rng, n_visible=4, n_hidden=3, scale=1.0, **kwargs):
    rbm = boltz.RBM(n_components=n_hidden, dtype=np.float64, **kwargs)
    rbm.components_ = rng.normal(0, scale, (n_hidden, n_visible))
    rbm.intercept_hidden_ = rng.normal(0, scale, n_hidden)
    rbm.intercept_visible_ = rng.normal(0, scale, n_visible)
    rbm.h_samples_ = np.zeros((rbm.batch_size, n_hidden))
    rbm.n_features_in_ = n_visible
    return rbm


def joint(rbm):
    """Brute force: all (v, h) and their probabilities, shape (2^nv, 2^nh)."""
    W, b, c = rbm.components_.T, rbm.intercept_visible_, rbm.intercept_hidden_
    V, H = binary(W.shape[0]), binary(W.shape[1])
    neg_e = V @ W @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
    P = np.exp(neg_e - neg_e.max())
    return V, H, P / P.sum(), np.log(np.exp(neg_e - neg_e.max()).sum()) + neg_e.max()


def test_exact_quantities_match_enumeration(rng):
    rbm = machine(rng)
    V, H, P, log_z = joint(rbm)
    assert rbm.log_partition() == pytest.approx(log_z, rel=1e-12)
    pv = P.sum(axis=1)
    np.testing.assert_allclose(np.exp(-rbm.free_energy(V) - log_z), pv, rtol=1e-10)
    np.testing.assert_allclose(rbm.transform(V), (P / pv[:, None]) @ H, rtol=1e-10)
    X = V[[1, 5, 5, 9]]
    assert rbm.log_likelihood(X) == pytest.approx(np.mean(np.log(pv[[1, 5, 5, 9]])))
    assert rbm.log_partition("ais", n_betas=500, n_runs=200, seed=0) == pytest.approx(
        log_z, abs=5 * rbm.ais_.log_z_se + 0.02)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pseudo_likelihood_and_reconstruction_against_brute_force(rng, dtype):
    # score_samples = n log P(v_i | v_-i) for the flipped feature i, from free energies by
    # enumeration over h; the monitors' reconstruction error from plain numpy
    rbm = machine(rng, 9, 10)
    rbm.set_params(dtype=dtype)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        setattr(rbm, name, getattr(rbm, name).astype(dtype))
    V, _H, P, log_z = joint(rbm)
    X = V[rng.choice(len(V), 40)]
    flip = rbm._flipped_features(X.astype(dtype))
    flipped = X.copy()
    flipped[np.arange(len(X)), flip] = 1 - flipped[np.arange(len(X)), flip]
    free = -np.log(P.sum(axis=1)) - log_z                       # F(v) = -log p*(v)
    index = 2 ** np.arange(9)[::-1]
    gap = free[(flipped @ index).astype(int)] - free[(X @ index).astype(int)]
    expected = 9 * -np.logaddexp(0, -gap)                       # 9 log sigmoid(gap)
    tol = 1e-9 if dtype == np.float64 else 2e-4
    np.testing.assert_allclose(rbm.score_samples(X), expected, rtol=tol, atol=tol)
    err, pl = rbm._monitor_stats(X)
    np.testing.assert_allclose(pl, expected, rtol=tol, atol=tol)
    W, b, c = (a.astype(float) for a in (rbm.components_.T, rbm.intercept_visible_,
                                        rbm.intercept_hidden_))
    sig = lambda x: 1 / (1 + np.exp(-x))                          # noqa: E731
    recon = sig(sig(X @ W + c) @ W.T + b)
    np.testing.assert_allclose(err, ((X - recon) ** 2).sum(axis=1), rtol=tol, atol=tol)


def test_samples_follow_the_visible_distribution(rng):
    rbm = machine(rng)
    _, _, P, _ = joint(rbm)
    samples = rbm.sample(4000, num_sweeps=30, seed=1)       # independent chains
    counts = np.bincount(samples.astype(int) @ [8, 4, 2, 1], minlength=16)
    chi2, dof = chi_square(counts, P.sum(axis=1))
    assert chi2 < stats.chi2.ppf(1 - 1e-4, dof)


def test_gibbs_step_has_the_exact_transition_probabilities(rng):
    rbm = machine(rng)
    V, _H, P, _ = joint(rbm)
    v0 = V[6]
    ph = P[6] / P[6].sum()                                           # p(h | v0)
    pv_given_h = P / P.sum(axis=0, keepdims=True)                    # p(v | h), columns
    expected = pv_given_h @ ph                                       # p(v' | v0)
    out = rbm.gibbs(np.tile(v0, (5000, 1)))
    assert out.dtype == bool
    counts = np.bincount(out.astype(int) @ [8, 4, 2, 1], minlength=16)
    chi2, dof = chi_square(counts, expected)
    assert chi2 < stats.chi2.ppf(1 - 1e-4, dof)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_visible, n_hidden", [(3, 2), (9, 10)])
def test_one_cd1_update_has_the_expected_value(rng, dtype, n_visible, n_hidden):
    # E[update] of CD-1 from a batch, by enumeration over h ~ p(h|v) and v' ~ p(v'|h);
    # the mean of many independent updates must agree within a few standard errors.
    # 9 and 10 units: the kernel draws eight units per vector step, then the rest one by one
    start = machine(rng, n_visible, n_hidden, scale=0.8, sampler="cd", learning_rate=0.5,
                    batch_size=4)
    start.set_params(dtype=dtype)
    V = binary(n_visible)
    X = V[[0, 3, 5, 6]] if n_visible == 3 else V[rng.choice(len(V), 4, replace=False)]
    _, H, P, _ = joint(start)
    idx = [int(x @ 2 ** np.arange(n_visible)[::-1]) for x in X]
    ph_v = P / P.sum(axis=1, keepdims=True)                          # p(h | v)
    pv_h = (P / P.sum(axis=0, keepdims=True)).T                      # p(v | h)
    mean_h = ph_v @ H                                                 # p(h_j = 1 | v)
    pos = X.T @ mean_h[idx]
    neg = np.zeros_like(pos)
    for i in idx:
        w_v = ph_v[i] @ pv_h                                          # p(v' | v_i)
        neg += (V * w_v[:, None]).T @ mean_h
    expected_w = 0.5 / 4 * (pos - neg)
    updates = []
    for seed in range(3000):
        rbm = machine(np.random.default_rng(0), n_visible, n_hidden)  # placeholder attributes
        for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
            setattr(rbm, name, getattr(start, name).copy())
        rbm.set_params(**start.get_params())
        rbm.set_params(random_state=seed)
        rbm.partial_fit(X)
        updates.append((rbm.components_ - start.components_).T)
    updates = np.array(updates)
    se = updates.std(axis=0, ddof=1) / np.sqrt(len(updates))
    assert np.all(np.abs(updates.mean(axis=0) - expected_w) < 4.5 * se + 1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("persistent", [False, True])
def test_epoch_kernel_keeps_both_weight_layouts_and_zero_padding(dtype, persistent):
    # sizes that leave ragged edges in every vector tile and 8 x 8 (4 x 4) transpose block
    from boltz._core import _rbm_epoch
    from boltz._random import RandomStreams
    nv, nh, pv, ph, batch = 37, 13, 40, 16, 6
    rng = np.random.default_rng(0)
    X = (rng.random((50, nv)) < 0.3).astype(dtype)
    W0 = rng.normal(0, 0.1, (nh, nv)).astype(dtype)
    W = np.zeros((nh, pv), dtype)
    W[:, :nv] = W0
    Wt = np.zeros((nv, ph), dtype)
    Wt[:, :nh] = W0.T
    b, c = np.zeros(pv, dtype), np.zeros(ph, dtype)
    chains = (rng.random((batch, nh)) < 0.5).astype(dtype)
    vel = [np.zeros_like(Wt), np.zeros_like(b), np.zeros_like(c)]
    streams = RandomStreams(0, batch)
    _rbm_epoch.train_epoch(X, np.arange(50), batch, W, Wt, b, c, chains, *vel, 0.1, 0.5,
                           0.01, 2, persistent, streams.addresses, 2)
    assert np.array_equal(W[:, :nv], Wt[:, :nh].T)
    assert not np.allclose(W[:, :nv], W0)
    for padding in (W[:, nv:], Wt[:, nh:], b[nv:], c[nh:], vel[0][:, nh:], vel[1][nv:],
                    vel[2][nh:]):
        assert not padding.any()
    assert set(np.unique(chains)) <= {0, 1}


def bars_and_stripes_3x3():
    rows = np.array(list(itertools.product([0, 1], repeat=3)))
    return np.unique(np.vstack([np.repeat(rows, 3, axis=1), np.tile(rows, 3)]), axis=0)


def noisy_prototypes(n=300, seed=0):
    """Three 10-pixel prototypes, each pixel flipped with probability 0.1."""
    rng = np.random.default_rng(seed)
    protos = np.array([[1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
                       [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]])
    X = protos[rng.integers(0, 3, n)]
    return np.where(rng.random(X.shape) < 0.1, 1 - X, X).astype(float)


@pytest.mark.parametrize("sampler, k", [("cd", 1), ("pcd", 1), ("cd", 3), ("pcd", 3)])
def test_cd_and_pcd_raise_the_exact_likelihood(sampler, k):
    X = noisy_prototypes()
    rbm = boltz.RBM(n_components=6, learning_rate=0.1, batch_size=10, n_iter=20, k=k,
                    sampler=sampler, visible_bias_init="zeros", dtype=np.float64,
                    random_state=0)
    initial = boltz.RBM(n_components=6, n_iter=1, learning_rate=1e-12, dtype=np.float64,
                        visible_bias_init="zeros", random_state=0).fit(X).log_likelihood(X)
    final = rbm.fit(X).log_likelihood(X)
    # nats per vector: about -6.9 at the start (near uniform), about -4.7 after learning
    assert final > initial + 1.5
    assert len(rbm.history_["reconstruction_error"]) == 20
    assert rbm.history_["reconstruction_error"][-1] < rbm.history_["reconstruction_error"][0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_rows_results_do_not_depend_on_the_rows_beside_it(dtype):
    """transform, free_energy and score_samples of a row are bit-identical whatever the
    order and number of the rows around it (BLAS rounds a row by its place in the batch)."""
    X = 3 * np.random.RandomState(0).uniform(size=(20, 3))   # scikit-learn's check's data
    rbm = boltz.RBM(n_components=1, n_iter=3, random_state=1, dtype=dtype).fit(X)
    rng = np.random.default_rng(0)
    for method in ("transform", "free_energy", "score_samples"):
        whole = getattr(rbm, method)(X)
        for _ in range(50):
            idx = rng.permutation(20)
            np.testing.assert_array_equal(getattr(rbm, method)(X[idx]), whole[idx])
        for i in range(20):
            np.testing.assert_array_equal(getattr(rbm, method)(X[i:i + 1]), whole[i:i + 1])


def test_sparse_and_dense_input_give_the_same_model():
    X = np.tile(bars_and_stripes_3x3(), (3, 1)).astype(float)
    dense = boltz.RBM(n_components=5, n_iter=5, random_state=3, dtype=np.float64).fit(X)
    csr = boltz.RBM(n_components=5, n_iter=5, random_state=3, dtype=np.float64).fit(
        sparse.csr_matrix(X))
    np.testing.assert_allclose(csr.components_, dense.components_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(csr.transform(sparse.csr_matrix(X)), dense.transform(X),
                               rtol=1e-12)


def test_same_seed_same_model_and_momentum_and_decay():
    X = np.tile(bars_and_stripes_3x3(), (3, 1))
    a = boltz.RBM(n_components=5, n_iter=5, random_state=3, dtype=np.float32).fit(X)
    b = boltz.RBM(n_components=5, n_iter=5, random_state=3, num_threads=2,
                  dtype=np.float32).fit(X)
    assert np.array_equal(a.components_, b.components_)
    assert a.components_.dtype == np.float32
    decayed = boltz.RBM(n_components=5, n_iter=5, random_state=3, weight_decay=0.5,
                        dtype=np.float32).fit(X)
    assert np.linalg.norm(decayed.components_) < np.linalg.norm(a.components_)
    moving = boltz.RBM(n_components=5, n_iter=5, random_state=3, momentum=0.9,
                       dtype=np.float32).fit(X)
    assert not np.allclose(moving.components_, a.components_)


def test_save_and_load_round_trip(tmp_path):
    X = np.tile(bars_and_stripes_3x3(), (3, 1))
    rbm = boltz.RBM(n_components=5, n_iter=3, random_state=3, learning_rate=0.2).fit(X)
    rbm.save(tmp_path / "model.npz")
    back = boltz.RBM.load(tmp_path / "model.npz")
    assert back.get_params() == rbm.get_params()
    for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"):
        assert np.array_equal(getattr(back, name), getattr(rbm, name))
        assert getattr(back, name).dtype == getattr(rbm, name).dtype
    assert np.array_equal(back.transform(X), rbm.transform(X))


def test_works_in_a_pipeline_and_grid_search():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    X = np.tile(bars_and_stripes_3x3(), (6, 1))
    y = (X[:, 0] == X[:, 1]).astype(int)
    pipe = Pipeline([("rbm", boltz.RBM(n_iter=5, random_state=0)),
                     ("clf", LogisticRegression())])
    search = GridSearchCV(pipe, {"rbm__n_components": [4, 8]}, cv=2).fit(X, y)
    assert search.best_params_["rbm__n_components"] in (4, 8)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(n_components=0), ValueError, "n_components"),
    (dict(learning_rate=0.0), ValueError, "learning_rate"),
    (dict(momentum=1.0), ValueError, "momentum"),
    (dict(k=1.5), TypeError, "k"),
    (dict(dtype=np.int32), TypeError, "dtype"),
    (dict(monitor_rows=-1), ValueError, "monitor_rows"),
])
def test_bad_parameters(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        boltz.RBM(**kwargs).fit(np.ones((3, 2)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_row_products_kernel_matches_numpy(dtype, threads):
    # the monitors' products: sums of the rows picked by nonzero entries, rows padded;
    # 600 x 37 x 16 is enough work to split among threads
    from boltz._core import _rbm_epoch
    rng = np.random.default_rng(2)
    V = np.where(rng.random((600, 37)) < 0.4, rng.random((600, 37)), 0).astype(dtype)
    M = rng.normal(size=(37, 13)).astype(dtype)
    bias = rng.normal(size=13).astype(dtype)
    Mp, bp = np.zeros((37, 16), dtype), np.zeros(16, dtype)
    Mp[:, :13], bp[:13] = M, bias
    out = _rbm_epoch.row_products(V, Mp, bp, threads)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out[:, :13], V.astype(float) @ M + bias, rtol=tol, atol=tol)
    assert not out[:, 13:].any()


def test_monitor_rows_sets_what_history_costs():
    X = noisy_prototypes()
    quiet = boltz.RBM(n_components=6, n_iter=3, random_state=0, monitor_rows=0).fit(X)
    assert quiet.history_ == {}
    watched = boltz.RBM(n_components=6, n_iter=3, random_state=0, monitor_rows=50).fit(X)
    assert len(watched.history_["pseudo_likelihood"]) == 3
    # the monitors read the model and draw no training randomness
    assert np.array_equal(quiet.components_, watched.components_)


def test_bad_input_and_unfitted_use():
    with pytest.raises(ValueError, match="NaN"):
        boltz.RBM().fit(np.array([[0.0, np.nan]]))
    rbm = boltz.RBM(n_components=2, n_iter=1).fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="4 features"):
        rbm.transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="method"):
        rbm.log_partition("bridge")
    with pytest.raises(sklearn.exceptions.NotFittedError):
        boltz.RBM().transform(np.ones((2, 2)))


def test_identical_models_for_any_thread_count_when_batches_run_in_parallel():
    # big enough that every phase of a batch is split among threads
    X = (np.random.default_rng(1).random((200, 100)) < 0.2).astype(np.float32)
    fits = [boltz.RBM(n_components=64, batch_size=20, n_iter=2, random_state=0,
                      num_threads=t).fit(X) for t in (1, 2, 3)]
    for f in fits[1:]:
        assert np.array_equal(f.components_, fits[0].components_)
        assert np.array_equal(f.h_samples_, fits[0].h_samples_)


def test_works_without_scikit_learn():
    # scikit-learn is optional: without it RBM keeps get_params / set_params / fit_transform
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import numpy as np, boltz\n"
            "rbm = boltz.RBM(n_components=3, n_iter=2, random_state=0)\n"
            "assert rbm.set_params(k=2).get_params()['k'] == 2\n"
            "out = rbm.fit_transform(np.eye(4))\n"
            "assert out.shape == (4, 3)\n"
            "try:\n    boltz.RBM().transform(np.eye(2))\nexcept ValueError as e:\n"
            "    print('not fitted:', isinstance(e, AttributeError))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "not fitted: True" in res.stdout


@pytest.mark.slow
def test_digits_features_classify_as_well_as_scikit_learns():
    # scikit-learn's "RBM features for digit classification" example: digits scaled to
    # [0, 1] and nudged by one pixel in 4 directions, 100 components, learning rate 0.06,
    # batch 10, 10 epochs, then logistic regression with C = 6000
    from scipy.ndimage import convolve
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import BernoulliRBM
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import minmax_scale

    X, y = load_digits(return_X_y=True)
    shifts = [[[0, 1, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
              [[0, 0, 0], [0, 0, 1], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 1, 0]]]
    X = np.concatenate([X] + [np.apply_along_axis(
        lambda x, w=w: convolve(x.reshape(8, 8), mode="constant", weights=w).ravel(), 1, X)
        for w in shifts])
    y = np.concatenate([y] * 5)
    X = minmax_scale(np.asarray(X, dtype=np.float32))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    scores = {}
    for name, rbm in [("boltz", boltz.RBM(random_state=0)),
                      ("sklearn", BernoulliRBM(random_state=0))]:
        rbm.set_params(n_components=100, learning_rate=0.06, batch_size=10, n_iter=10)
        model = Pipeline([("rbm", rbm), ("logistic", LogisticRegression(C=6000,
                                                                         max_iter=1000))])
        scores[name] = model.fit(X_train, y_train).score(X_test, y_test)
    assert scores["boltz"] >= 0.92
    assert scores["boltz"] >= scores["sklearn"] - 0.01, scores


def test_free_energy_gap_tracks_held_out_data():
    # held-out rows from the training distribution have about the training free energy;
    # unrelated noise has a much higher one (the model gives it little probability)
    X = noisy_prototypes(300, seed=0)
    same = noisy_prototypes(100, seed=1)
    noise = (np.random.default_rng(2).random((100, 10)) < 0.5).astype(float)
    gaps = {}
    for name, held in (("same", same), ("noise", noise)):
        rbm = boltz.RBM(n_components=6, learning_rate=0.1, n_iter=15, dtype=np.float64,
                        random_state=0).fit(X, validation_data=held)
        gaps[name] = rbm.history_["free_energy_gap"]
        assert len(gaps[name]) == 15 and np.all(np.isfinite(gaps[name]))
    assert abs(gaps["same"][-1]) < 0.5
    assert gaps["noise"][-1] > gaps["same"][-1] + 1.0


@pytest.mark.parametrize("name", ["n_components", "learning_rate", "batch_size", "n_iter", "k",
                                  "momentum", "weight_decay", "random_state", "num_threads",
                                  "verbose", "monitor_rows", "persistent", "shuffle",
                                  "centered", "offset_rate"])
@pytest.mark.filterwarnings("ignore:persistent is deprecated:DeprecationWarning")
def test_arguments_given_as_strings_are_refused_naming_them(name):
    X = np.array([[0.0, 1.0], [1.0, 1.0]])
    with pytest.raises(TypeError, match=name):
        boltz.RBM(**{name: "1"}).fit(X)
    with pytest.raises(TypeError, match=name):
        boltz.RBM(**{name: "1"}).partial_fit(X)


def test_method_arguments_refuse_strings():
    X = np.array([[0.0, 1.0], [1.0, 1.0]])
    for bad in (X.astype(str), np.array([[0.0, "1"], [1.0, 1.0]], dtype=object)):
        with pytest.raises(TypeError, match="X must be numeric"):
            boltz.RBM().fit(bad)
    rbm = boltz.RBM(n_components=2, n_iter=1, random_state=0).fit(X)
    for call, word in ((lambda: rbm.sample("2"), "n_samples"),
                       (lambda: rbm.sample(2, num_sweeps="3"), "num_sweeps"),
                       (lambda: rbm.sample(2, seed="1"), "seed"),
                       (lambda: rbm.log_likelihood(X, log_z="1.5"), "log_z"),
                       (lambda: rbm.log_partition("ais", n_runs="10"), "n_runs"),
                       (lambda: rbm.log_partition("ais", base_rates=["0.5", "0.5"]),
                        "base_rates")):
        with pytest.raises(TypeError, match=word):
            call()
