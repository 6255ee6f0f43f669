"""BoltzmannMachine: energies, exact quantities, sampled statistics and learning, checked
against brute-force enumeration written out here, independently of boltz."""
import itertools

import numpy as np
import pytest
from scipy import optimize, stats

import boltz
from ising_exact import chi_square


def brute_states(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)


def brute_energy(W, theta, s):
    n = len(theta)
    return -sum(W[i, j] * s[i] * s[j] for i in range(n) for j in range(i + 1, n)) - theta @ s


def brute_distribution(W, theta, T):
    S = brute_states(len(theta))
    e = np.array([brute_energy(W, theta, s) for s in S])
    w = np.exp(-(e - e.min()) / T)
    return S, e, w / w.sum()


def random_machine(rng, n_visible, n_hidden, scale=1.0, **kwargs):
    n = n_visible + n_hidden
    bm = boltz.BoltzmannMachine(n_visible, n_hidden, **kwargs)
    W = np.triu(rng.normal(0, scale, (n, n)), 1)
    bm.weights_ = W + W.T
    bm.thresholds_ = rng.normal(0, scale, n)
    return bm


# ---- exact quantities ---------------------------------------------------------------------

def test_energy_matches_the_definition(rng):
    bm = random_machine(rng, 4, 3)
    S = brute_states(7)
    expected = [brute_energy(bm.weights_, bm.thresholds_, s) for s in S]
    np.testing.assert_allclose(bm.energy(S), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("T", [0.7, 1.0, 2.5])
def test_log_partition_visible_distribution_and_kl_match_brute_force(T, rng):
    bm = random_machine(rng, 5, 3, temperature=T)
    S, e, p = brute_distribution(bm.weights_, bm.thresholds_, T)
    log_z = np.log(np.sum(np.exp(-e / T)))
    assert bm.log_partition() == pytest.approx(log_z, rel=1e-12)
    V, pv = bm.visible_distribution()
    expected = np.array([p[np.all(S[:, :5] == v, axis=1)].sum() for v in V])
    np.testing.assert_allclose(pv, expected, rtol=1e-10)
    assert pv.sum() == pytest.approx(1.0)
    X = rng.integers(0, 2, (40, 5))
    vals, counts = np.unique(X, axis=0, return_counts=True)
    q = counts / counts.sum()
    pm = np.array([expected[int("".join(map(str, v)), 2)] for v in vals])
    assert bm.kl_divergence(X) == pytest.approx(np.sum(q * np.log(q / pm)), rel=1e-10)


def test_kl_is_zero_when_the_machine_is_the_data_distribution():
    # a fully visible machine with no weights gives independent units: data that are the
    # product distribution itself (every vector equally often, p_i = 1/2) has G = 0
    bm = boltz.BoltzmannMachine(3)
    bm.thresholds_ = np.zeros(3)
    assert bm.kl_divergence(brute_states(3)) == pytest.approx(0.0, abs=1e-14)


def test_exact_phase_statistics_match_brute_force(rng):
    bm = random_machine(rng, 4, 3)
    S, _, p = brute_distribution(bm.weights_, bm.thresholds_, 1.0)
    np.testing.assert_allclose(bm.negative_statistics("exact"), (S * p[:, None]).T @ S,
                               atol=1e-12)
    X = np.array([[1, 0, 1, 1], [0, 0, 0, 1], [1, 0, 1, 1]])
    expected = np.zeros((7, 7))
    for x in X:
        q = p * np.all(S[:, :4] == x, axis=1)
        expected += (S * (q / q.sum())[:, None]).T @ S / len(X)
    np.testing.assert_allclose(bm.positive_statistics(X, "exact"), expected, atol=1e-12)


# ---- sampling -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_samples_follow_the_boltzmann_distribution(dtype, rng):
    bm = random_machine(rng, 4, 2, temperature=1.3, dtype=dtype)
    _S, _, p = brute_distribution(bm.weights_, bm.thresholds_, 1.3)
    # every sample is the last state of its own chain: independent draws, chi-square applies
    samples = bm.sample(6000, num_sweeps=15, seed=3)
    index = samples @ (1 << np.arange(5, -1, -1))
    chi2, dof = chi_square(np.bincount(index, minlength=64), p)
    assert chi2 < stats.chi2.ppf(1 - 1e-4, dof)
    assert bm.sample(5, seed=1, visible_only=True).shape == (5, 4)


def test_clamped_sampling_gives_the_conditional_distribution(rng):
    bm = random_machine(rng, 4, 2)
    S, _, p = brute_distribution(bm.weights_, bm.thresholds_, 1.0)
    clamp = np.array([1, -1, 0, -1, -1, -1])
    samples = bm.sample(5000, num_sweeps=15, clamp=clamp, seed=4)
    assert np.all(samples[:, 0] == 1) and np.all(samples[:, 2] == 0)
    agree = (S[:, 0] == 1) & (S[:, 2] == 0)
    index = samples @ (1 << np.arange(5, -1, -1))
    counts = np.bincount(index, minlength=64)[agree]
    chi2, dof = chi_square(counts, p[agree] / p[agree].sum())
    assert chi2 < stats.chi2.ppf(1 - 1e-4, dof)


@pytest.mark.parametrize("anneal", [None, [(3.0, 2), (2.0, 2), (1.5, 2)]])
def test_sampled_phase_statistics_match_enumeration(anneal, rng):
    bm = random_machine(rng, 5, 3, num_chains=256, num_sweeps=40, anneal=anneal, burn_in=10)
    X = rng.integers(0, 2, (8, 5))
    for exact, sampled in [
            (bm.negative_statistics("exact"), bm.negative_statistics(seed=1)),
            (bm.positive_statistics(X, "exact"), bm.positive_statistics(X, seed=2))]:
        # each chain's time average is at least as precise as one independent draw, so
        # sqrt(p (1 - p) / chains) bounds the standard error of the pooled estimate
        se = np.sqrt(exact * (1 - exact) / 256)
        assert np.all(np.abs(sampled - exact) <= 4.5 * se + 1e-12)


def test_same_seed_same_machine_for_any_thread_count():
    X = np.array([[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 0, 1]])
    fits = [boltz.BoltzmannMachine(4, 2, n_iter=15, random_state=7, num_threads=t).fit(X)
            for t in (1, 2, 3)]
    for f in fits[1:]:
        assert np.array_equal(f.weights_, fits[0].weights_)
        assert np.array_equal(f.thresholds_, fits[0].thresholds_)
    again = boltz.BoltzmannMachine(4, 2, n_iter=15, random_state=7).fit(X)
    assert np.array_equal(again.weights_, fits[0].weights_)


# ---- learning -----------------------------------------------------------------------------

def maximum_likelihood_kl(X):
    """KL of the best fully visible machine, by L-BFGS on the brute-force likelihood."""
    n = X.shape[1]
    S = brute_states(n)
    iu = np.triu_indices(n, 1)
    vals, counts = np.unique(X, axis=0, return_counts=True)
    q = counts / counts.sum()
    idx = [int("".join(map(str, v)), 2) for v in vals]
    feats = np.hstack([S[:, iu[0]] * S[:, iu[1]], S])          # -E = feats @ params
    data_mean = q @ feats[idx]

    def loss(params):
        a = feats @ params
        log_z = np.log(np.sum(np.exp(a - a.max()))) + a.max()
        p = np.exp(a - log_z)
        return -(q @ a[idx] - log_z), -(data_mean - p @ feats)

    res = optimize.minimize(loss, np.zeros(feats.shape[1]), jac=True, method="L-BFGS-B",
                            options={"gtol": 1e-10})
    return res.fun + np.sum(q * np.log(q))


@pytest.mark.slow
def test_fully_visible_learning_approaches_the_maximum_likelihood_kl(rng):
    X = (rng.random((60, 5)) < [0.2, 0.7, 0.5, 0.5, 0.9]).astype(int)
    X[:, 3] = X[:, 2] ^ (rng.random(60) < 0.15)                   # correlated pair
    kl_star = maximum_likelihood_kl(X)
    bm = boltz.BoltzmannMachine(5, learning_rate=1.0, n_iter=300, num_sweeps=20,
                                num_chains=128, random_state=0).fit(X)
    kl = np.array(bm.kl_history_)
    assert kl.min() >= kl_star - 1e-9                   # nothing beats the ML optimum
    # monotone in the average: means over consecutive windows of 30 iterations never rise
    # by more than the sampling noise seen at the end
    windows = kl.reshape(10, 30).mean(axis=1) - kl_star
    noise = kl[-60:].std()
    assert np.all(np.diff(windows) <= noise)
    # the excess over the optimum shrinks tenfold (gradient ascent slows near the optimum,
    # where the gradient, the moment mismatch, vanishes)
    assert windows[-1] < 0.1 * (kl[:10].mean() - kl_star)
    # and the machine's moments approach the data's (the optimum is moment matching)
    x = X.astype(float)
    gap = np.abs(bm.negative_statistics("exact") - x.T @ x / len(x))
    start = boltz.BoltzmannMachine(5, n_iter=1, learning_rate=1e-12, random_state=0).fit(X)
    assert gap.max() < 0.2 * np.abs(start.negative_statistics("exact") - x.T @ x / len(x)).max()


@pytest.mark.slow
@pytest.mark.parametrize("persistent", [False, True])
def test_learning_with_hidden_units_lowers_the_kl(persistent):
    X = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1]])
    bm = boltz.BoltzmannMachine(4, 2, learning_rate=0.5, n_iter=150, persistent=persistent,
                                random_state=1).fit(X)
    start = boltz.BoltzmannMachine(4, 2, n_iter=1, learning_rate=1e-12,
                                   random_state=1).fit(X).kl_history_[0]
    assert bm.kl_history_[-1] < 0.5 * start
    assert bm.n_iter_ == 150 and not bm.interrupted_
    assert len(bm.moment_gap_history_) == 150


@pytest.mark.slow
def test_encoder_4_2_4():
    # Ackley, Hinton & Sejnowski (1985): V1 and V2 talk only through two hidden units,
    # which must learn four different codes for the four one-of-four patterns. Boltzmann
    # learning can settle in a local minimum sharing one code between two patterns (about
    # half the runs with these settings), so, as in the paper, the best of a few restarts
    # (lowest exact KL divergence) is judged.
    P = np.eye(4, dtype=int)
    X = np.hstack([P, P])
    mask = boltz.BoltzmannMachine.encoder_connectivity(4, 2)
    fits = [boltz.BoltzmannMachine(8, 2, connectivity=mask, learning_rate=2.0, n_iter=600,
                                   num_sweeps=20, anneal=[(8, 2), (6, 2), (4, 2), (2, 4),
                                                          (1.5, 4)],
                                   burn_in=4, random_state=seed).fit(X) for seed in range(4)]
    bm = min(fits, key=lambda m: m.kl_history_[-1])
    assert np.all(bm.weights_[:4, 4:8] == 0)              # no V1-V2 weights, as masked
    codes = []
    for k in range(4):
        clamp = np.full(10, -1)
        clamp[:4] = P[k]
        out = bm.sample(400, clamp=clamp, seed=k)
        assert np.mean(np.all(out[:, 4:8] == P[k], axis=1)) > 0.8
        clamp[4:8] = P[k]
        hidden = bm.sample(400, clamp=clamp, seed=10 + k)[:, 8:]
        codes.append(np.bincount(hidden @ [2, 1], minlength=4).argmax())
    assert sorted(codes) == [0, 1, 2, 3]


def test_warm_start_continues_from_the_current_parameters():
    X = np.array([[1, 0, 1], [0, 1, 1]])
    bm = boltz.BoltzmannMachine(3, 1, n_iter=20, random_state=0).fit(X)
    W = bm.weights_.copy()
    cold = boltz.BoltzmannMachine(3, 1, n_iter=1, learning_rate=1e-12, random_state=5).fit(X)
    assert not np.allclose(cold.weights_, W)
    warm = boltz.BoltzmannMachine(3, 1, n_iter=1, learning_rate=1e-12, random_state=5,
                                  warm_start=True)
    warm.weights_, warm.thresholds_ = W, bm.thresholds_
    warm.fit(X)
    np.testing.assert_allclose(warm.weights_, W, atol=1e-9)


def test_ctrl_c_stops_learning_cleanly(monkeypatch):
    X = np.array([[1, 0, 1], [0, 1, 1]])
    bm = boltz.BoltzmannMachine(3, 1, n_iter=10, random_state=0)
    calls = {"n": 0}
    original = boltz.BoltzmannMachine._negative

    def interrupting(self, *args):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(boltz.BoltzmannMachine, "_negative", interrupting)
    bm.fit(X)
    assert bm.interrupted_ and bm.n_iter_ == 3
    assert len(bm.kl_history_) == 3 and np.all(np.isfinite(bm.weights_))


# ---- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("X, exc, word", [
    (np.array([[0, 2, 1]]), ValueError, "binary"),
    (np.array([[0.5, 1, 1]]), ValueError, "binary"),
    (np.array([[0, 1]]), ValueError, "shape"),
    (np.array([["a", "b", "c"]]), TypeError, "X"),
    (np.zeros((0, 3)), ValueError, "row"),
])
def test_bad_training_data(X, exc, word):
    with pytest.raises(exc, match=word):
        boltz.BoltzmannMachine(3, 1, n_iter=1).fit(X)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(temperature=0.0), ValueError, "temperature"),
    (dict(temperature=-1.0), ValueError, "temperature"),
    (dict(learning_rate=0.0), ValueError, "learning_rate"),
    (dict(weight_decay=-0.1), ValueError, "weight_decay"),
    (dict(n_iter=0), ValueError, "n_iter"),
    (dict(num_sweeps=1.5), TypeError, "num_sweeps"),
    (dict(anneal=[(1.0, 0)]), ValueError, "anneal"),
    (dict(anneal=[0.0, 1.0]), ValueError, "anneal"),
    (dict(connectivity=np.ones((3, 3))), TypeError, "connectivity"),
    (dict(connectivity=np.ones((2, 2), dtype=bool)), ValueError, "connectivity"),
    (dict(connectivity=np.triu(np.ones((4, 4), dtype=bool))), ValueError, "symmetric"),
    (dict(random_state=-1), ValueError, "random_state"),
])
def test_bad_parameters(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        boltz.BoltzmannMachine(3, 1, **kwargs).fit(np.array([[0, 1, 1]]))


def test_bad_parameters_and_calls_outside_fit(rng):
    bm = boltz.BoltzmannMachine(3, 1)
    with pytest.raises(ValueError, match="fit"):
        bm.energy([[0, 1, 1, 0]])
    with pytest.raises(ValueError, match="symmetric"):
        bm.weights_ = np.triu(np.ones((4, 4)), 1)
    with pytest.raises(ValueError, match="diagonal"):
        bm.weights_ = np.eye(4)
    with pytest.raises(ValueError, match="shape"):
        bm.thresholds_ = np.zeros(3)
    masked = boltz.BoltzmannMachine(3, 1, connectivity=~np.eye(4, dtype=bool) & False)
    with pytest.raises(ValueError, match="connectivity"):
        masked.weights_ = np.ones((4, 4)) - np.eye(4)
    bm = random_machine(rng, 3, 1)
    with pytest.raises(ValueError, match="clamp"):
        bm.sample(2, clamp=[1, 2, -1, -1])
    with pytest.raises(ValueError, match="same units"):
        bm.sample(2, clamp=[[1, -1, -1, -1], [-1, 1, -1, -1]])
    with pytest.raises(ValueError, match="method"):
        bm.negative_statistics("mean-field")
    with pytest.raises(ValueError, match="method"):
        bm.log_partition("ais")
    big = boltz.BoltzmannMachine(20, 10)
    big.thresholds_ = np.zeros(30)
    with pytest.raises(ValueError, match="26 units"):
        big.log_partition()
    with pytest.raises(ValueError, match="n_samples"):
        bm.sample(0)


def test_parameters_are_replaced_not_modified_in_place(rng):
    bm = random_machine(rng, 3, 1)
    with pytest.raises(ValueError, match="read-only"):
        bm.weights_[0, 1] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        bm.thresholds_[0] = 5.0
    # a new assignment takes effect in sampling (no stale Ising form)
    before = bm.sample(2000, num_sweeps=5, seed=1).mean(axis=0)
    bm.thresholds_ = np.array([-30.0, 30.0, 0.0, 0.0])
    after = bm.sample(2000, num_sweeps=5, seed=1).mean(axis=0)
    assert after[0] == 0.0 and after[1] == 1.0 and (before[0], before[1]) != (0.0, 1.0)


def test_verbose_shows_learning_progress(capsys):
    boltz.BoltzmannMachine(3, 1, n_iter=5, verbose=1, random_state=0).fit([[0, 1, 1]])
    err = capsys.readouterr().err
    assert "learning" in err and ("5/5" in err or "100%" in err)


# ---- the argument contract ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["n_visible", "n_hidden", "temperature", "learning_rate",
                                  "n_iter", "num_sweeps", "weight_decay", "num_threads",
                                  "verbose", "num_chains", "burn_in", "batch_size"])
def test_numbers_given_as_strings_are_refused_naming_the_argument(name):
    kwargs = {"n_visible": 3, name: "2"}
    with pytest.raises(TypeError, match=name):
        boltz.BoltzmannMachine(**kwargs)
    bm = boltz.BoltzmannMachine(3)                  # and when set after construction
    setattr(bm, name, "2")
    with pytest.raises(TypeError, match=name):
        bm.fit([[0, 1, 1]])


@pytest.mark.parametrize("kwargs, word", [
    (dict(anneal=["3", "1"]), "anneal"),
    (dict(anneal=[("3", 2)]), "anneal"),
    (dict(persistent="no"), "persistent"),
    (dict(warm_start="yes"), "warm_start"),
    (dict(dtype=np.int32), "dtype"),
    (dict(temperature=True), "temperature"),
])
def test_other_arguments_of_the_wrong_type_are_refused(kwargs, word):
    with pytest.raises(TypeError, match=word):
        boltz.BoltzmannMachine(3, **kwargs)


def test_temperature_is_one_number():
    with pytest.raises(TypeError, match="temperature must be a single real number"):
        boltz.BoltzmannMachine(4, temperature=[1, 2])
    assert boltz.BoltzmannMachine(4, temperature=np.float32(2.0)).temperature == 2.0
    with pytest.raises(ValueError, match="temperature"):
        boltz.BoltzmannMachine(4, temperature=np.inf)


def test_method_arguments_refuse_strings(rng):
    bm = random_machine(rng, 3, 1)
    for call, word in ((lambda: bm.sample("2"), "n_samples"),
                       (lambda: bm.sample(2, num_sweeps="3"), "num_sweeps"),
                       (lambda: bm.sample(2, visible_only="no"), "visible_only"),
                       (lambda: bm.sample(2, seed="1"), "seed"),
                       (lambda: bm.encoder_connectivity("2", 1), "group_size")):
        with pytest.raises(TypeError, match=word):
            call()


def test_n_chains_is_a_deprecated_alias_of_num_chains():
    with pytest.warns(DeprecationWarning, match="n_chains .* num_chains"):
        bm = boltz.BoltzmannMachine(3, 1, n_chains=8)
    assert bm.num_chains == 8
    with pytest.warns(DeprecationWarning, match="num_chains"):
        assert bm.n_chains == 8
    with pytest.warns(DeprecationWarning, match="num_chains"):
        bm.n_chains = 4
    assert bm.num_chains == 4
    X = np.array([[0, 1, 1], [1, 0, 1]])
    new = boltz.BoltzmannMachine(3, 1, num_chains=8, n_iter=3, random_state=0).fit(X)
    with pytest.warns(DeprecationWarning):
        old = boltz.BoltzmannMachine(3, 1, n_chains=8, n_iter=3, random_state=0).fit(X)
    assert np.array_equal(new.weights_, old.weights_)


def test_statistics_method_is_checked_without_hidden_units_too():
    X = np.array([[0, 1, 1], [1, 0, 1]])
    bm = boltz.BoltzmannMachine(3, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="method must be one of 'gibbs', 'exact'"):
        bm.positive_statistics(X, method="bogus")
    with pytest.raises(TypeError, match="method must be one of"):
        bm.positive_statistics(X, method=["gibbs"])


def test_a_copied_or_unpickled_machine_keeps_read_only_weights():
    import copy
    import pickle
    X = np.array([[0, 1, 1], [1, 0, 1]])
    bm = boltz.BoltzmannMachine(3, n_iter=1, random_state=0).fit(X)
    for other in (copy.deepcopy(bm), pickle.loads(pickle.dumps(bm))):
        with pytest.raises(ValueError):
            other.weights_[0, 1] = 9.0
        assert np.array_equal(other.energy(X), bm.energy(X))
