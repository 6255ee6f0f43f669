"""The log-likelihood of a small RBM on MNIST, in nats, by the exact partition function.

Protocol (the 16-hidden model of PyDeep's MNIST table): the 50,000 training images of
MNIST's 50k/10k/10k split (``boltz.datasets.fetch_mnist``), binarised by threshold as PyDeep
does (pixel = 1 where its grey level is at least 0.5: ``binarize_mnist(X, "threshold")``);
a Bernoulli RBM of 784 visible and 16 hidden units trained by PCD-1 (persistent chains, one
Gibbs step), mini-batches of 100, learning rate 0.05, 30 epochs, no momentum or weight
decay, random_state 0: boltz's default (visible biases started at the training data's
log-odds, as PyDeep), centred (``centered=True``, Melchior et al.), and started at zero
(``visible_bias_init="zeros"``, scikit-learn's start). The score is the mean
log-likelihood of the 10,000 test images, thresholded the same way,
log p(v) = -F(v) - log Z, with log Z exact: 16 hidden units are few enough to sum over
their 2^16 states (``rbm.log_partition("exact")``). scikit-learn's ``BernoulliRBM`` (also
PCD-1) is trained with the same settings and scored the same way: its weights and biases
are copied into a ``boltz.RBM`` for the exact log Z. The published reference is PyDeep's
(``examples/RBM_MNIST_small.py``): -149.05 for the plain RBM (log Z 190.95) and -142.56
for the centred one, trained on all 60,000 training images in order with learning rate
0.01 for 50 epochs, weights started uniform in ±0.35 (boltz: N(0, 0.01²)).

Reference: J. Melchior, A. Fischer and L. Wiskott, "How to center deep Boltzmann
machines", JMLR 17 (2016), and PyDeep's tutorial "Small centered/normal binary RBM on
MNIST"; G. Hinton, "A practical guide to training restricted Boltzmann machines" (2010);
T. Tieleman, "Training restricted Boltzmann machines using approximations to the
likelihood gradient", ICML 2008 (PCD).

Run: ``python examples/rbm_mnist.py [--quick] [--out DIR]`` (downloads MNIST, 17 MB, on
first use; a minute or two on an idle machine, most of it scikit-learn's; --quick: the
first 5,000 training images, 3 epochs, a few seconds, and its numbers mean little).
Expect: boltz's plain RBM at -149.47 nats (log Z 204.01) and its centred RBM at -142.51
(log Z 281.94), PyDeep's -149.05 and -142.56 within half a nat each, on fewer images and
epochs. Started at zero, boltz and scikit-learn (the same algorithm from the same start)
stay some 50 nats lower, -206.19 and -199.95 (their seeds move them by several nats), and
their 16 hidden units all learn the mean digit; the figure shows the default model's
filters, strokes.
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
# boltz's models: its default (visible biases started at the data's log-odds, as PyDeep),
# centred, and started at zero as scikit-learn does
VARIANTS = {"boltz.RBM": {}, "boltz.RBM, centred": dict(centered=True),
            "boltz.RBM, zero start": dict(visible_bias_init="zeros")}
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


def timed_fit(model, X):
    t0 = time.perf_counter()
    model.fit(X)
    return model, time.perf_counter() - t0


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

    scores, models = {}, {}
    for name, options in VARIANTS.items():
        models[name], seconds = timed_fit(boltz.RBM(**settings, **options), X_train)
        scores[name] = (*exact_scores(models[name], X_test), seconds)
    sk, seconds = timed_fit(BernoulliRBM(**settings), X_train)
    scores["scikit-learn"] = (*exact_scores(as_boltz(sk), X_test), seconds)
    for name, (log_z, ll, seconds) in scores.items():
        print(f"{name:22s} trained in {seconds:5.1f} s: log Z {log_z:8.2f}, "
              f"test log-likelihood {ll:8.2f} nats")
    for name, ll in PYDEEP.items():
        print(f"{name:22s} (published):   test log-likelihood {ll:8.2f} nats")

    fig = Figure(figsize=(11, 4.4), layout="constrained")
    ax_ll, ax_filters = fig.subplots(1, 2, width_ratios=[1.4, 1])
    names = [*scores, *PYDEEP]
    values = [ll for _, ll, _ in scores.values()] + list(PYDEEP.values())
    colors = ["C0", "C2", "C9", "C1", "0.6", "0.45"]
    ax_ll.barh(names, values, color=colors)
    for y, v in enumerate(values):            # the value inside each bar, at its far end
        ax_ll.text(v, y, f"  {v:.2f}", va="center", ha="left", color="white")
    ax_ll.invert_yaxis()
    ax_ll.set_xlabel("mean test log-likelihood (nats), exact log Z")
    ax_ll.set_title(f"MNIST, 16 hidden, PCD-1, {settings['n_iter']} epochs"
                    f"{' (quick)' if args.quick else ''}")
    boltz.plot.rbm_filters(models["boltz.RBM"], (28, 28), ax=ax_filters, ncols=4)
    ax_filters.set_title("boltz.RBM's 16 filters")
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
