"""RBM training options (issue 19): the data-driven visible biases, centring (Melchior,
Fischer & Wiskott 2016), parallel-tempering training (Desjardins et al. 2010), k and the
learning rate per epoch, and the deprecated ``persistent``.

Truth is enumeration over every state of tiny models: the expected centred CD-1 update,
log p(v) of the centred energy against the plain model it is kept as, the stationary
distribution of each tempered chain and the exchange rate between neighbours.
"""
import itertools
import warnings

import numpy as np
import pytest
from scipy import stats

import boltz
from boltz.machines import _rbm_kernels, _rbm_training


def binary(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)


def tiny(rng, n_visible=3, n_hidden=2, scale=0.8, **params):
    """An RBM with random float64 parameters (as if fitted), its params set."""
    rbm = boltz.RBM(n_components=n_hidden, dtype=np.float64, monitor_rows=0, **params)
    rbm.components_ = rng.normal(0, scale, (n_hidden, n_visible))
    rbm.intercept_visible_ = rng.normal(0, scale, n_visible)
    rbm.intercept_hidden_ = rng.normal(0, scale, n_hidden)
    rbm.n_features_in_ = n_visible
    return rbm


def joint(rbm, beta=1.0):
    """(V, H, P) with P[v, h] the Boltzmann weights exp(-beta E(v, h)), normalised."""
    W, b, c = rbm.components_.T, rbm.intercept_visible_, rbm.intercept_hidden_
    V, H = binary(W.shape[0]), binary(W.shape[1])
    E = -(V @ W @ H.T) - (V @ b)[:, None] - (H @ c)[None, :]
    P = np.exp(-beta * (E - E.min()))
    return V, H, P / P.sum(), E


def chi_square(counts, probs):
    expected = probs * counts.sum()
    keep = expected > 5
    chi2 = ((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    return chi2, keep.sum() - 1


# ---- data-driven visible biases ------------------------------------------------------------

def test_visible_biases_start_at_the_log_odds_of_the_data_means():
    rng = np.random.default_rng(0)
    X = (rng.random((400, 6)) < [0.0, 0.05, 0.3, 0.5, 0.9, 1.0]).astype(float)
    p = np.clip(X.mean(axis=0), 0.001, 0.999)
    rbm = boltz.RBM(n_components=3, learning_rate=1e-12, batch_size=400, n_iter=1,
                    dtype=np.float64, random_state=0, monitor_rows=0).fit(X)
    np.testing.assert_allclose(rbm.intercept_visible_, np.log(p / (1 - p)), atol=1e-9)
    zeros = rbm.set_params(visible_bias_init="zeros").fit(X)
    np.testing.assert_allclose(zeros.intercept_visible_, 0, atol=1e-9)
    # partial_fit starts from its first batch
    first = boltz.RBM(n_components=3, learning_rate=1e-12, dtype=np.float64,
                      random_state=0).partial_fit(X[:50])
    q = np.clip(X[:50].mean(axis=0), 0.001, 0.999)
    np.testing.assert_allclose(first.intercept_visible_, np.log(q / (1 - q)), atol=1e-9)


def test_zeros_init_differs_from_the_data_init_only_in_the_start(monkeypatch):
    """visible_bias_init="zeros" is the training of boltz 0.1 (and scikit-learn's start):
    the data-driven start draws nothing from the random stream, so with its biases forced
    to zero it trains the same model, bit for bit."""
    X = (np.random.default_rng(1).random((60, 7)) < 0.3).astype(np.float32)
    kw = dict(n_components=4, batch_size=10, n_iter=2, random_state=3, monitor_rows=0)
    zeros = boltz.RBM(visible_bias_init="zeros", **kw).fit(X)
    data = boltz.RBM(**kw).fit(X)
    assert not np.array_equal(zeros.components_, data.components_)
    monkeypatch.setattr(_rbm_training, "visible_bias_from_means", lambda p: np.zeros(7))
    forced = boltz.RBM(**kw).fit(X)
    for name in ("components_", "intercept_visible_", "intercept_hidden_", "h_samples_"):
        np.testing.assert_array_equal(getattr(zeros, name), getattr(forced, name))


def bars(seed, n=1000):
    """4 x 4 images of one full row or column (known structure), beside 8 pixels that are
    always off (as MNIST's borders), every pixel flipped with probability 0.02."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 4, 4))
    k = rng.integers(0, 4, n)
    rows = rng.random(n) < 0.5
    images[rows, k[rows], :] = 1
    images[~rows, :, k[~rows]] = 1
    X = np.hstack([images.reshape(n, 16), np.zeros((n, 8))])
    return np.abs(X - (rng.random(X.shape) < 0.02))


def test_data_init_and_centring_each_learn_a_likelier_model_at_equal_epochs():
    """Exact held-out log-likelihood after 20 epochs, three seeds: the data-driven start
    and centring (from zero biases) each beat the plain zero-start model (measured: about
    -7.46 against -7.17 and -7.18 nats per image; both together -7.08)."""
    X, X_test = bars(0), bars(1)

    def score(seed, **kw):
        return boltz.RBM(n_components=8, batch_size=20, n_iter=20, learning_rate=0.1,
                         dtype=np.float64, random_state=seed, monitor_rows=0,
                         **kw).fit(X).log_likelihood(X_test)
    plain = np.array([score(s, visible_bias_init="zeros") for s in range(3)])
    data = np.array([score(s) for s in range(3)])
    centred = np.array([score(s, visible_bias_init="zeros", centered=True) for s in range(3)])
    assert np.all(data > plain) and data.mean() > plain.mean() + 0.15
    assert np.all(centred > plain) and centred.mean() > plain.mean() + 0.15


# ---- centring ------------------------------------------------------------------------------

def centred_log_p(rbm, V):
    """log p(v) from the centred energy -(v - mu)^T W (h - lam) - b'^T (v - mu) -
    c'^T (h - lam), b' = b + W lam, c' = c + W^T mu, by enumeration (its own log Z)."""
    W, b, c = rbm.components_.T, rbm.intercept_visible_, rbm.intercept_hidden_
    mu, lam = rbm.visible_offset_, rbm.hidden_offset_
    bc, cc = b + W @ lam, c + W.T @ mu
    Vall, H = binary(W.shape[0]), binary(W.shape[1])

    def log_weights(Vs):
        E = (-((Vs - mu) @ W @ (H - lam).T) - ((Vs - mu) @ bc)[:, None]
             - ((H - lam) @ cc)[None, :])
        return np.logaddexp.reduce(-E, axis=1)
    return log_weights(V) - np.logaddexp.reduce(log_weights(Vall))


def test_the_centred_energy_gives_the_plain_models_log_likelihood():
    rng = np.random.default_rng(2)
    X = (rng.random((200, 8)) < rng.random(8)).astype(float)
    rbm = boltz.RBM(n_components=5, batch_size=20, n_iter=5, learning_rate=0.1,
                    centered=True, dtype=np.float64, random_state=0, monitor_rows=0).fit(X)
    assert np.all(rbm.visible_offset_ != X.mean(axis=0))        # the offsets moved
    log_z = rbm.log_partition()
    np.testing.assert_allclose(-rbm.free_energy(X) - log_z, centred_log_p(rbm, X),
                               rtol=0, atol=1e-10)


def test_one_centred_cd1_update_has_the_expected_value():
    """E[update] of centred CD-1 by enumeration: with the plain CD-1 statistics D_vh, D_v,
    D_h (data minus one-step reconstruction, summed over the batch) and R = rate / B,
    dW = R (D_vh - mu D_h^T - D_v lam^T), db = R D_v - dW lam, dc = R D_h - dW^T mu."""
    rng = np.random.default_rng(3)
    start = tiny(rng, sampler="cd", centered=True, learning_rate=0.5, batch_size=4)
    start.visible_offset_ = np.array([0.2, 0.7, 0.4])
    start.hidden_offset_ = np.array([0.6, 0.3])
    start.h_samples_ = np.zeros((4, 2))
    V, H, P, _ = joint(start)
    X = V[[0, 3, 5, 6]]
    idx = [0, 3, 5, 6]
    ph_v = P / P.sum(axis=1, keepdims=True)                         # p(h | v)
    pv_h = (P / P.sum(axis=0, keepdims=True)).T                     # p(v | h)
    mean_h = ph_v @ H
    D_vh = X.T @ mean_h[idx]
    D_v, D_h = X.sum(axis=0), mean_h[idx].sum(axis=0)
    for i in idx:
        w = ph_v[i] @ pv_h                                          # p(v' | v_i)
        D_vh = D_vh - (V * w[:, None]).T @ mean_h
        D_v, D_h = D_v - w @ V, D_h - w @ mean_h
    R = 0.5 / 4
    mu, lam = start.visible_offset_, start.hidden_offset_
    dW = R * (D_vh - np.outer(mu, D_h) - np.outer(D_v, lam))
    expected = [dW, R * D_v - dW @ lam, R * D_h - dW.T @ mu]
    updates = []
    for seed in range(3000):
        rbm = boltz.RBM(**{**start.get_params(), "random_state": seed})
        for name in ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_",
                     "visible_offset_", "hidden_offset_", "n_features_in_"):
            setattr(rbm, name, np.copy(getattr(start, name)))
        rbm.partial_fit(X)
        updates.append(np.concatenate([
            (rbm.components_ - start.components_).T.ravel(),
            rbm.intercept_visible_ - start.intercept_visible_,
            rbm.intercept_hidden_ - start.intercept_hidden_]))
    updates = np.array(updates)
    se = updates.std(axis=0, ddof=1) / np.sqrt(len(updates))
    want = np.concatenate([e.ravel() for e in expected])
    assert np.all(np.abs(updates.mean(axis=0) - want) < 4.5 * se + 1e-9)


def test_offsets_follow_the_batch_means():
    X = (np.random.default_rng(4).random((30, 5)) < 0.4).astype(float)
    # partial_fit: offsets start at X's means and 0.5, then move a quarter of the way to
    # this batch's means (a learning rate of 1e-12 leaves p(h | v) as it was)
    rbm = boltz.RBM(n_components=3, learning_rate=1e-12, centered=True, offset_rate=0.25,
                    dtype=np.float64, random_state=0).partial_fit(X)
    np.testing.assert_allclose(rbm.visible_offset_, X.mean(axis=0), atol=1e-12)
    h = rbm.transform(X).mean(axis=0)
    np.testing.assert_allclose(rbm.hidden_offset_, 0.75 * 0.5 + 0.25 * h, atol=1e-9)


# ---- parallel tempering --------------------------------------------------------------------

def test_tempered_chains_sample_their_temperatures_and_exchange_at_the_exact_rate():
    """Each block of chains samples p_beta(h) ∝ sum_v exp(-beta E(v, h)), and neighbours
    exchange at the rate of two independent draws from their joint distributions:
    E[min(1, exp((beta_m - beta_m+1)(E_m - E_m+1)))]."""
    rng = np.random.default_rng(5)
    betas = np.array([1.0, 0.5, 0.2])
    rbm = tiny(rng, scale=1.5, sampler="pt", betas=betas, learning_rate=1e-12, batch_size=16,
               random_state=1)
    rbm.h_samples_ = np.zeros((48, 2))
    X = binary(3)[:1]
    counts = np.zeros((3, 4))
    accepted = np.zeros(2)
    for step in range(2500):
        rbm.partial_fit(X)
        if step >= 100:
            accepted += rbm._swap_counts[0]
            if step % 3 == 0:
                codes = (rbm.h_samples_ @ [2, 1]).astype(int).reshape(3, 16)
                for m in range(3):
                    counts[m] += np.bincount(codes[m], minlength=4)
    for m, beta in enumerate(betas):
        _, _, P, _ = joint(rbm, beta)
        chi2, dof = chi_square(counts[m], P.sum(axis=0))
        assert chi2 < stats.chi2.ppf(1 - 1e-4, dof), (m, chi2)
    for m in range(2):
        _, _, Pa, E = joint(rbm, betas[m])
        _, _, Pb, _ = joint(rbm, betas[m + 1])
        gain = (betas[m] - betas[m + 1]) * (E.ravel()[:, None] - E.ravel()[None, :])
        rate = Pa.ravel() @ np.minimum(1, np.exp(gain)) @ Pb.ravel()
        n = 2400 * 16
        assert abs(accepted[m] / n - rate) < 5 * np.sqrt(rate * (1 - rate) / n) + 0.01


def test_tempered_training_raises_the_likelihood_and_reports_exchanges():
    X = (np.random.default_rng(6).random((300, 10)) < 0.3).astype(float)
    X[::2, :5] = 1
    rbm = boltz.RBM(n_components=6, batch_size=10, n_iter=50, learning_rate=0.1, sampler="pt",
                    betas=[1.0, 0.8, 0.6], dtype=np.float64, random_state=0, monitor_rows=0)
    rbm.fit(X)
    assert rbm.h_samples_.shape == (30, 6)
    assert rbm.swap_acceptance_.shape == (2,)
    assert np.all((rbm.swap_acceptance_ > 0) & (rbm.swap_acceptance_ < 1))
    base = np.clip(X.mean(axis=0), 0.001, 0.999)
    independent = np.mean(X @ np.log(base) + (1 - X) @ np.log1p(-base))
    # the independent model has -6.31 nats per row; tempered training reaches -5.55
    assert rbm.log_likelihood(X) > independent + 0.5


@pytest.mark.parametrize("num_threads", [1, 2])
def test_centred_and_tempered_training_does_not_depend_on_the_thread_count(num_threads):
    X = (np.random.default_rng(7).random((400, 300)) < 0.3).astype(np.float32)
    kw = dict(n_components=200, batch_size=50, n_iter=1, sampler="pt", betas=[1.0, 0.9],
              centered=True, momentum=0.5, random_state=0, monitor_rows=0)
    one = boltz.RBM(num_threads=1, **kw).fit(X)
    other = boltz.RBM(num_threads=num_threads, **kw).fit(X)
    for name in ("components_", "intercept_visible_", "intercept_hidden_", "h_samples_",
                 "visible_offset_", "hidden_offset_", "swap_acceptance_"):
        np.testing.assert_array_equal(getattr(one, name), getattr(other, name))


# ---- schedules and the deprecated alias ----------------------------------------------------

def test_k_and_the_learning_rate_follow_their_schedules(monkeypatch):
    seen = []
    real = _rbm_kernels.train

    def spy(*args, **kwargs):
        seen.append((kwargs["k"], kwargs["learning_rate"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(_rbm_kernels, "train", spy)
    X = (np.random.default_rng(8).random((20, 4)) < 0.5).astype(float)
    boltz.RBM(n_components=2, n_iter=5, batch_size=5, k=[1, 1, 3], learning_rate=0.2,
              learning_rate_schedule="linear", monitor_rows=0, random_state=0).fit(X)
    assert [k for k, _ in seen] == [1, 1, 3, 3, 3]
    np.testing.assert_allclose([r for _, r in seen], [0.2, 0.16, 0.12, 0.08, 0.04])


def test_persistent_is_a_deprecated_alias_of_sampler():
    X = (np.random.default_rng(9).random((30, 5)) < 0.5).astype(float)
    kw = dict(n_components=3, batch_size=10, n_iter=2, random_state=0, monitor_rows=0)
    for persistent, sampler in ((True, "pcd"), (False, "cd")):
        with pytest.warns(DeprecationWarning, match="persistent"):
            old = boltz.RBM(persistent=persistent, **kw).fit(X)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            new = boltz.RBM(sampler=sampler, **kw).fit(X)
        np.testing.assert_array_equal(old.components_, new.components_)
    with pytest.raises(ValueError, match="contradicts"), pytest.warns(DeprecationWarning):
        boltz.RBM(persistent=True, sampler="cd").fit(X)


@pytest.mark.parametrize("params, match", [
    ({"sampler": "gibbs"}, "sampler"), ({"sampler": "pt", "betas": [0.9, 0.5]}, "betas"),
    ({"sampler": "pt", "betas": [1.0, 1.0]}, "betas"), ({"sampler": "pt", "betas": [1.0]},
                                                        "betas"),
    ({"sampler": "pt", "betas": [1.0, -0.5]}, "betas"), ({"k": []}, "k"), ({"k": [1, 0]}, "k"),
    ({"visible_bias_init": "ones"}, "visible_bias_init"), ({"offset_rate": 0.0}, "offset_rate"),
    ({"offset_rate": 1.5}, "offset_rate"), ({"centered": "yes"}, "centered"),
    ({"learning_rate_schedule": "cosine"}, "learning_rate_schedule")])
def test_bad_training_options_are_refused_naming_them(params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        boltz.RBM(**params).fit(np.eye(3))


def test_k_schedule_and_ladder_helpers():
    assert _rbm_training.k_schedule(3) == (3,)
    assert _rbm_training.k_of_epoch((1, 3, 5), 10) == 5
    np.testing.assert_array_equal(_rbm_training.beta_ladder(None),
                                  _rbm_training.DEFAULT_BETAS)


# ---- switching options on a fitted model, saving, old files ------------------------------

def test_tempering_refuses_chains_of_another_layout():
    X = (np.random.default_rng(10).random((40, 6)) < 0.5).astype(float)
    rbm = boltz.RBM(n_components=3, batch_size=10, n_iter=1, random_state=0,
                    monitor_rows=0).fit(X)                       # 10 PCD chains
    with pytest.raises(ValueError, match="h_samples_"):
        rbm.set_params(sampler="pt", betas=[1.0, 0.5]).partial_fit(X)


def test_centring_a_model_without_offsets_starts_them_and_saves(tmp_path):
    X = (np.random.default_rng(11).random((40, 6)) < 0.5).astype(float)
    rbm = boltz.RBM(n_components=3, batch_size=10, n_iter=1, dtype=np.float64,
                    random_state=0, monitor_rows=0).fit(X)
    rbm.set_params(centered=True).save(tmp_path / "plain")      # no offsets yet: saved
    assert not hasattr(boltz.RBM.load(tmp_path / "plain"), "visible_offset_")
    rbm.set_params(learning_rate=1e-12, offset_rate=1.0).partial_fit(X)
    np.testing.assert_allclose(rbm.visible_offset_, X.mean(axis=0), atol=1e-12)
    rbm.save(tmp_path / "centred")
    np.testing.assert_array_equal(boltz.RBM.load(tmp_path / "centred").visible_offset_,
                                  rbm.visible_offset_)


def test_options_are_checked_and_saved_whatever_the_sampler(tmp_path):
    X = np.eye(4)
    with pytest.raises(ValueError, match="betas"):
        boltz.RBM(sampler="pcd", betas=[1.0, 2.0]).fit(X)
    with pytest.raises(TypeError, match="persistent"), pytest.warns(DeprecationWarning):
        boltz.RBM(persistent=1.5).fit(X)
    rbm = boltz.RBM(n_components=2, k=np.int64(2), offset_rate=np.float32(0.5),
                    betas=np.array([1.0, 0.5]), n_iter=1, random_state=0).fit(X)
    rbm.save(tmp_path / "m")
    back = boltz.RBM.load(tmp_path / "m")
    assert back.k == 2 and back.offset_rate == 0.5 and back.betas == [1.0, 0.5]


def test_files_of_earlier_versions_load_with_their_training(tmp_path):
    """A file saved before visible_bias_init and sampler existed (its params hold
    persistent) loads without a warning, as the training it had: zero start, CD or PCD."""
    import json
    X = (np.random.default_rng(12).random((30, 5)) < 0.5).astype(float)
    rbm = boltz.RBM(n_components=3, batch_size=10, n_iter=1, sampler="cd",
                    visible_bias_init="zeros", random_state=0, monitor_rows=0).fit(X)
    rbm.save(tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz") as f:
        members = {name: f[name] for name in f.files}
    params = json.loads(str(members["params"]))
    for name in ("sampler", "betas", "visible_bias_init", "centered", "offset_rate",
                 "learning_rate_schedule"):
        del params[name]
    params["persistent"] = False
    members["params"] = np.array(json.dumps(params))
    np.savez(tmp_path / "old.npz", **members)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        old = boltz.RBM.load(tmp_path / "old.npz")
    assert old.sampler == "cd" and old.persistent is None
    assert old.visible_bias_init == "zeros"
