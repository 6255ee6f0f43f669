"""Temperature scaling (fit_temperature), expected calibration error, reliability diagrams:
against planted temperatures, brute-force minimisation with SciPy, hand computations and
scikit-learn's calibration_curve."""
import numpy as np
import pytest
import scipy.special as sp
from scipy.optimize import minimize_scalar

import boltz


def draw_labels(logits, temperature, rng):
    """Labels drawn from softmax(logits / temperature) by inverting the CDF (numpy, SciPy)."""
    cdf = np.cumsum(sp.softmax(logits / temperature, axis=1), axis=1)
    return np.minimum((cdf < rng.random((len(logits), 1))).sum(axis=1), logits.shape[1] - 1)


def nll(beta, z, y):
    """Mean negative log-likelihood at inverse temperature beta (SciPy)."""
    return np.mean(sp.logsumexp(beta * z, axis=1) - beta * z[np.arange(len(z)), y])


def test_recovers_a_planted_temperature():
    rng = np.random.default_rng(20170614)
    z = rng.standard_normal((100_000, 10)) * 2.0
    y = draw_labels(z, 1.7, rng)
    fit = boltz.fit_temperature(z, y)
    assert abs(fit.temperature - 1.7) < 3 * fit.stderr
    assert 0.002 < fit.stderr < 0.02            # ~ 1/sqrt(n) of a few
    assert fit.beta == pytest.approx(1 / fit.temperature, rel=1e-15)
    assert fit.stderr == pytest.approx(fit.beta_stderr / fit.beta**2, rel=1e-12)
    assert fit.nll < fit.nll_at_one
    assert fit.nll_at_one == pytest.approx(nll(1.0, z, y), rel=1e-12)


def test_z_scores_over_seeds_look_standard_normal():
    z_scores = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((3000, 4)) * 3.0
        fit = boltz.fit_temperature(z, draw_labels(z, 2.5, rng))
        z_scores.append((fit.temperature - 2.5) / fit.stderr)
    z_scores = np.array(z_scores)
    assert np.all(np.abs(z_scores) < 4.5)
    assert abs(z_scores.mean()) < 3 / np.sqrt(30) + 0.1
    assert 0.6 < z_scores.std() < 1.5


def test_the_standard_error_is_the_observed_information():
    rng = np.random.default_rng(3)
    z = rng.standard_normal((500, 6)) * 2
    y = draw_labels(z, 0.8, rng)
    fit = boltz.fit_temperature(z, y)
    # NLL''(beta) summed over rows, by central differences of the SciPy NLL
    b, h = fit.beta, 1e-4
    curvature = len(z) * (nll(b + h, z, y) - 2 * nll(b, z, y) + nll(b - h, z, y)) / h**2
    assert fit.beta_stderr == pytest.approx(1 / np.sqrt(curvature), rel=1e-4)


def test_nll_is_the_minimum_over_a_fine_grid_and_matches_scipy():
    rng = np.random.default_rng(7)
    z = rng.standard_normal((1000, 5)) * 2.5
    y = draw_labels(z, 1.3, rng)
    fit = boltz.fit_temperature(z, y)
    assert fit.nll == pytest.approx(nll(fit.beta, z, y), rel=1e-13)
    coarse = np.linspace(0.05, 5.0, 991)                   # steps of 0.005
    best = coarse[np.argmin([nll(b, z, y) for b in coarse])]
    fine = np.linspace(best - 0.005, best + 0.005, 2001)   # steps of 5e-6
    grid = np.array([nll(b, z, y) for b in fine])
    assert fit.nll <= grid.min() * (1 + 1e-14)             # no grid point does better
    assert grid.min() - fit.nll < 1e-9 * fit.nll           # and the grid's best is as low
    ref = minimize_scalar(nll, bounds=(0.05, 5.0), args=(z, y), method="bounded",
                          options={"xatol": 1e-10})
    # a minimiser found from function values is good to about sqrt(eps) relative
    assert fit.beta == pytest.approx(ref.x, rel=1e-6)
    assert fit.nll <= ref.fun * (1 + 1e-14)


def test_temperature_scaling_fixes_an_over_confident_model():
    rng = np.random.default_rng(42)
    true_logits = rng.standard_normal((200_000, 10)) * 1.5
    y = draw_labels(true_logits, 1.0, rng)
    over = 3.0 * true_logits                              # the same ranking, 3x too sharp
    held_out, test = slice(0, 100_000), slice(100_000, None)
    fit = boltz.fit_temperature(over[held_out], y[held_out])
    assert abs(fit.temperature - 3.0) < 3 * fit.stderr
    before = boltz.expected_calibration_error(sp.softmax(over[test], axis=1), y[test])
    after = boltz.expected_calibration_error(fit.calibrate(over[test]), y[test])
    assert after <= 0.25 * before
    assert before > 0.1


def test_calibrate_is_softmax_at_the_temperature(rng):
    z = rng.standard_normal((50, 4)) * 3
    fit = boltz.fit_temperature(z, draw_labels(z, 2.0, rng))
    np.testing.assert_allclose(fit.calibrate(z), sp.softmax(z / fit.temperature, axis=1),
                               rtol=1e-13)
    assert fit.calibrate(z.astype(np.float32)).dtype == np.float32
    assert fit.calibrate(z[0]).shape == (4,)


def test_separable_labels_have_no_finite_temperature(rng):
    z = rng.standard_normal((100, 3))
    with pytest.raises(ValueError, match=r"no finite temperature.*largest"):
        boltz.fit_temperature(z, z.argmax(axis=1))
    tied = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]])   # the label tied with another: still
    with pytest.raises(ValueError, match="no finite temperature"):
        boltz.fit_temperature(tied, [0, 2])


def test_no_better_than_uniform_gives_infinite_temperature(rng):
    z = rng.standard_normal((200, 3))
    worst = z.argmin(axis=1)
    with pytest.warns(RuntimeWarning, match="no better than uniform"):
        fit = boltz.fit_temperature(z, worst)
    assert fit.temperature == np.inf and fit.beta == 0.0 and fit.stderr == np.inf
    assert fit.nll == pytest.approx(np.log(3)) and fit.n_iter == 0
    assert fit.nll_at_one == pytest.approx(nll(1.0, z, worst))
    np.testing.assert_array_equal(fit.calibrate(z), np.full_like(z, 1 / 3))
    with pytest.warns(RuntimeWarning):                   # constant logits: every beta is best
        assert boltz.fit_temperature(np.zeros((4, 2)), [0, 1, 1, 0]).temperature == np.inf


def test_scale_invariance_and_extreme_logits(rng):
    z = rng.standard_normal((300, 4))
    y = draw_labels(z, 0.7, rng)
    fit = boltz.fit_temperature(z, y)
    for power in (-600, 500, 1000):                       # exact scalings by powers of two
        big = boltz.fit_temperature(np.ldexp(z, power), y)
        assert big.temperature == pytest.approx(np.ldexp(fit.temperature, power), rel=1e-14)
        assert big.nll == pytest.approx(fit.nll, rel=1e-12)
    huge = boltz.fit_temperature(z * 1e307 / np.abs(z).max(), y)
    assert np.isfinite(huge.temperature) and np.isfinite(huge.nll)


def test_float32_threads_and_integral_float_labels_give_the_same_fit(rng):
    z = rng.standard_normal((2000, 7)).astype(np.float32)
    y = draw_labels(z.astype(np.float64), 1.2, rng)
    ref = boltz.fit_temperature(z.astype(np.float64), y, num_threads=1)
    assert boltz.fit_temperature(z, y, num_threads=2) == ref
    assert boltz.fit_temperature(z, y.astype(np.float64)) == ref


@pytest.mark.parametrize("logits, labels, error, match", [
    ([[0.0, 1.0]], [2], ValueError, r"labels must be class indices in \[0, 2\)"),
    ([[0.0, 1.0]], [-1], ValueError, "labels"),
    ([[0.0, 1.0]], [0, 1], ValueError, r"labels must have shape \(1,\)"),
    ([[0.0, 1.0]], [0.5], ValueError, "labels must hold integer"),
    ([[0.0, 1.0]], ["a"], TypeError, "labels"),
    ([0.0, 1.0], [0], ValueError, "logits must be 2-D"),
    ([[0.0], [1.0]], [0, 0], ValueError, "two classes"),
    (np.zeros((0, 3)), [], ValueError, "at least one row"),
    ([[0.0, np.nan]], [0], ValueError, "logits must be finite"),
    ([[True, False]], [0], TypeError, "logits"),
])
def test_bad_input_names_the_argument(logits, labels, error, match):
    with pytest.raises(error, match=match):
        boltz.fit_temperature(logits, labels)


# ---- ECE and reliability diagrams ----------------------------------------------------------

def test_reliability_diagram_by_hand():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.55, 0.45], [0.5, 0.5]])
    labels = [0, 1, 1, 1, 1]
    d = boltz.reliability_diagram(probs, labels, n_bins=5)
    # top-class confidences 0.9, 0.8, 0.7, 0.55, 0.5 (a tie: argmax, class 0), correct
    # 1, 0, 1, 0, 0; bins (0.4, 0.6]: {0.55, 0.5}, (0.6, 0.8]: {0.8, 0.7}, (0.8, 1]: {0.9}
    np.testing.assert_allclose(d.bin_edges, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], rtol=1e-15)
    np.testing.assert_array_equal(d.counts, [0, 0, 2, 2, 1])
    np.testing.assert_allclose(d.confidence, [np.nan, np.nan, 0.525, 0.75, 0.9])
    np.testing.assert_allclose(d.accuracy, [np.nan, np.nan, 0.0, 0.5, 1.0])
    expected = (2 * 0.525 + 2 * 0.25 + 1 * 0.1) / 5
    assert d.ece == pytest.approx(expected, rel=1e-15)
    assert boltz.expected_calibration_error(probs, labels, n_bins=5) == d.ece


def test_ece_is_zero_for_a_calibrated_rule_and_counts_every_row(rng):
    probs = np.tile([[0.75, 0.25]], (8, 1))
    labels = [0, 0, 0, 1, 0, 0, 0, 1]                    # right 3 times in 4
    assert boltz.expected_calibration_error(probs, labels) == 0.0
    d = boltz.reliability_diagram(sp.softmax(rng.standard_normal((1000, 6)), axis=1),
                                  rng.integers(0, 6, 1000), n_bins=20)
    assert d.counts.sum() == 1000 and d.counts.dtype == np.int64
    assert d.bin_edges.shape == (21,) and d.confidence.shape == (20,)
    assert np.all(np.isnan(d.accuracy) == (d.counts == 0))


def test_binary_matches_scikit_learn_calibration_curve(rng):
    calibration_curve = pytest.importorskip("sklearn.calibration").calibration_curve
    # predictions of class 1 only (p > 0.5: a tie goes to class 0), so that the top-class
    # confidence is p itself; values on the bin edges check the (lower, upper] convention
    p = np.concatenate([rng.uniform(0.5, 1.0, 400), [0.6, 0.7, 0.8, 0.9, 1.0]])
    y = (rng.random(p.size) < p ** 2).astype(int)
    d = boltz.reliability_diagram(p, y, n_bins=10)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    nonempty = d.counts > 0
    np.testing.assert_allclose(d.accuracy[nonempty], prob_true, rtol=1e-14)
    np.testing.assert_allclose(d.confidence[nonempty], prob_pred, rtol=1e-14)
    # 1-D binary input is the two-column one
    two = boltz.reliability_diagram(np.column_stack([1 - p, p]), y, n_bins=10)
    np.testing.assert_array_equal(two.counts, d.counts)
    assert two.ece == d.ece


@pytest.mark.parametrize("probs, labels, n_bins, error, match", [
    ([[0.5, 0.6]], [0], 15, ValueError, "sum to 1"),
    ([[1.2, -0.2]], [0], 15, ValueError, r"\[0, 1\]"),
    ([1.5], [1], 15, ValueError, r"\[0, 1\]"),
    ([[1.0]], [0], 15, ValueError, "k >= 2"),
    ([[[1.0, 0.0]]], [0], 15, ValueError, "2-D"),
    ([[0.5, 0.5]], [2], 15, ValueError, "labels"),
    ([[0.5, np.nan]], [0], 15, ValueError, "finite"),
    ([[0.5, 0.5]], [0], 0, ValueError, "n_bins"),
    ([[0.5, 0.5]], [0], 2.0, TypeError, "n_bins"),
    ([[0.5, 0.5]], [0], 10**15, ValueError, "n_bins"),
    (np.zeros((0, 2)), [], 15, ValueError, "at least one row"),
])
def test_bad_probabilities_name_the_argument(probs, labels, n_bins, error, match):
    with pytest.raises(error, match=match):
        boltz.reliability_diagram(probs, labels, n_bins)


def test_rows_summing_to_one_within_float32_rounding_pass(rng):
    probs = sp.softmax(rng.standard_normal((100, 1000)), axis=1).astype(np.float32)
    d = boltz.reliability_diagram(probs, rng.integers(0, 1000, 100))
    assert d.counts.sum() == 100
