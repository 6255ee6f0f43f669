"""boltz.distillation_loss against an independent SciPy composition, finite differences, the
paper's high-temperature limit and closed forms at extreme logits."""
import itertools

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

import boltz


def _reference(s, t, T, labels=None, alpha=0.9):
    """Per-row loss by the textbook formula, with SciPy's stable log_softmax."""
    p = softmax(t / T, axis=1)
    kl = np.sum(p * (log_softmax(t / T, axis=1) - log_softmax(s / T, axis=1)), axis=1)
    if labels is None:
        return T * T * kl
    ce = -log_softmax(s, axis=1)[np.arange(len(s)), labels]
    return alpha * T * T * kl + (1 - alpha) * ce


def _logits(rows=6, classes=5, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    return (scale * rng.normal(size=(rows, classes)), scale * rng.normal(size=(rows, classes)),
            rng.integers(0, classes, rows))


@pytest.mark.parametrize("T", [0.5, 1.0, 4.0, 20.0])
@pytest.mark.parametrize("with_labels", [False, True])
def test_loss_matches_scipy_composition(T, with_labels):
    s, t, y = _logits()
    labels = y if with_labels else None
    ref = _reference(s, t, T, labels, alpha=0.7)
    for reduction, expected in (("batchmean", ref.mean()), ("sum", ref.sum()), ("none", ref)):
        loss, _ = boltz.distillation_loss(s, t, T, labels, alpha=0.7, reduction=reduction)
        np.testing.assert_allclose(loss, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("with_labels", [False, True])
def test_gradient_matches_finite_differences(reduction, with_labels):
    s, t, y = _logits(rows=4, classes=6, seed=1)
    labels = y if with_labels else None
    T, h = 3.0, 1e-5

    def total(x):
        loss, _ = boltz.distillation_loss(x, t, T, labels, alpha=0.6, reduction=reduction)
        return np.sum(loss)      # "none": the gradient is each row's own loss's

    _, grad = boltz.distillation_loss(s, t, T, labels, alpha=0.6, reduction=reduction)
    fd = np.empty_like(s)
    for idx in np.ndindex(s.shape):
        e = np.zeros_like(s)
        e[idx] = h
        fd[idx] = (total(s + e) - total(s - e)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-10)


def test_high_temperature_limit_is_logit_matching():
    """Hinton et al. section 2.1: for zero-mean logits the T^2-scaled soft gradient tends
    to (s - t) / (N B) under batchmean, with an error of order 1/T."""
    s, t, _ = _logits(rows=8, classes=10, seed=2)
    s -= s.mean(axis=1, keepdims=True)
    t -= t.mean(axis=1, keepdims=True)
    B, N = s.shape
    limit = (s - t) / (N * B)
    errors = []
    for T in (1e1, 1e2, 1e3, 1e4):
        _, grad = boltz.distillation_loss(s, t, T)
        errors.append(np.max(np.abs(grad - limit)) / np.max(np.abs(limit)))
    assert errors[-1] < 1e-3
    for coarse, fine in itertools.pairwise(errors):   # each tenfold T: about tenfold closer
        assert fine < coarse / 5


def test_extreme_logits_exact_where_naive_code_overflows():
    s = np.array([[1e4, -1e4, 0.0]])
    t = np.array([[-1e4, 1e4, 0.0]])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(t / 1e-3)
        naive = np.sum(e / e.sum() * np.log(e / e.sum()))
    assert not np.isfinite(naive)
    # p = onehot(1), q = onehot(0) at T = 1e-3: KL = (t_1 - s_1) / T exactly in the limit, and
    # the hard term with label 1 is s_0 - s_1
    for dtype in (np.float64, np.float32):
        loss, grad = boltz.distillation_loss(s.astype(dtype), t.astype(dtype), 1e-3,
                                             labels=[1], alpha=0.5)
        assert loss == pytest.approx(0.5 * 1e-6 * 2e4 / 1e-3 + 0.5 * 2e4, rel=1e-12)
        np.testing.assert_allclose(grad, [[0.5e-3 + 0.5, -0.5e-3 - 0.5, 0.0]], rtol=1e-6)
    # and at T = 1, where p and q are still one-hot to double precision
    loss, grad = boltz.distillation_loss(s, t, 1.0)
    assert loss == pytest.approx(2e4, rel=1e-15)
    np.testing.assert_array_equal(grad, [[1.0, -1.0, 0.0]])


def test_matching_student_has_zero_loss_and_gradient():
    _, t, _ = _logits(rows=5, classes=7, seed=3)
    for dtype in (np.float64, np.float32):
        loss, grad = boltz.distillation_loss(t.astype(dtype), t.astype(dtype), 2.5)
        assert abs(loss) < 1e-6 if dtype == np.float32 else abs(loss) < 1e-14
        assert np.all(grad == 0)


def test_float32_agrees_with_float64_and_keeps_its_dtype():
    s, t, y = _logits(rows=50, classes=30, seed=4)
    l64, g64 = boltz.distillation_loss(s, t, 4.0, y)
    l32, g32 = boltz.distillation_loss(s.astype(np.float32), t.astype(np.float32), 4.0, y)
    assert g32.dtype == np.float32 and g64.dtype == np.float64
    assert l32 == pytest.approx(l64, rel=1e-5)
    np.testing.assert_allclose(g32, g64, rtol=0, atol=1e-6 * np.max(np.abs(g64)))
    # mixed precision computes in float64
    _, g = boltz.distillation_loss(s.astype(np.float32), t, 4.0, y)
    assert g.dtype == np.float64


def test_same_result_for_any_thread_count():
    s, t, y = _logits(rows=257, classes=100, seed=5)
    one = boltz.distillation_loss(s, t, 3.0, y, reduction="none", num_threads=1)
    two = boltz.distillation_loss(s, t, 3.0, y, reduction="none", num_threads=2)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])


def test_one_row_and_scalar_label():
    s, t, y = _logits(rows=1, classes=4, seed=6)
    loss, grad = boltz.distillation_loss(s[0], t[0], 2.0, labels=int(y[0]))
    ref_loss, ref_grad = boltz.distillation_loss(s, t, 2.0, labels=y)
    assert loss == ref_loss and grad.shape == (4,)
    np.testing.assert_array_equal(grad, ref_grad[0])


def test_alpha_weights_the_two_terms():
    s, t, y = _logits(seed=7)
    soft, gs = boltz.distillation_loss(s, t, 3.0)
    hard, gh = boltz.distillation_loss(s, t, 3.0, y, alpha=0.0)
    mix, gm = boltz.distillation_loss(s, t, 3.0, y, alpha=0.25)
    assert mix == pytest.approx(0.25 * soft + 0.75 * hard, rel=1e-13)
    np.testing.assert_allclose(gm, 0.25 * gs + 0.75 * gh, rtol=1e-12, atol=1e-15)
    # alpha = 0 is the plain cross-entropy of softmax(s): scikit-learn's log_loss
    from sklearn.metrics import log_loss
    assert hard == pytest.approx(log_loss(y, softmax(s, axis=1), labels=range(s.shape[1])),
                                 rel=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(student_logits=np.zeros((2, 3)), teacher_logits=np.zeros((3, 3))), "same shape"),
    (dict(student_logits=np.zeros((2, 0)), teacher_logits=np.zeros((2, 0))), "student_logits"),
    (dict(student_logits=np.zeros((2, 3, 1)), teacher_logits=np.zeros((2, 3, 1))),
     "student_logits"),
    (dict(teacher_logits=[[0.0, np.inf, 1.0]] * 2), "teacher_logits"),
    (dict(temperature=0.0), "temperature"),
    (dict(temperature=1e200), "temperature"),
    (dict(labels=[0, 3]), "labels"),
    (dict(labels=[0]), "labels"),
    (dict(labels=[0.5, 1]), "labels"),
    (dict(labels=[0, 1], alpha=1.5), "alpha"),
    (dict(reduction="mean"), "reduction"),
])
def test_bad_input_is_a_clear_error(kwargs, match):
    args = dict(student_logits=np.zeros((2, 3)), teacher_logits=np.ones((2, 3)), temperature=2.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        boltz.distillation_loss(**args)


@pytest.mark.parametrize("kwargs, match", [
    (dict(labels=["a", "b"]), "labels"),
    (dict(temperature="2"), "temperature"),
    (dict(student_logits=[["a", "b", "c"]] * 2), "student_logits"),
])
def test_bad_types_are_type_errors(kwargs, match):
    args = dict(student_logits=np.zeros((2, 3)), teacher_logits=np.ones((2, 3)), temperature=2.0)
    args.update(kwargs)
    with pytest.raises(TypeError, match=match):
        boltz.distillation_loss(**args)


def _fit_softmax_student(X, targets, T, labels, alpha, l2):
    """Multinomial logistic regression W, b minimising distillation_loss + l2/2 |W|^2 with
    L-BFGS to convergence."""
    d, k = X.shape[1], targets.shape[1]

    def objective(theta):
        W, b = theta[:d * k].reshape(d, k), theta[d * k:]
        loss, g = boltz.distillation_loss(X @ W + b, targets, T, labels, alpha=alpha)
        return (loss + 0.5 * l2 * np.sum(W * W),
                np.concatenate([(X.T @ g + l2 * W).ravel(), g.sum(axis=0)]))

    res = minimize(objective, np.zeros(d * k + k), jac=True, method="L-BFGS-B",
                   options={"maxiter": 5000, "gtol": 1e-8})
    return res.x[:d * k].reshape(d, k), res.x[d * k:]


@pytest.mark.slow
def test_digits_soft_targets_teach_a_student_better_than_hard_labels():
    """The issue's worked check: an MLP teacher on a seeded 60/40 split of digits; a softmax
    student on a 200-image transfer set, trained on the teacher's soft targets at T = 4
    or on the hard labels; over 5 transfer sets the soft-target student is more accurate."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=0)
    teacher = MLPClassifier(hidden_layer_sizes=(256,), random_state=0, max_iter=500)
    teacher.fit(X_train, y_train)
    accuracy = {"soft": [], "hard": []}
    for seed in range(5):
        pick = np.random.default_rng(seed).choice(len(X_train), 200, replace=False)
        Xt = X_train[pick]
        # the teacher's logits: the MLP's output layer before its softmax
        hidden = np.maximum(Xt @ teacher.coefs_[0] + teacher.intercepts_[0], 0)
        logits = hidden @ teacher.coefs_[1] + teacher.intercepts_[1]
        # soft: the teacher's targets at T = 4 alone; hard: alpha = 0, the cross-entropy
        for name, labels, alpha in (("soft", None, 1.0), ("hard", y_train[pick], 0.0)):
            W, b = _fit_softmax_student(Xt, logits, 4.0, labels, alpha, 1e-3)
            accuracy[name].append(np.mean(np.argmax(X_test @ W + b, axis=1) == y_test))
    soft, hard = np.mean(accuracy["soft"]), np.mean(accuracy["hard"])
    print(f"digits student accuracy over 5 transfer sets: soft {soft:.4f}, hard {hard:.4f}")
    assert soft > hard
