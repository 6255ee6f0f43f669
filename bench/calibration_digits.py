"""Temperature scaling of an unregularised MLP on scikit-learn's digits (issue 16's check).

Not a pytest benchmark: a script that prints a report. ``python bench/calibration_digits.py``

An ``MLPClassifier`` with ``alpha=0`` (no L2 penalty), trained to convergence on 50% of the
digits, is over-confident on new images; one temperature fitted by ``boltz.fit_temperature``
on a 25% validation part is judged on the remaining 25%: negative log-likelihood (nats per
image) and expected calibration error (15 bins) before and after.
"""
from __future__ import annotations

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import boltz

SEED = 0


def logits(clf: MLPClassifier, X: np.ndarray) -> np.ndarray:
    """The network's output before its softmax (predict_proba's log would lose the rows
    whose probabilities underflow to 0)."""
    activation = {"relu": lambda a: np.maximum(a, 0.0), "tanh": np.tanh,
                  "logistic": lambda a: 1.0 / (1.0 + np.exp(-a)), "identity": lambda a: a}
    h = X
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1], strict=True):
        h = activation[clf.activation](h @ W + b)
    return h @ clf.coefs_[-1] + clf.intercepts_[-1]


def report(name: str, probs: np.ndarray, y: np.ndarray) -> None:
    nll = -np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-300)))
    ece = boltz.expected_calibration_error(probs, y)
    conf = probs.max(axis=1).mean()
    print(f"  {name:<22} NLL {nll:.4f} nats   ECE {ece:.4f}   mean confidence {conf:.4f}")


def main() -> None:
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, train_size=0.5,
                                                        random_state=SEED, stratify=y)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, train_size=0.5,
                                                    random_state=SEED, stratify=y_rest)
    clf = MLPClassifier(hidden_layer_sizes=(100,), alpha=0.0, max_iter=5000, tol=1e-8,
                        n_iter_no_change=50, random_state=SEED).fit(X_train, y_train)
    z_val, z_test = logits(clf, X_val), logits(clf, X_test)
    assert np.array_equal(z_test.argmax(axis=1), clf.predict(X_test))
    print(f"digits: {len(y_train)} train / {len(y_val)} validation / {len(y_test)} test "
          f"images (stratified, random_state={SEED})")
    print(f"MLPClassifier(hidden_layer_sizes=(100,), alpha=0, random_state={SEED}): "
          f"{clf.n_iter_} epochs, training loss {clf.loss_:.2e}, "
          f"test accuracy {np.mean(z_test.argmax(axis=1) == y_test):.4f}")
    t0 = time.perf_counter()
    fit = boltz.fit_temperature(z_val, y_val)
    elapsed = time.perf_counter() - t0
    print(f"fit_temperature on the validation part: T = {fit.temperature:.4f} "
          f"+/- {fit.stderr:.4f} (beta = {fit.beta:.4f} +/- {fit.beta_stderr:.4f}), "
          f"{fit.n_iter} Newton iterations, {elapsed * 1e3:.1f} ms")
    print(f"  validation NLL: {fit.nll_at_one:.4f} at T = 1 -> {fit.nll:.4f} nats")
    print("test part:")
    report("before (T = 1)", boltz.softmax(z_test, axis=1), y_test)
    report(f"after (T = {fit.temperature:.3f})", fit.calibrate(z_test), y_test)
    d = boltz.reliability_diagram(boltz.softmax(z_test, axis=1), y_test)
    full = d.counts > 0
    print("  reliability before (bins with rows): confidence / accuracy / rows")
    for c, a, n in zip(d.confidence[full], d.accuracy[full], d.counts[full], strict=True):
        print(f"    {c:.3f} / {a:.3f} / {n}")


if __name__ == "__main__":
    main()
