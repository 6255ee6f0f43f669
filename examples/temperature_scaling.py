"""Temperature scaling: one number that makes an over-confident classifier honest.

Guo, Pleiss, Sun & Weinberger, "On calibration of modern neural networks", ICML 2017. A
neural network trained to a near-zero training loss (here an ``MLPClassifier`` without
weight decay on half of scikit-learn's digits) is over-confident: its top-class
probability is higher than its accuracy. Dividing its logits by one temperature T > 1,
softmax(z / T), keeps every prediction (the argmax) and lowers the confidence.
``boltz.fit_temperature`` finds the T that minimises the negative log-likelihood on a
validation part (a convex problem in β = 1 / T, solved by Newton's method, with a standard
error from the observed information); the test part then judges it by its NLL and its
expected calibration error (ECE, 15 bins, ``boltz.expected_calibration_error``). The
figure shows the reliability diagrams (``boltz.plot.reliability``) before and after, and
the NLL against T.

Settings: a stratified 50 / 25 / 25 split (train / validation / test, seed 0),
``MLPClassifier(hidden_layer_sizes=(100,), alpha=0, random_state=0)`` trained until the
loss stops falling.

Run: ``python examples/temperature_scaling.py [--quick] [--out DIR]`` (about 15 s;
--quick: 300 epochs, a few seconds, not yet over-confident: T = 1.00).
Expect: 2904 epochs to a training loss of 2e-6, then T = 2.55 ± 0.30; on the test part the
NLL falls from 0.19 to 0.11 nats per image, the ECE from 0.026 to 0.015 and the mean
confidence from 0.989 to 0.969, accuracy 0.967 unchanged. Most images sit in the top bin
(434 of 450 before: confidence 0.999, accuracy 0.984; after: 404 images, 0.994, 0.995);
the other bins hold a few images each, so their bars are noisy.
"""
import warnings

import matplotlib

matplotlib.use("Agg")
import numpy as np
from _common import mlp_logits, parser, save
from matplotlib.figure import Figure
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import boltz
import boltz.plot


def nll(z: np.ndarray, y: np.ndarray, T: float) -> float:
    """Negative log-likelihood of softmax(z / T) per image (nats)."""
    return -float(np.mean(boltz.log_softmax(z, temperature=T)[np.arange(len(y)), y]))


def main() -> None:
    args = parser(__doc__).parse_args()
    X, y = load_digits(return_X_y=True)
    X_train, X_rest, y_train, y_rest = train_test_split(X / 16.0, y, train_size=0.5,
                                                        random_state=0, stratify=y)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, train_size=0.5,
                                                    random_state=0, stratify=y_rest)
    clf = MLPClassifier(hidden_layer_sizes=(100,), alpha=0.0, tol=1e-8, n_iter_no_change=50,
                        max_iter=300 if args.quick else 5000, random_state=0)
    with warnings.catch_warnings():     # --quick stops the training early on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    z_val, z_test = mlp_logits(clf, X_val), mlp_logits(clf, X_test)
    print(f"MLP: {clf.n_iter_} epochs, training loss {clf.loss_:.1e}, "
          f"test accuracy {np.mean(z_test.argmax(axis=1) == y_test):.4f}")

    fit = boltz.fit_temperature(z_val, y_val)
    print(f"fitted on {len(y_val)} validation images: T = {fit.temperature:.3f} "
          f"± {fit.stderr:.3f} (validation NLL {fit.nll_at_one:.4f} -> {fit.nll:.4f})")
    before, after = boltz.softmax(z_test, axis=1), fit.calibrate(z_test)
    for name, probs, T in (("before", before, 1.0), ("after", after, fit.temperature)):
        print(f"  test, {name:<6} (T = {T:.3f}): NLL {nll(z_test, y_test, T):.4f} nats, "
              f"ECE {boltz.expected_calibration_error(probs, y_test):.4f}, "
              f"mean confidence {probs.max(axis=1).mean():.4f}, "
              f"accuracy {np.mean(probs.argmax(axis=1) == y_test):.4f}")

    fig = Figure(figsize=(13, 4.4), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, probs, title in ((axes[0], before, "before (T = 1)"),
                             (axes[1], after, f"after (T = {fit.temperature:.2f})")):
        diagram = boltz.reliability_diagram(probs, y_test)
        boltz.plot.reliability(diagram, ax=ax)
        ax.legend(loc="upper left", fontsize=8)
        ax.set_title(f"test part, {title}")
        for left, width, n in zip(diagram.bin_edges, np.diff(diagram.bin_edges),
                                  diagram.counts, strict=False):
            if n:                                   # images per bin, at the foot of its bar
                ax.text(left + width / 2, 0.02, str(n), ha="center", fontsize=7,
                        bbox=dict(facecolor="white", alpha=0.8, linewidth=0, pad=1))
        top = np.argmax(diagram.counts)
        print(f"  {title}: fullest bin, {diagram.counts[top]} images: confidence "
              f"{diagram.confidence[top]:.4f}, accuracy {diagram.accuracy[top]:.4f}")
    temps = np.geomspace(0.5, 10, 200)
    for z, labels, name in ((z_val, y_val, "validation (fitted)"), (z_test, y_test, "test")):
        axes[2].plot(temps, [nll(z, labels, T) for T in temps], label=name)
    axes[2].axvspan(fit.temperature - fit.stderr, fit.temperature + fit.stderr, color="C3",
                    alpha=0.2, label=f"T = {fit.temperature:.2f} ± {fit.stderr:.2f}")
    axes[2].set_xscale("log")
    axes[2].set_xlabel("temperature T")
    axes[2].set_ylabel("negative log-likelihood (nats per image)")
    axes[2].legend()
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
