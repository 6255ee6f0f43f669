"""RBM features for digit classification, as in scikit-learn's own example.

scikit-learn's "Restricted Boltzmann Machine features for digit classification" with
``boltz.RBM`` (a drop-in for ``sklearn.neural_network.BernoulliRBM``) in the ``Pipeline``:
the 8 x 8 digits are scaled to [0, 1], split 80/20, and each part nudged by one pixel in
each of four directions (five times the data, so that a classifier must cope with shifts;
split before nudging, unlike scikit-learn's example, so that no shifted copy of a test
image is trained on), an RBM of 100 hidden
units learns features P(h = 1 | v) without the labels (PCD-1, learning rate 0.06, 10
epochs), and a logistic regression classifies them. The baseline is a logistic regression
on the raw pixels. The RBM's filters (each hidden unit's weights to the 64 pixels) are
drawn with ``boltz.plot.rbm_filters``: strokes and blobs of the digits.

Reference: P. Smolensky (1986) and G. Hinton, "Training products of experts by minimizing
contrastive divergence", Neural Computation 14, 1771 (2002); scikit-learn's example
``plot_rbm_logistic_classification.py`` (the settings here are its settings).

Run: ``python examples/rbm_digits.py [--quick] [--out DIR]`` (about 10 s; --quick: the
digits not nudged, 2 epochs, a few seconds, and its numbers mean little).
Expect: the RBM features are classified better than the raw pixels (0.936 against 0.788
accuracy on the nudged test part), and the pseudo-likelihood rises from -26.6 to -20.1
over the 10 epochs.
"""
import matplotlib

matplotlib.use("Agg")
import numpy as np
from _common import parser, save
from matplotlib.figure import Figure
from scipy.ndimage import shift
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import minmax_scale

import boltz
import boltz.plot


def nudged(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The images and their copies moved one pixel up, down, left and right (zero fill)."""
    images = X.reshape(-1, 8, 8)
    moved = [shift(images, (0, *d), order=0, cval=0).reshape(len(X), 64)
             for d in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    return np.concatenate([X, *moved]), np.tile(y, 5)


def main() -> None:
    args = parser(__doc__).parse_args()
    X, y = load_digits(return_X_y=True)
    X = minmax_scale(X.astype(np.float32))                 # each pixel to [0, 1]
    # split first, then nudge each part: no shifted copy of a test image is trained on
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    if not args.quick:
        X_train, y_train = nudged(X_train, y_train)
        X_test, y_test = nudged(X_test, y_test)
    print(f"digits{'' if args.quick else ' nudged'}: {len(X_train)} training, "
          f"{len(X_test)} test images")

    rbm = boltz.RBM(n_components=100, learning_rate=0.06, batch_size=10,
                    n_iter=2 if args.quick else 10, random_state=0)
    model = Pipeline([("rbm", rbm),
                      ("logistic", LogisticRegression(C=6000, max_iter=1000))])
    rbm_accuracy = model.fit(X_train, y_train).score(X_test, y_test)
    raw = LogisticRegression(C=100, max_iter=1000).fit(X_train, y_train)
    raw_accuracy = raw.score(X_test, y_test)
    print(f"logistic regression on RBM features: test accuracy {rbm_accuracy:.4f}")
    print(f"logistic regression on raw pixels:   test accuracy {raw_accuracy:.4f}")
    print(f"RBM pseudo-likelihood per epoch: "
          f"{np.round(rbm.history_['pseudo_likelihood'], 2).tolist()}")

    fig = Figure(figsize=(6, 6.4), layout="constrained")
    ax = boltz.plot.rbm_filters(rbm, (8, 8), ax=fig.subplots())
    ax.set_xlabel(f"RBM features: accuracy {rbm_accuracy:.3f}; raw pixels: {raw_accuracy:.3f}")
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
