"""BoltzmannPolicy: action frequencies against the softmax (chi-square), seeds and threads,
temperature limits and schedules, extreme action values."""
import numpy as np
import pytest
import scipy.special as sp
from scipy.stats import chisquare

import boltz

Q = np.array([[1.0, 2.0, 0.5, -1.0, 1.5],
              [0.0, 0.0, 0.0, 0.0, 3.0],
              [-2.0, 4.0, 3.5, 3.9, -np.inf]])      # -inf: a forbidden action


def test_probabilities_are_the_softmax_of_q_over_t():
    policy = boltz.BoltzmannPolicy(temperature=0.7)
    np.testing.assert_allclose(policy.probabilities(Q), sp.softmax(Q / 0.7, axis=1),
                               rtol=1e-13)
    batch = np.stack([Q, Q[::-1]])                         # any leading axes
    np.testing.assert_allclose(policy.probabilities(batch), sp.softmax(batch / 0.7, axis=-1),
                               rtol=1e-13)


def test_action_frequencies_match_the_probabilities():
    policy = boltz.BoltzmannPolicy(temperature=0.7)
    draws = 20_000
    actions = policy.act(np.broadcast_to(Q, (draws, *Q.shape)), seed=2024)
    assert actions.shape == (draws, 3) and actions.dtype == np.int64
    expected = sp.softmax(Q / 0.7, axis=1)
    for state in range(3):
        counts = np.bincount(actions[:, state], minlength=5)
        allowed = expected[state] > 0
        assert np.all(counts[~allowed] == 0)                 # the forbidden action never
        p = chisquare(counts[allowed], draws * expected[state, allowed]).pvalue
        assert p > 1e-3, (state, counts, p)


def test_same_seed_same_actions_for_any_thread_count():
    q = np.random.default_rng(0).standard_normal((5000, 6))
    policy = boltz.BoltzmannPolicy(0.5)
    a1 = policy.act(q, seed=7, num_threads=1)
    np.testing.assert_array_equal(a1, policy.act(q, seed=7, num_threads=2))
    np.testing.assert_array_equal(a1, policy.act(q, seed=np.random.SeedSequence(7)))
    assert not np.array_equal(a1, policy.act(q, seed=8))
    assert isinstance(policy.act(q[0], seed=1), int)         # one state: an int


def test_low_temperature_is_greedy_with_ties_shared():
    q = np.random.default_rng(1).standard_normal((200, 7))
    policy = boltz.BoltzmannPolicy(1e-9)
    np.testing.assert_array_equal(policy.act(q, seed=0), q.argmax(axis=1))
    tied = np.broadcast_to([1.0, 3.0, 0.0, 3.0], (4000, 4))
    actions = policy.act(tied, seed=0)
    assert set(np.unique(actions)) == {1, 3}
    assert chisquare(np.bincount(actions)[[1, 3]]).pvalue > 1e-3
    np.testing.assert_array_equal(policy.probabilities(tied[0]), [0, 0.5, 0, 0.5])


@pytest.mark.parametrize("big", [1e4, 1e300])
def test_extreme_action_values_give_no_nan(big):
    q = np.array([[big, -big, big * 0.5], [-big, -big, -big], [big, big, -big]])
    for t in (1e-3, 1.0, 1e3):
        policy = boltz.BoltzmannPolicy(t)
        p = policy.probabilities(q)
        assert np.all(np.isfinite(p))
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
        np.testing.assert_allclose(p[1], 1 / 3)
        actions = policy.act(q, seed=3)
        assert actions[0] == 0 and actions[2] in (0, 1)


def test_a_schedule_is_read_at_the_step():
    policy = boltz.BoltzmannPolicy(lambda step: 10.0 / (1 + step))
    np.testing.assert_allclose(policy.probabilities(Q, step=9), sp.softmax(Q, axis=1),
                               rtol=1e-13)
    with pytest.raises(ValueError, match="step is required"):
        policy.act(Q)
    with pytest.raises(ValueError, match="temperature"):
        boltz.BoltzmannPolicy(lambda step: -1.0).probabilities(Q, step=0)
    with pytest.raises(ValueError, match="step"):
        policy.temperature_at(-1)
    assert boltz.BoltzmannPolicy(2.0).temperature_at(step=5) == 2.0   # fixed: step unused


def test_exponential_decay():
    policy = boltz.BoltzmannPolicy.exponential(t0=2.0, t_min=0.1, decay=0.9)
    steps = np.arange(60)
    expected = np.maximum(0.1, 2.0 * 0.9 ** steps)
    np.testing.assert_allclose([policy.temperature_at(int(s)) for s in steps], expected,
                               rtol=1e-15)
    assert policy.temperature_at(2**62) == 0.1
    assert "t0=2.0" in repr(policy)
    for args, match in [((0.0, 0.1, 0.9), "t0"), ((1.0, 2.0, 0.9), "t_min"),
                        ((1.0, 0.1, 1.5), "decay"), ((1.0, 0.1, 0.0), "decay")]:
        with pytest.raises(ValueError, match=match):
            boltz.BoltzmannPolicy.exponential(*args)


@pytest.mark.parametrize("q, match", [
    ([[0.0, np.nan]], "nan"),
    ([[-np.inf, -np.inf]], "allowed action"),
    (np.zeros((3, 0)), "last axis"),
    (1.0, "last axis"),
])
def test_bad_q_values_name_the_argument(q, match):
    with pytest.raises(ValueError, match=match):
        boltz.BoltzmannPolicy().act(q, seed=0)
    with pytest.raises(ValueError, match=match):
        boltz.BoltzmannPolicy().probabilities(q)


@pytest.mark.parametrize("t", [0.0, -1.0, np.inf, np.nan])
def test_temperature_must_be_positive_and_finite(t):
    with pytest.raises(ValueError, match="temperature"):
        boltz.BoltzmannPolicy(t)
    with pytest.raises(TypeError, match="temperature"):
        boltz.BoltzmannPolicy("1.0")
