"""The log-likelihood of a small RBM on MNIST, in nats, by the exact partition function.

Protocol (the 16-hidden model of PyDeep's MNIST table): the 50,000 training images of
MNIST's 50k/10k/10k split (``boltz.datasets.fetch_mnist``), binarised by threshold as PyDeep
does (pixel = 1 where its grey level is at least 0.5: ``binarize_mnist(X, "threshold")``);
a Bernoulli RBM of 784 visible and 16 hidden units trained by PCD-1 (persistent chains, one
Gibbs step), mini-batches of 100, learning rate 0.05, 30 epochs, no momentum or weight
decay, random_state 0. The score is the mean log-likelihood of the 10,000 test images,
thresholded the same way, log p(v) = -F(v) - log Z, with log Z exact: 16 hidden units are
few enough to sum over their 2^16 states (``rbm.log_partition("exact")``). scikit-learn's
``BernoulliRBM`` (also PCD-1) is trained with the same settings and scored the same way:
its weights and biases are copied into a ``boltz.RBM`` for the exact log Z. The published
reference is PyDeep's (``examples/RBM_MNIST_small.py``): -149.05 for the plain RBM (log Z
190.95) and -142.56 for the centred one. PyDeep's protocol differs: it trains on all
60,000 training images, in order, with learning rate 0.01 for 50 epochs, and starts the
visible biases at the data's log-odds and the weights uniform in ±0.35, where boltz and
scikit-learn start the biases at zero and the weights at N(0, 0.01²).

Reference: J. Melchior, A. Fischer and L. Wiskott, "How to center deep Boltzmann
machines", JMLR 17 (2016), and PyDeep's tutorial "Small centered/normal binary RBM on
MNIST"; G. Hinton, "A practical guide to training restricted Boltzmann machines" (2010);
T. Tieleman, "Training restricted Boltzmann machines using approximations to the
likelihood gradient", ICML 2008 (PCD).

Run: ``python examples/rbm_mnist.py [--quick] [--out DIR]`` (downloads MNIST, 17 MB, on
first use; one to two minutes, most of it scikit-learn's; --quick: the first 5,000
training images, 3 epochs, a few seconds, and its numbers mean little).
Expect: boltz and scikit-learn, the same algorithm from the same start, about 50 nats below
PyDeep's plain RBM: -206.2 and -200.0 here (log Z 217.8 and 215.6), and as far apart as
their seeds make them (boltz with random_state 0 to 3: -206.2, -197.5, -206.1, -192.8).
The zero start of the visible biases is most of the gap: the 16 hidden units all learn the
mean digit (the figure's filters, 16 copies of one blob) instead of strokes.
"""
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np
from _common import parser, save
from matplotlib.figure import Figure
from sklearn.neural_network import BernoulliRBM

import boltz
import boltz.plot
from boltz.datasets import binarize_mnist, fetch_mnist

SETTINGS = dict(n_components=16, batch_size=100, learning_rate=0.05, n_iter=30,
                random_state=0)
PYDEEP = {"PyDeep, plain": -149.05, "PyDeep, centred": -142.56}


def exact_scores(rbm: boltz.RBM, X_test: np.ndarray) -> tuple[float, float]:
    """(log Z, mean test log-likelihood) by the exact partition function."""
    log_z = rbm.log_partition("exact")
    return log_z, rbm.log_likelihood(X_test, log_z=log_z)


def as_boltz(sk: BernoulliRBM) -> boltz.RBM:
    """scikit-learn's fitted parameters in a boltz.RBM (same energy, same names)."""
    rbm = boltz.RBM(n_components=sk.n_components, dtype=np.float64)
    rbm.components_ = sk.components_.astype(np.float64)
    rbm.intercept_hidden_ = sk.intercept_hidden_.astype(np.float64)
    rbm.intercept_visible_ = sk.intercept_visible_.astype(np.float64)
    rbm.n_features_in_ = sk.components_.shape[1]
    return rbm


def main() -> None:
    args = parser(__doc__).parse_args()
    mnist = fetch_mnist()
    X_train = binarize_mnist(mnist.X_train, "threshold")
    X_test = binarize_mnist(mnist.X_test, "threshold")
    settings = dict(SETTINGS)
    if args.quick:
        X_train, settings["n_iter"] = X_train[:5000], 3
    print(f"MNIST thresholded (grey level >= 0.5): {len(X_train)} training, "
          f"{len(X_test)} test images; {settings}")

    t0 = time.perf_counter()
    rbm = boltz.RBM(**settings).fit(X_train)
    boltz_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    sk = BernoulliRBM(**settings).fit(X_train)
    sklearn_seconds = time.perf_counter() - t0
    scores = {"boltz.RBM": exact_scores(rbm, X_test),
              "scikit-learn": exact_scores(as_boltz(sk), X_test)}
    for (name, (log_z, ll)), seconds in zip(scores.items(), (boltz_seconds, sklearn_seconds),
                                            strict=True):
        print(f"{name:14s} trained in {seconds:5.1f} s: log Z {log_z:8.2f}, "
              f"test log-likelihood {ll:8.2f} nats")
    for name, ll in PYDEEP.items():
        print(f"{name:14s} (published):   test log-likelihood {ll:8.2f} nats")

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax_ll, ax_filters = fig.subplots(1, 2, width_ratios=[1.3, 1])
    names = [*scores, *PYDEEP]
    values = [ll for _, ll in scores.values()] + list(PYDEEP.values())
    colors = ["C0", "C1", "0.6", "0.45"]
    ax_ll.barh(names, values, color=colors)
    for y, v in enumerate(values):            # the value inside each bar, at its far end
        ax_ll.text(v, y, f"  {v:.2f}", va="center", ha="left", color="white")
    ax_ll.invert_yaxis()
    ax_ll.set_xlabel("mean test log-likelihood (nats), exact log Z")
    ax_ll.set_title(f"MNIST, 16 hidden, PCD-1, {settings['n_iter']} epochs"
                    f"{' (quick)' if args.quick else ''}")
    boltz.plot.rbm_filters(rbm, (28, 28), ax=ax_filters, ncols=4)
    ax_filters.set_title("boltz.RBM's 16 filters")
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
