"""RBM partition function (groundwork for the RBM estimator): exact log Z against brute force
over (v, h), AIS against the exact value on a trained model."""
import itertools

import numpy as np
import pytest

from boltz.machines import _partition as rp


def brute_log_z(W, b, c):
    V = np.array(list(itertools.product([0, 1], repeat=W.shape[0])), dtype=float)
    H = np.array(list(itertools.product([0, 1], repeat=W.shape[1])), dtype=float)
    neg_e = (V @ W) @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
    m = neg_e.max()
    return m + np.log(np.exp(neg_e - m).sum())


@pytest.mark.parametrize("n_visible, n_hidden", [(6, 4), (3, 7), (5, 5), (1, 1)])
def test_exact_log_z_matches_brute_force(n_visible, n_hidden, rng):
    W = rng.normal(0, 1.5, (n_visible, n_hidden))
    b, c = rng.normal(0, 1, n_visible), rng.normal(0, 1, n_hidden)
    assert rp.log_partition_exact(W, b, c) == pytest.approx(brute_log_z(W, b, c), rel=1e-12)


def test_exact_log_z_in_chunks(monkeypatch, rng):
    W = rng.normal(0, 1, (4, 9))
    b, c = rng.normal(0, 1, 4), rng.normal(0, 1, 9)
    whole = rp.log_partition_exact(W, b, c)
    monkeypatch.setattr(rp, "_CHUNK_ENTRIES", 37)              # many uneven chunks
    assert rp.log_partition_exact(W, b, c) == pytest.approx(whole, rel=1e-13)


def bars_and_stripes(size=4):
    """The 2 * 2^size - 2 distinct bars-and-stripes images of size x size pixels."""
    rows = np.array(list(itertools.product([0, 1], repeat=size)))
    stripes = np.repeat(rows, size, axis=1)                       # each row constant
    bars = np.tile(rows, size)                                    # each column constant
    return np.unique(np.vstack([stripes, bars]), axis=0).astype(float)


def train_cd1(X, n_hidden, epochs, rate, seed):
    """A plain numpy CD-1 trainer, independent of boltz, to get realistic weights."""
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 0.01, (X.shape[1], n_hidden))
    b, c = np.zeros(X.shape[1]), np.zeros(n_hidden)
    sig = lambda x: 1 / (1 + np.exp(-x))                          # noqa: E731
    for _ in range(epochs):
        ph = sig(X @ W + c)
        h = (rng.random(ph.shape) < ph).astype(float)
        pv = sig(h @ W.T + b)
        v = (rng.random(pv.shape) < pv).astype(float)
        ph2 = sig(v @ W + c)
        W += rate * (X.T @ ph - v.T @ ph2) / len(X)
        b += rate * (X - v).mean(axis=0)
        c += rate * (ph - ph2).mean(axis=0)
    return W, b, c


def ais_against_exact(X, epochs, rate):
    """Train 15 hidden units on X; AIS (1000 betas, 100 runs, data base rates) must agree
    with the exact log Z within 0.1 nats and inside its own ±3 sigma bounds."""
    W, b, c = train_cd1(X, n_hidden=15, epochs=epochs, rate=rate, seed=0)
    exact = rp.log_partition_exact(W, b, c)
    result = rp.log_partition_ais(W, b, c, n_betas=1000, n_runs=100, base_rates=X.mean(0),
                                  seed=1)
    assert abs(result.log_z - exact) < 0.1
    assert result.log_z_lower <= exact <= result.log_z_upper
    assert result.log_z_se < 0.1 and result.log_weights.shape == (100,)
    return (W, b, c), exact


def test_ais_agrees_with_exact_log_z_on_a_trained_rbm():
    X = np.tile(bars_and_stripes(4), (4, 1))                      # 16 visible units
    (W, b, c), exact = ais_against_exact(X, epochs=2000, rate=0.1)
    # the base rates only change the variance: a uniform base model agrees as well
    uniform = rp.log_partition_ais(W, b, c, n_betas=3000, n_runs=100, seed=2)
    assert abs(uniform.log_z - exact) < 4 * uniform.log_z_se + 0.05


@pytest.mark.slow
def test_ais_agrees_with_exact_log_z_on_an_rbm_trained_on_handwritten_digits():
    # real data: scikit-learn's 8 x 8 digits, thresholded; 15 hidden units keep log Z exact
    datasets = pytest.importorskip("sklearn.datasets")
    X = (datasets.load_digits().data > 7).astype(float)
    (W, b, c), exact = ais_against_exact(X, epochs=300, rate=0.5)
    # trained: the data are more likely than under the base-rate model (by 5.7 nats)
    free = X @ b + np.logaddexp(0, X @ W + c).sum(axis=1)
    p = np.clip(X.mean(0), 1e-3, 1 - 1e-3)
    base = (X * np.log(p) + (1 - X) * np.log1p(-p)).sum(axis=1)
    assert np.mean(free) - exact > np.mean(base) + 3


def test_ais_is_exact_for_an_uncoupled_model(rng):
    # W = 0: every intermediate distribution has the same shape up to b, and with the base
    # rates equal to sigmoid(b) every weight is the same number: zero variance
    b, c = rng.normal(0, 1, 6), rng.normal(0, 1, 3)
    W = np.zeros((6, 3))
    result = rp.log_partition_ais(W, b, c, n_betas=10, n_runs=20,
                                  base_rates=1 / (1 + np.exp(-b)), seed=0)
    assert result.log_z == pytest.approx(brute_log_z(W, b, c), rel=1e-9)
    assert result.log_z_se == pytest.approx(0.0, abs=1e-9)


def test_ais_is_reproducible_and_checks_its_arguments(rng):
    W = rng.normal(0, 1, (5, 3))
    b, c = np.zeros(5), np.zeros(3)
    one = rp.log_partition_ais(W, b, c, n_betas=50, n_runs=10, seed=3)
    two = rp.log_partition_ais(W, b, c, n_betas=50, n_runs=10, seed=3)
    assert np.array_equal(one.log_weights, two.log_weights)
    with pytest.raises(ValueError, match="n_betas"):
        rp.log_partition_ais(W, b, c, n_betas=0)
    with pytest.raises(ValueError, match="base_rates"):
        rp.log_partition_ais(W, b, c, base_rates=np.full(5, 1.5))
    with pytest.raises(ValueError, match="n_hidden"):
        rp.log_partition_exact(W, b, np.zeros(4))
    with pytest.raises(ValueError, match="26 units"):
        rp.log_partition_exact(np.zeros((30, 30)), np.zeros(30), np.zeros(30))


def test_numbers_given_as_strings_are_refused(rng):
    W = rng.normal(0, 1, (3, 2))
    b, c = np.zeros(3), np.zeros(2)
    with pytest.raises(TypeError, match="W"):
        rp.log_partition_exact(W.astype(str), b, c)
    with pytest.raises(TypeError, match="c"):
        rp.log_partition_ais(W, b, ["0", "0"])
    with pytest.raises(TypeError, match="base_rates"):
        rp.log_partition_ais(W, b, c, base_rates=["0.5"] * 3)
    with pytest.raises(TypeError, match="n_runs"):
        rp.log_partition_ais(W, b, c, n_runs="10")
