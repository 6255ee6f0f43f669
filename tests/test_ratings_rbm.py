"""RatingsRBM against independent truth: the CD-1 expected update and the predictive
distributions by enumeration of every hidden (and visible) state, log Z by brute force,
a planted structure recovered, and the invariances the model promises (items nobody rated
change nothing, the thread count changes nothing, save/load changes nothing)."""
import itertools

import numpy as np
import pytest

import boltz
from boltz.machines._ratings_partition import log_z_ais, log_z_exact


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def hidden_states(F):
    return np.array(list(itertools.product([0, 1], repeat=F)), dtype=float)


def planted(n_users=300, n_items=60, density=0.3, noise=0.0, seed=0):
    """Two kinds of users and two kinds of items: 5 stars where they match, else 1 (a
    fraction `noise` of the ratings replaced by uniform ones)."""
    rng = np.random.default_rng(seed)
    user_kind, item_kind = rng.integers(0, 2, n_users), rng.integers(0, 2, n_items)
    users, items = np.nonzero(rng.random((n_users, n_items)) < density)
    ratings = np.where(user_kind[users] == item_kind[items], 5, 1)
    noisy = rng.random(ratings.size) < noise
    ratings = np.where(noisy, rng.integers(1, 6, ratings.size), ratings)
    return users, items, ratings.astype(float), user_kind, item_kind


def split(users, items, ratings, seed=0):
    test = np.random.default_rng(seed).random(ratings.size) < 0.2
    return (users[~test], items[~test], ratings[~test]), (users[test], items[test],
                                                          ratings[test])


# ---- the CD-1 update -----------------------------------------------------------------------

def exact_cd1(W, b, c, v0):
    """Mean and variance of one user's CD-1 update (ΔW, Δb, Δc) by enumerating the hidden
    sample h0 and the reconstruction V1."""
    n, K, F = W.shape
    p_pos = sigmoid(c + W[np.arange(n), v0].sum(0))
    data_W = np.zeros((n, K, F))
    data_W[np.arange(n), v0] = p_pos
    data_b = np.zeros((n, K))
    data_b[np.arange(n), v0] = 1
    m1 = [np.zeros((n, K, F)), np.zeros((n, K)), np.zeros(F)]
    m2 = [np.zeros((n, K, F)), np.zeros((n, K)), np.zeros(F)]
    for h in hidden_states(F):
        p_h = np.prod(np.where(h == 1, p_pos, 1 - p_pos))
        P = softmax(b + W @ h)                                  # (n, K)
        for V1 in itertools.product(range(K), repeat=n):
            V1 = np.array(V1)
            weight = p_h * np.prod(P[np.arange(n), V1])
            p_neg = sigmoid(c + W[np.arange(n), V1].sum(0))
            neg_W = np.zeros((n, K, F))
            neg_W[np.arange(n), V1] = p_neg
            neg_b = np.zeros((n, K))
            neg_b[np.arange(n), V1] = 1
            for k, x in enumerate((data_W - neg_W, data_b - neg_b, p_pos - p_neg)):
                m1[k] += weight * x
                m2[k] += weight * x * x
    return m1, [b2 - a * a for a, b2 in zip(m1, m2, strict=True)]


def test_the_cd1_update_is_the_exact_expected_one():
    # 3 items, 3 levels, 3 hidden units; N identical users in one batch: the update is the
    # mean of N independent CD-1 updates, against the exact mean within 4 standard errors
    rng = np.random.default_rng(5)
    n, K, F, N = 3, 3, 3, 20000
    W, b, c = rng.normal(0, 1, (n, K, F)), rng.normal(0, 1, (n, K)), rng.normal(0, 1, F)
    v0 = np.array([2, 0, 1])
    X = (np.repeat(np.arange(N), n), np.tile(np.arange(n), N), np.tile(v0 + 1.0, N))
    rbm = boltz.RatingsRBM(F, levels=(1, 2, 3), learning_rate=1.0, momentum=0.0,
                           weight_decay=0.0, dtype=np.float64, random_state=3)
    rbm.partial_fit(X)                      # sets the model up; then the chosen parameters
    rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_ = W, b, c
    rbm.partial_fit(X)
    got = [rbm.components_ - W, rbm.intercept_visible_ - b, rbm.intercept_hidden_ - c]
    mean, var = exact_cd1(W, b, c, v0)
    for g, m, v in zip(got, mean, var, strict=True):
        se = np.sqrt(v / N)
        assert np.all(np.abs(g - m) <= 4 * se + 1e-12), np.max(np.abs(g - m) / (se + 1e-300))
    # and not trivially: the expected update is far from zero in units of its error
    assert np.max(np.abs(mean[0]) / np.sqrt(var[0] / N + 1e-300)) > 50


@pytest.mark.parametrize("conditional", [False, True])
def test_an_item_nobody_rated_changes_no_other_parameter(conditional):
    # the same ratings as a users x 60 and a users x 61 sparse matrix: item 60 is absent
    # from every user's RBM (and, conditional, from every seen set)
    scipy_sparse = pytest.importorskip("scipy.sparse")
    users, items, ratings, *_ = planted()
    kw = dict(n_components=12, n_iter=3, batch_size=32, learning_rate=0.05,
              conditional=conditional, random_state=4, num_threads=1)
    fits = []
    for n_items in (60, 61):
        X = scipy_sparse.coo_matrix((ratings, (users, items)), shape=(300, n_items))
        fits.append(boltz.RatingsRBM(**kw).fit(X))
    a, b = fits
    np.testing.assert_array_equal(a.components_, b.components_[:60])
    np.testing.assert_array_equal(a.intercept_visible_, b.intercept_visible_[:60])
    np.testing.assert_array_equal(a.intercept_hidden_, b.intercept_hidden_)
    if conditional:
        np.testing.assert_array_equal(a.conditional_components_,
                                      b.conditional_components_[:60])
        assert np.all(b.conditional_components_[60] == 0)
    # the absent item kept its start: the add-one-smoothed uniform levels
    np.testing.assert_allclose(b.intercept_visible_[60], np.log(1 / 5), rtol=1e-6)
    zeros = boltz.RatingsRBM(**kw, visible_bias_init="zeros").fit(X)
    assert np.all(zeros.intercept_visible_[60] == 0)
    q = (np.arange(10), np.arange(10) % 60)
    np.testing.assert_array_equal(a.predict(*q), b.predict(*q))


def test_the_same_model_for_any_thread_count():
    users, items, ratings, *_ = planted(n_users=400, n_items=80, density=0.5)
    fits = [boltz.RatingsRBM(24, n_iter=2, batch_size=100, conditional=True,
                             random_state=1, num_threads=t).fit((users, items, ratings))
            for t in (1, 2)]
    for name in ("components_", "intercept_visible_", "intercept_hidden_",
                 "conditional_components_"):
        np.testing.assert_array_equal(getattr(fits[0], name), getattr(fits[1], name))
    q = (users[:50], items[:50])
    np.testing.assert_array_equal(fits[0].predict(*q), fits[1].predict(*q))


# ---- what it learns --------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"conditional": True}, {"orientation": "item"}],
                         ids=["user", "conditional", "item"])
def test_a_planted_structure_is_recovered(kw):
    users, items, ratings, user_kind, item_kind = planted(noise=0.1)
    train, test = split(users, items, ratings)
    rbm = boltz.RatingsRBM(16, n_iter=25, learning_rate=0.05, batch_size=20, random_state=0,
                           **kw).fit(train, validation_data=test)
    # the per-item mean cannot tell the kinds of users apart
    item_mean = np.array([train[2][train[1] == i].mean() for i in range(60)])
    mean_rmse = np.sqrt(np.mean((item_mean[test[1]] - test[2]) ** 2))
    assert rbm.rmse(test) < 0.5 * mean_rmse
    assert rbm.history_["validation_rmse"][-1] == pytest.approx(rbm.rmse(test))
    assert rbm.mae(test) == pytest.approx(rbm.history_["validation_mae"][-1])
    assert rbm.score(test) == -rbm.rmse(test)
    # a user's top items are of its kind
    top = rbm.recommend(0, 5)
    assert np.all(item_kind[top] == user_kind[0])
    rated = set(train[1][train[0] == 0])
    assert not rated & set(top.tolist())


def test_history_has_one_entry_per_epoch():
    users, items, ratings, *_ = planted(n_users=60, n_items=20)
    rbm = boltz.RatingsRBM(4, n_iter=3, k=[1, 2], random_state=0).fit((users, items, ratings))
    assert set(rbm.history_) == {"reconstruction_rmse", "train_rmse", "epoch_time"}
    assert all(len(v) == 3 for v in rbm.history_.values()) and rbm.n_iter_ == 3


# ---- exact predictions and likelihoods ------------------------------------------------------

def brute_force_proba(rbm, user, item):
    """P(v_item = l | the user's other ratings and seen items) by summing over every
    hidden state."""
    W = rbm.components_.astype(float)
    b = rbm.intercept_visible_.astype(float)
    x = rbm.intercept_hidden_.astype(float).copy()
    L = rbm._lists
    for q in range(L.indptr[user], L.indptr[user + 1]):
        if L.units[q] != item:
            x += W[L.units[q], L.levels[q]]
    if rbm.conditional_components_ is not None:
        S = rbm._seen
        x += rbm.conditional_components_[S.units[S.indptr[user]:S.indptr[user + 1]]].sum(0)
    H = hidden_states(W.shape[2])
    log_w = H @ x[:, None]                                   # (2^F, 1)
    scores = log_w + (H @ W[item].T) + b[item]               # (2^F, K)
    top = scores.max()
    p = np.exp(scores - top).sum(0)
    return p / p.sum()


@pytest.mark.parametrize("conditional", [False, True])
def test_predictions_are_the_exact_conditional(conditional):
    users, items, ratings, *_ = planted(n_users=50, n_items=12, density=0.5)
    rbm = boltz.RatingsRBM(6, n_iter=5, learning_rate=0.1, conditional=conditional,
                           dtype=np.float64, random_state=2).fit((users, items, ratings))
    rated = items[users == 3]
    unrated = np.setdiff1d(np.arange(12), rated)
    for item in [*rated[:2], *unrated[:2]]:       # rated: its own rating left out
        got = rbm.predict_proba([3], [item])[0]
        np.testing.assert_allclose(got, brute_force_proba(rbm, 3, item), rtol=1e-10)
        assert rbm.predict([3], [item])[0] == pytest.approx(got @ np.arange(1, 6))


def test_log_z_and_log_likelihood_against_brute_force():
    rng = np.random.default_rng(7)
    n, K, F = 3, 3, 4
    W, b, a = rng.normal(0, 1, (n, K, F)), rng.normal(0, 1, (n, K)), rng.normal(0, 1, F)
    H = hidden_states(F)
    total = [np.sum([b[i, V[i]] + W[i, V[i]] @ h for i in range(n)]) + a @ h
             for V in itertools.product(range(K), repeat=n) for h in H]
    log_z = np.log(np.sum(np.exp(total)))
    assert log_z_exact(W, b, a) == pytest.approx(log_z, rel=1e-12)
    est, se = log_z_ais(W, b, a, 200, 500, np.random.default_rng(0))
    assert abs(est - log_z) < max(4 * se, 0.02)

    # a fitted model's per-user log-likelihood: exact against the enumeration of every
    # level assignment of the user's items; AIS close to it
    users, items, ratings, *_ = planted(n_users=40, n_items=6, density=0.6)
    rbm = boltz.RatingsRBM(5, n_iter=5, learning_rate=0.1, dtype=np.float64,
                           random_state=0).fit((users, items, ratings))
    user = 2
    mine = np.sort(items[users == user])
    got = rbm.log_likelihood([user], "exact")[0]
    Wu, bu = rbm.components_[mine], rbm.intercept_visible_[mine]
    c = rbm.intercept_hidden_

    def log_unnorm(V):
        return bu[np.arange(len(mine)), V].sum() + np.logaddexp(
            0, c + Wu[np.arange(len(mine)), V].sum(0)).sum()

    all_V = list(itertools.product(range(5), repeat=len(mine)))
    log_z_user = np.logaddexp.reduce([log_unnorm(np.array(V)) for V in all_V])
    data = (ratings[users == user][np.argsort(items[users == user])] - 1).astype(int)
    assert got == pytest.approx(log_unnorm(data) - log_z_user, rel=1e-10)
    ais = rbm.log_likelihood([user], "ais", n_chains=100, n_betas=300, seed=0)[0]
    assert ais == pytest.approx(got, abs=0.05)


# ---- input forms, ids, cold starts ---------------------------------------------------------

def test_the_input_forms_give_the_same_model():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    pd = pytest.importorskip("pandas")
    users, items, ratings, *_ = planted(n_users=50, n_items=15)
    kw = dict(n_components=6, n_iter=2, random_state=0)
    forms = [(users, items, ratings),
             scipy_sparse.csr_matrix((ratings, (users, items)), shape=(50, 15)),
             pd.DataFrame({"u": users, "i": items, "r": ratings})]
    fits = [boltz.RatingsRBM(**kw).fit(X) for X in forms]
    for other in fits[1:]:
        np.testing.assert_array_equal(fits[0].components_, other.components_)
    # ids of any hashable type, mapped back
    names = np.array([f"user{u:03d}" for u in users])   # sorted as the ints
    titles = np.array([f"film{i:03d}" for i in items])
    named = boltz.RatingsRBM(**kw).fit((names, titles, ratings))
    np.testing.assert_array_equal(named.predict(names[:5], titles[:5]),
                                  fits[0].predict(users[:5], items[:5]))
    assert str(named.recommend("user000", 1)[0]).startswith("film")


def test_cold_starts_get_the_known_side_mean():
    users, items, ratings, *_ = planted(n_users=50, n_items=15)
    rbm = boltz.RatingsRBM(4, n_iter=1, random_state=0).fit((users, items, ratings))
    got = rbm.predict([999, 0, 999], [3, 999, 999])
    assert got[0] == pytest.approx(ratings[items == 3].mean())
    assert got[1] == pytest.approx(ratings[users == 0].mean())
    assert got[2] == pytest.approx(ratings.mean())


@pytest.mark.parametrize("X, match", [
    ((np.array([0, 1]), np.array([0, 1]), np.array([1.0, 3.5])), "3.5"),
    ((np.array([0, 0]), np.array([1, 1]), np.array([1.0, 2.0])), "twice"),
    ((np.array([0, 1]), np.array([0, 1]), np.array([1.0, np.nan])), "ratings"),
    ((np.array([0, 1]), np.array([0]), np.array([1.0, 2.0])), "same length"),
    ((np.zeros(0, int), np.zeros(0, int), np.zeros(0)), "no ratings"),
])
def test_bad_ratings_are_value_errors(X, match):
    with pytest.raises(ValueError, match=match):
        boltz.RatingsRBM(2, n_iter=1).fit(X)


def test_bad_arguments_are_named():
    X = (np.array([0, 1]), np.array([0, 1]), np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="X must be"):
        boltz.RatingsRBM(2).fit(np.ones((3, 3)))
    with pytest.raises(ValueError, match="learning_rate"):
        boltz.RatingsRBM(2, learning_rate={"weight": 0.1}).fit(X)
    with pytest.raises(ValueError, match="orientation"):
        boltz.RatingsRBM(2, orientation="film").fit(X)
    with pytest.raises(ValueError, match="levels"):
        boltz.RatingsRBM(2, levels=[1, 1, 2]).fit(X)
    with pytest.raises(ValueError, match="conditional"):
        boltz.RatingsRBM(2).fit(X, seen=([0], [1]))
    with pytest.raises(ValueError, match="not fitted"):
        boltz.RatingsRBM(2).predict([0], [0])
    rbm = boltz.RatingsRBM(2, n_iter=1).fit(X)
    with pytest.raises(ValueError, match="same length"):
        rbm.predict([0, 1], [0])
    with pytest.raises(ValueError, match="not a user"):
        rbm.recommend(7)
    with pytest.raises(ValueError, match="partial_fit keeps"):
        rbm.partial_fit((np.array([5]), np.array([0]), np.array([1.0])))


def test_seen_pairs_feed_the_conditional_model():
    users, items, ratings, *_ = planted(n_users=60, n_items=20)
    train, test = split(users, items, ratings)
    rbm = boltz.RatingsRBM(8, n_iter=3, conditional=True, random_state=0)
    rbm.fit(train, seen=(test[0], test[1]))
    S = rbm._seen
    u, i = int(test[0][0]), int(test[1][0])
    assert i in S.units[S.indptr[u]:S.indptr[u + 1]]
    with pytest.raises(ValueError, match="does not rate"):
        rbm.fit(train, seen=([10**6], [0]))


# ---- persistence, scikit-learn's protocol --------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"conditional": True}, {"orientation": "item"}],
                         ids=["user", "conditional", "item"])
def test_save_and_load_predict_the_same(tmp_path, kw):
    users, items, ratings, *_ = planted(n_users=40, n_items=10)
    names = np.array([f"u{u}" for u in users])
    rbm = boltz.RatingsRBM(4, n_iter=2, random_state=0, **kw).fit((names, items, ratings))
    rbm.save(tmp_path / "model")
    back = boltz.RatingsRBM.load(tmp_path / "model")
    q = (names[:20], items[:20])
    np.testing.assert_array_equal(back.predict(*q), rbm.predict(*q))
    mine, theirs = rbm.get_params(), back.get_params()
    assert np.dtype(theirs.pop("dtype")) == np.dtype(mine.pop("dtype"))
    assert np.array_equal(theirs.pop("levels"), mine.pop("levels"))
    assert theirs == mine
    assert back.history_ == rbm.history_
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ValueError, match="not a boltz RatingsRBM file"):
        boltz.RatingsRBM.load(tmp_path / "bad.npz")


def test_scikit_learn_clone():
    base = pytest.importorskip("sklearn.base")
    rbm = boltz.RatingsRBM(7, learning_rate={"weights": 0.1, "hidden_bias": 0.01})
    twin = base.clone(rbm)
    assert twin.get_params() == rbm.get_params() and twin is not rbm
    assert rbm.set_params(n_iter=3).n_iter == 3


# ---- Ctrl-C --------------------------------------------------------------------------------

CTRL_C_SETUP = """
    import json, numpy as np, boltz
    rng = np.random.default_rng(0)
    users, items = np.nonzero(rng.random((3000, 600)) < 0.2)
    X = (users, items, rng.integers(1, 6, users.size).astype(float))
    rbm = boltz.RatingsRBM(100, n_iter=10**6, batch_size=50, k=5, random_state=0,
                           num_threads=1)
"""


@pytest.mark.slow
def test_ctrl_c_stops_fit_between_mini_batches():
    # a fit of a million epochs stops after SIGINT, keeping whole epochs' history and a
    # usable model
    from interrupting import interrupt_call

    report = """
        print(json.dumps({"interrupted": rbm.interrupted_, "n_iter": rbm.n_iter_,
                          "lengths": sorted({len(v) for v in rbm.history_.values()}),
                          "finite": bool(np.all(np.isfinite(rbm.components_))),
                          "predict": rbm.predict([0, 1], [0, 1]).tolist()}))
    """
    got = interrupt_call(CTRL_C_SETUP, "rbm.fit(X)", report, delay=3.0, hang_limit=30)
    assert got.report["interrupted"] is True and got.report["finite"]
    assert 0 <= got.report["n_iter"] < 10**6
    # one history entry per whole epoch whose monitors finished (Ctrl-C may land in the
    # monitors of the last epoch, which training finished)
    n_iter = got.report["n_iter"]
    assert got.report["lengths"] in ([n_iter], [n_iter - 1])
    assert all(1 <= p <= 5 for p in got.report["predict"])


# ---- review fixes --------------------------------------------------------------------------

def test_ids_mixing_numbers_and_strings_keep_their_types():
    # numpy would turn the list [1, "u0", ...] into strings, so that the int id 1 became
    # "1" and predict([1], ...) a silent cold start
    users, items, ratings, *_ = planted(n_users=20, n_items=6, density=0.8)
    mixed = [int(u) if u % 2 else f"u{u}" for u in users]
    rbm = boltz.RatingsRBM(3, n_iter=2, dtype=np.float64, random_state=0).fit(
        (mixed, items, ratings))
    ids = rbm.user_ids_.tolist()
    assert 1 in ids and "1" not in ids and "u0" in ids
    item = int(items[users == 1][0])
    want = brute_force_proba(rbm, ids.index(1), item)
    np.testing.assert_allclose(rbm.predict_proba([1], [item])[0], want, rtol=1e-10)
    # the string "1" is another id: a cold start, the item's mean
    assert rbm.predict(["1"], [item])[0] == pytest.approx(ratings[items == item].mean())


def test_float_ids_beyond_int64_are_a_value_error():
    # they used to wrap to the same int64 and merge distinct users
    X = (np.array([1e19, 2e19]), np.array([0, 0]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="X's users holds float ids beyond"):
        boltz.RatingsRBM(2, n_iter=1).fit(X)


def test_row_ids_are_read_alike_by_every_method():
    # a sparse matrix's ids are its row numbers: 0.0 is the user 0 for predict, and was a
    # silently different (and wrong) row for free_energy, an error for recommend
    scipy_sparse = pytest.importorskip("scipy.sparse")
    users, items, ratings, *_ = planted(n_users=20, n_items=6, density=0.8)
    X = scipy_sparse.csr_matrix((ratings, (users, items)), shape=(20, 6))
    rbm = boltz.RatingsRBM(3, n_iter=2, dtype=np.float64, random_state=0).fit(X)
    # the free energy from the public parameters
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    mine = users == 1
    levels = (ratings[mine] - 1).astype(int)
    want = -b[items[mine], levels].sum() - np.logaddexp(
        0, c + W[items[mine], levels].sum(0)).sum()
    for ids in ([1], [1.0], np.array([1], dtype=np.int32)):
        assert rbm.free_energy(ids)[0] == pytest.approx(want, rel=1e-12)
    np.testing.assert_array_equal(rbm.log_likelihood([1.0]), rbm.log_likelihood([1]))
    np.testing.assert_array_equal(rbm.recommend(1.0, 3), rbm.recommend(1, 3))
    with pytest.raises(ValueError, match="not one of the training data's users"):
        rbm.free_energy([1.0, 99.0])
    with pytest.raises(TypeError, match="user must be one id"):
        rbm.recommend([1], 3)


def test_partial_fit_continues_a_loaded_model(tmp_path):
    # a loaded model had no random streams: partial_fit raised AttributeError
    users, items, ratings, *_ = planted(n_users=30, n_items=8)
    rbm = boltz.RatingsRBM(4, n_iter=2, random_state=0).fit((users, items, ratings))
    rbm.save(tmp_path / "model")
    back = boltz.RatingsRBM.load(tmp_path / "model")
    before = back.components_.copy()
    back.partial_fit((users, items, ratings))
    assert np.all(np.isfinite(back.components_)) and not np.array_equal(back.components_,
                                                                         before)


def test_more_bad_arguments_are_named():
    X = (np.array([0, 1]), np.array([0, 1]), np.array([1.0, 2.0]))
    # k beyond a C int was an OverflowError from the kernel, after the set-up
    with pytest.raises(ValueError, match="k must be <="):
        boltz.RatingsRBM(2, n_iter=1, k=2**40).fit(X)
    with pytest.raises(ValueError, match="k must be <="):
        boltz.RatingsRBM(2, n_iter=1, k=[1, 2**31]).fit(X)
    # an empty validation set gave a history of nan
    with pytest.raises(ValueError, match="validation_data holds no ratings"):
        boltz.RatingsRBM(2, n_iter=1).fit(X, validation_data=([], [], []))


@pytest.mark.parametrize("member", ["units", "history_train_rmse", "user_ids_"])
def test_a_damaged_member_is_refused(tmp_path, member):
    # a row's units out of order made predictions silently miss a pair's own rating; a 2-D
    # history loaded as nested lists; ids out of order would map to other indices
    users, items, ratings, *_ = planted(n_users=30, n_items=8)
    rbm = boltz.RatingsRBM(4, n_iter=2, random_state=0).fit((users, items, ratings))
    rbm.save(tmp_path / "model")
    with np.load(tmp_path / "model.npz") as z:
        members = dict(z)
    members[member] = (members[member][::-1].copy() if member in ("units", "user_ids_")
                       else np.zeros((2, 2)))
    np.savez(tmp_path / "bad.npz", **members)
    with pytest.raises(ValueError, match="not a boltz RatingsRBM file"):
        boltz.RatingsRBM.load(tmp_path / "bad.npz")


def test_partial_fit_merges_ratings_into_the_model():
    users, items, ratings, *_ = planted(n_users=60, n_items=20)
    rbm = boltz.RatingsRBM(8, n_iter=20, batch_size=10, random_state=0)
    rbm.fit((users, items, ratings))
    others = users >= 10
    before = rbm.rmse((users[others], items[others], ratings[others]))
    mine = users < 10
    rbm.partial_fit((users[mine], items[mine], ratings[mine]))
    # users 10+ still condition on their ratings (not cold starts): their RMSE barely moves
    assert rbm.rmse((users[others], items[others], ratings[others])) < before + 0.2
    assert rbm._lists.units.size == ratings.size            # every pair kept, none twice
    # a new rating of a known pair replaces the old one
    rbm.partial_fit((users[:1], items[:1], 6 - ratings[:1]))
    L = rbm._lists
    at = L.indptr[users[0]] + np.searchsorted(L.units[L.indptr[users[0]]:L.indptr[users[0] + 1]],
                                              items[0])
    assert rbm.levels_[L.levels[at]] == 6 - ratings[0]


def test_ratings_match_levels_within_float32_resolution():
    users, items = np.repeat(np.arange(20), 3), np.tile(np.arange(3), 20)
    ratings = np.float32(0.1) * np.tile([1, 3, 5], 20).astype(np.float32)
    rbm = boltz.RatingsRBM(3, levels=[0.1, 0.2, 0.3, 0.4, 0.5], n_iter=1, random_state=0)
    rbm.fit((users, items, ratings))
    assert set(rbm._lists.levels.tolist()) == {0, 2, 4}
    with pytest.raises(ValueError, match="not one of the levels"):
        rbm.fit((users, items, ratings + np.float32(0.01)))


def test_unhashable_ids_and_odd_paths_are_type_errors(tmp_path):
    import io

    X = (np.array([0, 1]), np.array([0, 1]), np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="hashable"):
        boltz.RatingsRBM(2, n_iter=1).fit(([{}, {}], [0, 1], [1.0, 2.0]))
    rbm = boltz.RatingsRBM(2, n_iter=1, random_state=0).fit(X)
    with pytest.raises(TypeError, match="path"):
        rbm.save(3)
    buffer = io.BytesIO()
    rbm.save(buffer)                                    # a file object, as load takes
    buffer.seek(0)
    np.testing.assert_array_equal(boltz.RatingsRBM.load(buffer).predict([0], [1]),
                                  rbm.predict([0], [1]))


def test_a_diverging_fit_is_a_value_error_keeping_the_last_finite_model():
    users, items, ratings, *_ = planted(n_users=40, n_items=10)
    rbm = boltz.RatingsRBM(4, n_iter=5, learning_rate=1e30, random_state=0)
    with pytest.raises(ValueError, match="diverged"):
        rbm.fit((users, items, ratings))
    assert np.all(np.isfinite(rbm.components_)) and np.all(np.isfinite(rbm.predict([0], [1])))
